"""The one-way flow: load -> baselines -> drivers -> allocation -> plan result.

Each step is a function with data in and data out; the CLI and the Python API call
these. Progress is reported through an optional callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation.inputs import (
    Prepared,
    history_capacity,
    planned_capacity,
    prepare_allocation,
)
from planner.allocation.seats import split_to_seats
from planner.allocation.solve import solve_allocation
from planner.allocation.values import seat_values, supply_values
from planner.baselines import Baselines, compute_baselines
from planner.calendar import Calendar, build_calendar
from planner.dataset import Dataset
from planner.drivers import DriverResult, build_tree, solve_drivers
from planner.drivers.result import customer_targets
from planner.drivers.sweep import SweepResult, sweep_drivers
from planner.errors import ScenarioError
from planner.loading import load_dataset
from planner.plan_result import PlanResult, gather_warnings
from planner.scenario.checks import raise_for_data
from planner.scenario.model import Scenario

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def load_history(scenario: Scenario) -> Dataset:
    """Load and validate the scenario's history files.

    The history is checked against the plan year (nothing dated on or after its first
    day) and the scenario's trailing window (stray dates that would move it are refused;
    a history that does not fill it is a warning).
    """
    from datetime import date

    if scenario.data_dir is None:
        raise ScenarioError(f"{scenario.path.name if scenario.path else 'scenario'}: data.dir: "
                            "missing; add [data] dir = \"path/to/history\" (relative to the file)")
    plan_start = date(scenario.year, 1, 1) if 1 <= scenario.year <= 9999 else None
    return load_dataset(scenario.data_dir, scenario.mapping, plan_start=plan_start,
                        window_end=scenario.window_end,
                        trailing_months=scenario.trailing_months)


def scenario_baselines(scenario: Scenario, dataset: Dataset) -> Baselines:
    """Baselines over the scenario's trailing window, one-off spikes as it says."""
    return compute_baselines(dataset, window_end=scenario.window_end,
                             trailing_months=scenario.trailing_months,
                             ramp_months=scenario.ramp_months, country=scenario.country,
                             spikes=scenario.spikes, spike_overrides=scenario.spike_overrides)


def scenario_calendar(scenario: Scenario) -> Calendar:
    """The plan year's working-day calendar with the scenario's overrides."""
    return build_calendar(scenario.year, scenario.country,
                          extra_holidays=scenario.extra_holidays,
                          extra_working_days=scenario.extra_working_days,
                          official=scenario.official_calendar or None)


def target_amount(scenario: Scenario, baselines: Baselines) -> float:
    """The company target: a multiple of last year, or an absolute amount."""
    if scenario.target_amount is not None:
        return scenario.target_amount
    return float(scenario.target_multiple or 1.0) * baselines.total_amount


@dataclass
class Capacity:
    """Seat capacity, last year and planned, at last year's productivity."""

    history: float
    planned: float
    seat_weeks: float
    weeks: float

    @property
    def multiple(self) -> float:
        """Planned over last year's capacity."""
        return self.planned / self.history if self.history > 0 else 1.0


def capacity_of(scenario: Scenario, baselines: Baselines, calendar: Calendar) -> Capacity:
    """Last year's and the planned seat capacity (amount at last year's productivity)."""
    seats = baselines.seats
    history = float(history_capacity(baselines, scenario.capacity_basis).sum())
    _, weights = planned_capacity(baselines, scenario, calendar)
    span = (baselines.window_end - baselines.window_start).days + 1
    return Capacity(history, float(weights["weight"].sum()),
                    float(seats["active_weeks"].sum()), span / 7.0)


def run_drivers(scenario: Scenario, baselines: Baselines, calendar: Calendar) -> DriverResult:
    """Solve the driver model for the scenario's target.

    The scenario is first checked against the data (teams, grades, products, segments):
    every problem is raised at once as a :class:`ScenarioError`, before any solve.
    """
    raise_for_data(scenario, baselines)
    cap = capacity_of(scenario, baselines, calendar)
    tree = build_tree(baselines.product_segments, baselines.products, scenario.levers,
                      max(cap.multiple, 1e-6))
    caps = {
        "productivity": baselines.total_amount / cap.seat_weeks if cap.seat_weeks else np.nan,
        "seats": cap.seat_weeks / cap.weeks if cap.weeks else np.nan,
    }
    return solve_drivers(tree, target_amount(scenario, baselines), baselines.total_amount,
                         baselines.products, buffer=scenario.buffer, capacity_baselines=caps,
                         mix=scenario.mix, supply=scenario.supply,
                         time_limit=scenario.solver.time_limit)


def sweep_scenario(scenario: Scenario, multiples: np.ndarray,
                   vary: tuple[str, np.ndarray] | None = None,
                   dataset: Dataset | None = None) -> SweepResult:
    """Solve the scenario's driver model over target multiples (and one lever's caps)."""
    dataset = dataset or load_history(scenario)
    baselines = scenario_baselines(scenario, dataset)
    raise_for_data(scenario, baselines)
    cap = capacity_of(scenario, baselines, scenario_calendar(scenario))
    return sweep_drivers(baselines.product_segments, baselines.products, scenario.levers,
                         max(cap.multiple, 1e-6), baselines.total_amount, multiples,
                         buffer=scenario.buffer, mix=scenario.mix, supply=scenario.supply,
                         vary=vary,
                         time_limit=scenario.solver.time_limit)


def run_plan(scenario: Scenario, progress: Progress | None = None) -> PlanResult:
    """Run the whole plan for a scenario.

    Parameters
    ----------
    scenario : Scenario
    progress : callable, optional
        Called with a short message before each step.

    Returns
    -------
    PlanResult
    """
    say = progress or _quiet
    say("loading history")
    dataset = load_history(scenario)
    say("computing baselines")
    baselines = scenario_baselines(scenario, dataset)
    return plan_from_baselines(scenario, baselines, progress)


