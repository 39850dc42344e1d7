"""The opened scenario kept warm: history, baselines and calendar read once, what-ifs solved.

A what-if is written as a scenario file over the opened one (:mod:`planner.serve.changes`)
and read back by :func:`planner.scenario.load_scenario`, then solved by
:func:`planner.pipeline.run_drivers`, the very function ``planner drivers`` calls; only
the seat capacity (which depends on the hires, not on the target or the levers) is kept
between what-ifs, per set of hires.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner import names as n
from planner.baselines.compute import Baselines
from planner.calendar import Calendar
from planner.capacity import grade_productivity
from planner.drivers import build_tree
from planner.drivers.backend import DriverEngine
from planner.drivers.hiring import hiring_adjust
from planner.drivers.levers import merge_levers
from planner.drivers.rules import cell_rules
from planner.drivers.search import reach
from planner.drivers.solve import DriverResult
from planner.drivers.tables import drivers_table
from planner.errors import TargetUnreachableError
from planner.history.dataset import Dataset
from planner.pipeline import (
    Capacity,
    capacity_of,
    load_history,
    run_drivers,
    scenario_baselines,
    scenario_calendar,
    target_amount,
    team_names,
)
from planner.scenario import load_scenario
from planner.scenario.values import Scenario
from planner.serve.changes import Changes, child_toml, minimal

#: What-if scenario files are written under this name in a session's own folder.
WHAT_IF_FILE = "what-if.toml"
#: Seat capacities kept (one per set of hires tried).
CAPACITY_CACHE = 64


@dataclass
class Opened:
    """The scenario the server was started on, with everything read from its history.

    Attributes
    ----------
    scenario : Scenario
    dataset : Dataset
    baselines : Baselines
    calendar : Calendar
    warnings : list of str
        What reading the history and the calendar warned about (spikes, an estimated
        calendar, ...), shown on the page.
    """

    scenario: Scenario
    dataset: Dataset
    baselines: Baselines
    calendar: Calendar
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Opened:
        """Read the scenario file and its history (the slow part, once per server).

        Raises
        ------
        ScenarioError, InputError
            The scenario or its history is invalid.
        """
        scenario = load_scenario(path)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            dataset = load_history(scenario)
            baselines = scenario_baselines(scenario, dataset)
            calendar = scenario_calendar(scenario)
        said = list(dict.fromkeys(str(w.message) for w in caught))
        return cls(scenario, dataset, baselines, calendar, said)


class WhatIfModel:
    """Solves what-ifs of one opened scenario; safe to share between sessions.

    Parameters
    ----------
    opened : Opened
        The opened scenario and its history.
    """

    def __init__(self, opened: Opened) -> None:
        self.opened = opened
        self._capacity: OrderedDict[tuple[Any, ...], Capacity] = OrderedDict()
        self._candidates: dict[str, Any] = {}  # hire candidates, shared by the capacities
        self._lock = threading.Lock()  # one driver solve at a time: bounded CPU

    @property
    def base(self) -> Scenario:
        """The opened scenario."""
        return self.opened.scenario

    def scenario_for(self, changes: Changes, folder: Path, name: str | None = None
                     ) -> tuple[Scenario, str]:
        """The what-if as a validated scenario, and the text of its file.

        The file (``base =`` the opened scenario's absolute path) is written to
        ``folder`` and read back, so a bad value gets the schema's own message.

        Raises
        ------
        ScenarioError
            As ``planner drivers`` on that file would.
        """
        assert self.base.path is not None
        text = child_toml(minimal(changes, self.base), self.base.path.resolve().as_posix(),
                          name or f"{self.base.name}-what-if")
        path = folder / WHAT_IF_FILE
        path.write_text(text, encoding="utf-8")
        return load_scenario(path), text

    def capacity(self, scenario: Scenario) -> Capacity:
        """Seat capacity of a what-if (kept per set of hires)."""
        key = (scenario.hires, scenario.attrition_rate, scenario.ramp_months,
               scenario.capacity_basis, scenario.year, scenario.country,
               scenario.extra_holidays, scenario.extra_working_days)
        found = self._capacity.get(key)
        if found is None:
            found = capacity_of(scenario, self.opened.baselines, self.opened.calendar)
            found.memo["hire_candidates"] = self._candidates  # they do not depend on hires
            self._capacity[key] = found
            if len(self._capacity) > CAPACITY_CACHE:
                self._capacity.popitem(last=False)
        self._capacity.move_to_end(key)
        return found

    def drivers(self, scenario: Scenario) -> dict[str, Any]:
        """Solve the driver model of a what-if: the answer of ``POST /api/drivers``.

        Returns
        -------
        dict
            ``feasible``, ``multiple``, ``levers`` (per lever: ``uplift``, ``cap``,
            ``binding`` as in ``drivers.csv``, ``marginal_value``, ``contribution``,
            ...), ``reach_multiple``, ``waterfall``; when out of reach ``message`` and
            ``diagnosis`` (Markdown) with the levers at the largest reachable point.

        Raises
        ------
        ScenarioError
            The what-if names teams, grades, products or segments the data does not have.
        """
        baselines = self.opened.baselines
        with self._lock:
            capacity = self.capacity(scenario)
            try:
                result = run_drivers(scenario, baselines, self.opened.calendar, capacity)
            except TargetUnreachableError as exc:
                return self._unreachable(scenario, capacity, exc)
        return solved_json(result, scenario)

    def _unreachable(self, scenario: Scenario, capacity: Capacity,
                     exc: TargetUnreachableError) -> dict[str, Any]:
        """The answer for a target out of reach: the levers at the largest reachable point."""
        baselines = self.opened.baselines
        tree = build_tree(baselines.product_segments, baselines.products, scenario.levers,
                          max(capacity.multiple, 1e-6))
        adjust = hiring_adjust(scenario, baselines, self.opened.calendar, capacity)
        tree = tree if adjust is None else adjust(tree)  # [hiring]: the seats lever hires
        engine = DriverEngine(tree, scenario.solver.time_limit)
        best, _ = reach(tree, scenario.buffer, scenario.solver.time_limit,
                        cell_rules(scenario.mix, scenario.supply), backend=engine)
        total = baselines.total_amount
        target = target_amount(scenario, baselines)
        out: dict[str, Any] = {
            "scenario": scenario.name, "feasible": False, "multiple": target / total,
            "target": target, "history_total": total, "message": str(exc),
            "diagnosis": exc.diagnosis, "buffer": scenario.buffer,
        }
        if best is None:
            out.update(reach_multiple=None, levers=[], waterfall=[])
            return out
        table = drivers_table(tree, best, _capacity_baselines(baselines, capacity), 0.0)
        out.update(reach_multiple=best.revenue(tree) / total, levers=lever_rows(table, scenario),
                   waterfall=waterfall(table, tree.baseline_amount, total,
                                       best.revenue(tree)))
        return out

    def lever_settings(self) -> list[dict[str, Any]]:
        """The opened scenario's levers, for the page's sliders."""
        rows = []
        for spec in merge_levers(self.base.levers):
            rows.append({"lever": spec.name, "kind": spec.kind,
                         "scope": f"products={','.join(spec.products)}; "
                                  f"segments={','.join(spec.segments)}",
                         "cap": spec.cap, "min": spec.min, "fixed": spec.fixed,
                         "cost": spec.cost})
        return rows

    def choices(self) -> dict[str, list[str]]:
        """Teams and grades a hire may name (from the history)."""
        seats = self.opened.baselines.seats
        teams = sorted({str(t) for t in seats[n.TEAM]}) if n.TEAM in seats else []
        return {"teams": teams, "grades": sorted(grade_productivity(self.opened.baselines)),
                "team_names": [team_names(self.opened.dataset).get(t, t) for t in teams]}


def _capacity_baselines(baselines: Baselines, cap: Capacity) -> dict[str, float]:
    """As :func:`planner.pipeline.run_drivers` gives them to the drivers table."""
    return {
        "productivity": baselines.total_amount / cap.seat_weeks if cap.seat_weeks else np.nan,
        "seats": cap.seat_weeks / cap.weeks if cap.weeks else np.nan,
    }


def number(value: Any) -> float | None:
    """A JSON number: NaN and infinities become null."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def lever_rows(table: pd.DataFrame, scenario: Scenario) -> list[dict[str, Any]]:
    """``drivers.csv`` rows as JSON objects (same numbers), with each lever's settings."""
    specs = {spec.name: spec for spec in merge_levers(scenario.levers)}
    rows = []
    for row in table.to_dict("records"):
        spec = specs.get(str(row["lever"]))
        rows.append({
            "lever": str(row["lever"]), "kind": str(row["kind"]), "scope": str(row["scope"]),
            "baseline": number(row["baseline"]), "uplift": number(row["uplift"]),
            "planned": number(row["planned"]), "cap": number(row["cap"]),
            "binding": str(row["binding"]), "marginal_value": number(row["marginal_value"]),
            "contribution": number(row["contribution"]),
            "min": None if spec is None else spec.min,
            "fixed": None if spec is None else spec.fixed,
            "settable": spec is not None,
        })
    return rows


def waterfall(table: pd.DataFrame, baseline: float, history_total: float,
              achieved: float) -> list[dict[str, Any]]:
    """Last year, the spike normalisation, each lever's contribution, the result (multiples).

    The steps add up exactly: the contributions split each cell's gain over its levers.
    """
    steps = [{"step": "last year", "start": 0.0, "end": 1.0}]
    level = baseline / history_total
    if abs(level - 1.0) > 1e-12:
        steps.append({"step": "spikes normalised", "start": 1.0, "end": level})
    for row in table.to_dict("records"):
        gain = float(row["contribution"]) / history_total
        if abs(gain) > 1e-12:
            steps.append({"step": str(row["lever"]), "start": level, "end": level + gain})
            level += gain
    steps.append({"step": "target", "start": 0.0, "end": achieved / history_total})
    return steps


def solved_json(result: DriverResult, scenario: Scenario) -> dict[str, Any]:
    """The answer of ``POST /api/drivers`` for a reachable target."""
    table = result.drivers
    total = result.history_total
    return {
        "scenario": scenario.name, "feasible": True, "multiple": result.target / total,
        "target": result.target, "achieved": result.achieved, "history_total": total,
        "buffer": scenario.buffer, "reach_multiple": result.reach_multiple,
        "levers": lever_rows(table, scenario),
        "waterfall": waterfall(table, result.tree.baseline_amount, total, result.achieved),
        "message": None, "diagnosis": None,
    }


__all__ = ["Opened", "WhatIfModel", "lever_rows", "number", "solved_json", "waterfall"]
