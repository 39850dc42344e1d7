"""``planner track``: attainment to date and the variance of each month by driver."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from planner import names as n
from planner.errors import InputError, Problem
from planner.scenario.values import Scenario
from planner.tracking.actuals import TRANSACTIONS, Actuals, closed_parts, load_actuals
from planner.tracking.attainment import (
    attainment_table,
    compared_cells,
    cumulative_table,
    landing_table,
)
from planner.tracking.columns import DRIVER_EFFECTS, VARIANCE_KEYS, VOLUME_EFFECTS
from planner.tracking.plan_dir import PlanFolder, read_plan_folder
from planner.tracking.planned import base_growth, planned_drivers
from planner.tracking.variance import DRIVERS, VOLUME, driver_effects, volume_price_mix


@dataclass
class TrackResult:
    """Where the year stands: every table ``planner track`` writes.

    Attributes
    ----------
    year : int
        Plan year.
    as_of : date
        The as-of date.
    kind : str
        Where the actuals came from: ``"workbooks"`` or ``"transactions"``.
    method : str
        How the variance is split: ``"drivers"`` (customers, conversion, repurchase,
        ticket, mix) or ``"volume"`` (volume, price, mix).
    attainment : DataFrame
        ``attainment.csv``: ``team, product, month, target, actual, attainment``.
    variance : DataFrame
        ``variance.csv``: ``team, product, month, target, actual, variance`` and one
        column per effect; the effects add up to ``variance``.
    landing : DataFrame
        Per team (``*``: the company): year target, to date, and the year-end landing at
        the current run rate.
    cumulative : DataFrame
        Company per month: target, actual, both cumulative, and the landing path.
    notes : list of str
        What the actuals left out or assumed.
    plan_dir : Path
        The plan folder.
    """

    year: int
    as_of: date
    kind: str
    method: str
    attainment: pd.DataFrame
    variance: pd.DataFrame
    landing: pd.DataFrame
    cumulative: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    plan_dir: Path = Path()

    @property
    def effects(self) -> tuple[str, ...]:
        """The effect columns of :attr:`variance`."""
        return DRIVER_EFFECTS if self.method == DRIVERS else VOLUME_EFFECTS

    def bridge(self) -> pd.DataFrame:
        """Company variance per month: ``month, target``, each effect, ``actual``."""
        cols = ["target", *self.effects, "actual"]
        return self.variance.groupby(n.MONTH, as_index=False)[cols].sum()


def _driver_plan(scenario: Scenario, folder: PlanFolder) -> pd.DataFrame:
    """The scenario's planned drivers per product x segment (its driver model, solved)."""
    from planner.pipeline import load_history, run_drivers, scenario_baselines, scenario_calendar

    if scenario.year != folder.year:
        raise InputError([Problem(str(scenario.path or scenario.name), None, None, None,
                                  f"plans {scenario.year} but the plan in {folder.path} is "
                                  f"for {folder.year}; give the scenario of that plan")])
    baselines = scenario_baselines(scenario, load_history(scenario))
    drivers = run_drivers(scenario, baselines, scenario_calendar(scenario))
    return planned_drivers(drivers, baselines)


def track_folder(folder: PlanFolder, actuals: Actuals,
                 planned: pd.DataFrame | None = None) -> TrackResult:
    """Compare a plan with its actuals (the pure part of :func:`run_track`).

    ``planned``: the plan's drivers per product x segment
    (:func:`~planner.tracking.planned.planned_drivers`), for the driver split.
    """
    closed = closed_parts(folder, actuals)
    cells = compared_cells(folder.plan, closed, actuals)
    if cells.empty:
        raise InputError([Problem("--actuals", None, None, None,
                                  f"no week part of {folder.year} has ended by "
                                  f"{actuals.as_of:%Y-%m-%d}; track after the first week")])
    notes = list(actuals.notes)
    if actuals.kind == TRANSACTIONS and actuals.segments is not None and planned is not None:
        months = sorted(set(cells[n.MONTH]))
        growth = base_growth(planned, actuals.customers, months)
        if growth is None:
            notes.append("no customers table in the actuals: the reachable base is taken as "
                          "planned, so a change in buyers shows as conversion")
        variance = driver_effects(cells, actuals.segments, planned, growth)
        method = DRIVERS
    else:
        variance = volume_price_mix(cells, folder.unit_prices())
        method = VOLUME
        if actuals.kind == TRANSACTIONS and actuals.segments is None:
            notes.append("the transactions have no customer ids or segments: the variance "
                         "is split into volume, price and mix")
        elif actuals.kind == TRANSACTIONS:
            notes.append("no scenario given: the variance is split into volume, price and "
                         "mix (give the scenario for customers, conversion, repurchase, "
                         "ticket and mix)")
    effects = DRIVER_EFFECTS if method == DRIVERS else VOLUME_EFFECTS
    variance = variance[[*VARIANCE_KEYS, *effects]]
    landing = landing_table(folder.plan, cells)
    return TrackResult(year=folder.year, as_of=actuals.as_of, kind=actuals.kind, method=method,
                       attainment=attainment_table(folder.plan, cells), variance=variance,
                       landing=landing, cumulative=cumulative_table(folder.plan, cells, landing),
                       notes=notes, plan_dir=folder.path)


def run_track(plan_dir: Path | str, actuals: list[Path] | Path | str,
              as_of: date | str | None = None, scenario: Scenario | None = None) -> TrackResult:
    """Track a plan against its actuals.

    Parameters
    ----------
    plan_dir : Path or str
        The ``--out`` folder of ``planner plan`` (or ``planner replan``).
    actuals : list of Path
        Returned team workbooks, or a folder of plan-year transactions.
    as_of : date or str, optional
        The as-of date (default: the last sale, or the end of the last reported month).
    scenario : Scenario, optional
        The plan's scenario: its mapping reads the transactions and its driver model
        gives the planned customers, conversion, repurchase and ticket.

    Returns
    -------
    TrackResult

    Raises
    ------
    InputError
        A bad plan folder, workbook (file, sheet and cell) or transactions file.
    """
    folder = read_plan_folder(plan_dir)
    loaded = load_actuals(actuals, folder, as_of, None if scenario is None else scenario.mapping)
    planned = None
    if loaded.kind == TRANSACTIONS and loaded.segments is not None and scenario is not None:
        planned = _driver_plan(scenario, folder)
    return track_folder(folder, loaded, planned)