def plan_from_baselines(scenario: Scenario, baselines: Baselines,
                        progress: Progress | None = None) -> PlanResult:
    """The plan on baselines already computed (what-ifs on one data set share them).

    ``result.extra["reach_multiple"]`` is the largest multiple of last year the
    levers can reach.
    """
    say = progress or _quiet
    raise_for_data(scenario, baselines)  # every problem at once, before any solve
    calendar = scenario_calendar(scenario)
    say("solving the driver model")
    drivers = run_drivers(scenario, baselines, calendar)
    say("preparing the allocation")
    prepared = prepare_allocation(baselines, drivers.product_targets, scenario, calendar)
    say(f"solving the allocation ({len(prepared.inputs.teams)} teams x "
        f"{len(prepared.inputs.products)} products x {len(prepared.inputs.slots)} week parts)")
    raw, binding, lp, solution = solve_allocation(prepared.inputs, scenario.solver)
    values = seat_values(lp, solution, prepared.inputs.scale, prepared.seat_weights,
                         prepared.roster, prepared.productivity_factor,
                         scenario.capacity_headroom)
    supply = supply_values(lp, solution, prepared.inputs.scale, prepared.inputs.products)
    binding = pd.concat([f for f in (binding, values, supply) if len(f)] or [binding],
                        ignore_index=True)
    say("splitting team targets over seats")
    return assemble(scenario, baselines, calendar, drivers, prepared, raw, binding)


def _team_customers(drivers: DriverResult, baselines: Baselines, plan: pd.DataFrame,
                    buffer: float) -> pd.DataFrame:
    """Each team's active- and new-customer targets.

    The company's (from the levers, with the buffer) split by the team's share of the plan.
    """
    company = customer_targets(drivers.tree, drivers.point, baselines.segments)
    share = plan.groupby(n.TEAM, sort=False)[n.AMOUNT].sum()
    share = share / share.sum() if share.sum() > 0 else share
    return pd.DataFrame({n.TEAM: share.index,
                         **{k: share.to_numpy() * v * (1 + buffer) for k, v in company.items()}})


def assemble(scenario: Scenario, baselines: Baselines, calendar: Calendar,
             drivers: DriverResult, prepared: Prepared, raw: pd.DataFrame,
             binding: pd.DataFrame) -> PlanResult:
    """Build the :class:`PlanResult` from the solved pieces."""
    products = prepared.inputs.products
    ticket = dict(zip(products[n.PRODUCT], products["ticket"], strict=True))
    plan = raw.merge(prepared.inputs.slots[["slot", n.WEEK_START]], on="slot")
    plan[n.UNITS] = plan[n.AMOUNT] / plan[n.PRODUCT].map(ticket)
    plan = plan[list(n.PLAN_COLUMNS)].reset_index(drop=True)
    team_month = plan.groupby([n.TEAM, n.PRODUCT, n.MONTH], as_index=False)[
        [n.AMOUNT, n.UNITS]].sum()
    seat_month = prepared.seat_weights.groupby([n.SEAT, n.TEAM, n.GRADE, n.MONTH],
                                               as_index=False)["weight"].sum()
    seats = split_to_seats(team_month, seat_month)
    capacity = prepared.inputs.capacity.merge(
        plan.groupby([n.TEAM, n.WEEK], as_index=False)[n.AMOUNT].sum().rename(
            columns={n.AMOUNT: "load"}), on=[n.TEAM, n.WEEK], how="left").fillna({"load": 0.0})
    history_monthly = baselines.product_months[[n.PRODUCT, n.MONTH, n.AMOUNT, n.UNITS]]
    history_teams = baselines.team_products[[n.TEAM, n.PRODUCT, n.AMOUNT, n.UNITS]]
    warnings: list[str] = [*gather_warnings(baselines.report, baselines.warnings,
                                            calendar.warnings)]
    settings = scenario.settings_rows() + [
        ("last year (trailing window)", f"{baselines.window_start:%Y-%m-%d}.."
                                        f"{baselines.window_end:%Y-%m-%d}"),
        ("last year revenue", f"{baselines.total_amount:,.0f}"),
        ("company target", f"{drivers.target:,.0f}"),
        ("team targets (with buffer)", f"{drivers.target * (1 + scenario.buffer):,.0f}"),
        ("planned amount per seat vs last year",
         f"{prepared.productivity_factor:.2f}x"),
        ("calendar", "ESTIMATED" if calendar.estimated else "official"),
    ]
    return PlanResult(
        name=scenario.name, settings=settings, plan=plan, plan_seats=seats,
        drivers=drivers.drivers, product_targets=drivers.product_targets,
        products=baselines.products[[n.PRODUCT, n.MARGIN_TIER, n.TICKET_MODE]],
        binding=binding, capacity=capacity[[n.TEAM, n.WEEK, "capacity", "load"]],
        history_monthly=history_monthly, history_teams=history_teams,
        seats=prepared.roster, calendar_weeks=calendar.weeks[[n.WEEK, n.WEEK_START,
                                                             n.WORKING_DAYS]],
        target=drivers.target, buffer=scenario.buffer, history_total=baselines.total_amount,
        kpi_weights=dict(scenario.kpis), year=scenario.year, warnings=warnings,
        extra={"fairness": prepared.inputs.fairness, "supply": prepared.inputs.supply,
               "reach_multiple": drivers.reach_multiple,
               "customer_targets": _team_customers(drivers, baselines, plan,
                                                   scenario.buffer)},
    )
