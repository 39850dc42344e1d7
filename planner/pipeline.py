"""The one-way flow: load -> baselines -> drivers -> allocation -> plan result.

Each step is a function with data in and data out; the CLI and the Python API call
these. Progress is reported through an optional callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation.duals import seat_values, supply_values
from planner.allocation.hiring import hire_and_prepare, with_load
from planner.allocation.inputs import Prepared, prepare_allocation
from planner.allocation.seats import QUANTA, split_to_seats
from planner.allocation.solve import solve_allocation
from planner.baselines.compute import Baselines, compute_baselines
from planner.calendar import Calendar, build_calendar
from planner.capacity import Capacity, capacity_of, kept
from planner.drivers import DriverResult, build_tree, solve_drivers
from planner.drivers.backend import engine_for
from planner.drivers.hiring import hiring_adjust, solve_with_hiring
from planner.drivers.sweep import SweepResult, sweep_drivers
from planner.drivers.tables import customer_targets, rounding_note
from planner.errors import ScenarioError
from planner.explain.inputs import gather as gather_explain
from planner.explain.levels import read_plan
from planner.grouping import KeyCodes, first_rows, group_sums, grouped_sum
from planner.history.dataset import Dataset
from planner.history.lake_duck import load_duck
from planner.plan_result import PlanResult, gather_warnings
from planner.risk.step import finish_risk, prepare_risk, sized_scenario, stretch_table
from planner.scenario.checks import raise_for_data
from planner.scenario.values import Scenario
from planner.whole_units import UnitPrices, product_positions, round_plan, round_targets

Progress = Callable[[str], None]

#: Driver trees kept per capacity (one per set of levers tried: ``planner serve``).
KEPT_TREES = 256


def _quiet(_: str) -> None:
    return None


def load_history(scenario: Scenario) -> Dataset:
    """Load and validate the scenario's history files.

    The history is checked against the plan year (nothing dated on or after its first
    day) and the scenario's trailing window (stray dates that would move it are refused;
    a history that does not fill it is a warning). With ``[data] engine = "spark"`` the
    history is read, mapped and checked on Spark (:func:`planner.history.lake.load_lake`;
    ``[data] dir`` may then be a URI); with DuckDB (the default) the sales file is
    scanned by DuckDB (:func:`planner.history.lake_duck.load_duck`, which gives way to
    the pandas loader for Excel files and for any problem, reported with row numbers).
    """
    from datetime import date

    if scenario.data_dir is None:
        raise ScenarioError(f"{scenario.path.name if scenario.path else 'scenario'}: data.dir: "
                            "missing; add [data] dir = \"path/to/history\" (relative to the file)")
    plan_start = date(scenario.year, 1, 1) if 1 <= scenario.year <= 9999 else None
    if scenario.engine.is_spark:
        from planner.history.lake import load_lake

        return load_lake(scenario.data_dir, scenario.mapping, settings=scenario.engine,
                         plan_start=plan_start, window_end=scenario.window_end,
                         trailing_months=scenario.trailing_months)
    data_dir = scenario.data_dir
    if isinstance(data_dir, str):  # a URI: Spark reads those; DuckDB only a local file://
        parsed = urlparse(data_dir)
        if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
            label = scenario.path.name if scenario.path else "scenario"
            raise ScenarioError(f"{label}: data.dir: {data_dir!r} is a URI, which only "
                                "engine \"spark\" reads; set [data] engine = \"spark\" (or "
                                "--engine spark), or give a local folder")
        data_dir = Path(unquote(parsed.path))
    return load_duck(data_dir, scenario.mapping, plan_start=plan_start,
                     window_end=scenario.window_end, trailing_months=scenario.trailing_months,
                     settings=scenario.engine)


def scenario_baselines(scenario: Scenario, dataset: Dataset) -> Baselines:
    """Baselines over the scenario's trailing window, one-off spikes as it says."""
    return compute_baselines(dataset, window_end=scenario.window_end,
                             trailing_months=scenario.trailing_months,
                             ramp_months=scenario.ramp_months, country=scenario.country,
                             spikes=scenario.spikes, spike_overrides=scenario.spike_overrides,
                             engine=scenario.engine)


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


def run_drivers(scenario: Scenario, baselines: Baselines, calendar: Calendar,
                capacity: Capacity | None = None) -> DriverResult:
    """Solve the driver model for the scenario's target.

    The scenario is first checked against the data (teams, grades, products, segments):
    every problem is raised at once as a :class:`ScenarioError`, before any solve.
    ``capacity``, when given, is :func:`capacity_of` already computed for this scenario
    (``planner serve`` keeps it per set of hires: it is most of a what-if's time).
    """
    # what passed the check over this capacity's baselines: it reads only these fields
    checked = capacity.memo.setdefault("fits_data", set()) if capacity is not None else set()
    names = repr((scenario.levers, scenario.hires, scenario.hiring, scenario.mix,
                  scenario.supply, scenario.spike_overrides, scenario.events))
    if names not in checked:
        raise_for_data(scenario, baselines)
        checked.add(names)
    cap = capacity if capacity is not None else capacity_of(scenario, baselines, calendar)
    tree = kept(cap.memo, "driver_trees", repr(scenario.levers),  # per set of levers
                lambda: build_tree(baselines.product_segments, baselines.products,
                                   scenario.levers, max(cap.multiple, 1e-6)), KEPT_TREES)
    caps = {
        "productivity": baselines.total_amount / cap.seat_weeks if cap.seat_weeks else np.nan,
        "seats": cap.seat_weeks / cap.weeks if cap.weeks else np.nan,
    }
    if scenario.hiring is not None:  # hiring as a lever: planner.drivers.hiring
        return solve_with_hiring(tree, scenario, baselines, calendar, cap.history, caps,
                                 target_amount(scenario, baselines), memo=cap.memo)
    return solve_drivers(tree, target_amount(scenario, baselines), baselines.total_amount,
                         baselines.products, buffer=scenario.buffer, capacity_baselines=caps,
                         mix=scenario.mix, supply=scenario.supply,
                         time_limit=scenario.solver.time_limit,
                         backend=engine_for(tree, scenario.solver.time_limit, cap.memo))


def sweep_scenario(scenario: Scenario, multiples: np.ndarray,
                   vary: tuple[str, np.ndarray] | None = None,
                   dataset: Dataset | None = None) -> SweepResult:
    """Solve the scenario's driver model over target multiples (and one lever's caps)."""
    dataset = dataset or load_history(scenario)
    baselines = scenario_baselines(scenario, dataset)
    raise_for_data(scenario, baselines)
    calendar = scenario_calendar(scenario)
    cap = capacity_of(scenario, baselines, calendar)
    return sweep_drivers(baselines.product_segments, baselines.products, scenario.levers,
                         max(cap.multiple, 1e-6), baselines.total_amount, multiples,
                         buffer=scenario.buffer, mix=scenario.mix, supply=scenario.supply,
                         vary=vary,
                         time_limit=scenario.solver.time_limit,
                         adjust=hiring_adjust(scenario, baselines, calendar, cap))


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
    if dataset.lake is not None:  # only this plan reads these rows, and no longer
        dataset.lake.release()
    return plan_from_baselines(scenario, baselines, progress, dataset)


def plan_from_baselines(scenario: Scenario, baselines: Baselines,
                        progress: Progress | None = None,
                        dataset: Dataset | None = None) -> PlanResult:
    """The plan on baselines already computed (what-ifs on one data set share them).

    ``result.reach_multiple`` is the largest multiple of last year the
    levers can reach. ``dataset`` (the history the baselines came from) supplies the
    display names of products and teams; without it they are shown by code.
    """
    say = progress or _quiet
    raise_for_data(scenario, baselines)  # every problem at once, before any solve
    calendar = scenario_calendar(scenario)
    risk = prepare_risk(scenario, baselines, dataset, calendar)
    scenario = sized_scenario(scenario, risk)  # [target] confidence sizes the buffer
    capacity = capacity_of(scenario, baselines, calendar)  # once, for both models
    say("solving the driver model")
    drivers = run_drivers(scenario, baselines, calendar, capacity)
    say("preparing the allocation")
    prepared = prepare_allocation(baselines, drivers.product_targets, scenario, calendar,
                                  capacity)
    prices = unit_prices_of(drivers.product_targets, prepared.inputs.products)
    prepared.inputs.products = buffered_targets(prepared.inputs.products, prices,
                                                scenario.buffer)
    prepared.inputs.stretch = stretch_table(scenario, risk,
                                            float(prepared.inputs.products["target"].sum()))
    hiring = None
    if scenario.hiring is not None:  # place whole seats, then plan on that roster
        say("placing the hires")
        prepared, hiring = hire_and_prepare(prepared, scenario, baselines, calendar, capacity,
                                            drivers, drivers.product_targets)
    say(f"solving the allocation ({len(prepared.inputs.teams)} teams x "
        f"{len(prepared.inputs.products)} products x {len(prepared.inputs.slots)} week parts)")
    raw, binding, lp, solution = solve_allocation(prepared.inputs, scenario.solver)
    # the explanation's level below the plan, when it is needed, solves beside what follows
    reading = read_plan(prepared.inputs, raw, lp, scenario.solver)
    values = seat_values(lp, solution, prepared.inputs.scale, prepared.seat_weights,
                         prepared.roster, prepared.productivity_factor,
                         scenario.capacity_headroom)
    supply = supply_values(lp, solution, prepared.inputs.scale, prepared.inputs.products)
    del lp, solution  # the model's memory goes back before the seat split and the level solve
    binding = pd.concat([f for f in (binding, values, supply) if len(f)] or [binding],
                        ignore_index=True)
    say("splitting team targets over seats")
    result = assemble(scenario, baselines, calendar, drivers, prepared, raw, binding, prices,
                      dataset)
    if hiring is not None:
        result.hiring = replace(hiring, months=with_load(hiring.months, result.plan))
    hired = scenario if hiring is None else replace(scenario, hires=hiring.roster_hires)
    result.explanation = gather_explain(hired, baselines, calendar, prepared, raw, reading)
    result.risk, result.risk_report = finish_risk(risk, result.plan, result.target, scenario)
    return result


def _team_customers(drivers: DriverResult, baselines: Baselines, plan: pd.DataFrame,
                    buffer: float, keys: KeyCodes | None = None) -> pd.DataFrame:
    """Each team's active- and new-customer targets.

    The company's (from the levers, with the buffer) split by the team's share of the plan.
    ``keys``, when given, is the plan's coded ``team`` column.
    """
    company = customer_targets(drivers.tree, drivers.point, baselines.segments)
    keys = keys if keys is not None else KeyCodes.of(plan, [n.TEAM])
    team = keys.first_seen([n.TEAM])
    count = int(team.max()) + 1 if len(team) else 0
    share = pd.Series(group_sums(plan[n.AMOUNT].to_numpy(float), team, count),
                      index=pd.Index(plan[n.TEAM].iloc[first_rows(team, count)], name=n.TEAM),
                      name=n.AMOUNT)
    share = share / share.sum() if share.sum() > 0 else share
    return pd.DataFrame({n.TEAM: share.index,
                         **{k: share.to_numpy() * v * (1 + buffer) for k, v in company.items()}})


def unit_prices_of(product_targets: pd.DataFrame, products: pd.DataFrame) -> UnitPrices:
    """How the plan counts each product: whole units at its fixed ticket, or cents.

    ``product_targets`` (the driver model's, with ``ticket``: the unit price of a
    fixed-ticket product, NaN otherwise) and the allocation's ``products`` (``ticket``:
    the planned average ticket, for the units of variable-ticket products).
    """
    targets = product_targets.set_index(n.PRODUCT)
    declared = targets["ticket"] if "ticket" in targets else pd.Series(np.nan, targets.index)
    planned = products.set_index(n.PRODUCT)["ticket"].reindex(targets.index)
    fixed = declared.notna().to_numpy()
    ticket = np.where(fixed, declared.to_numpy(float), planned.to_numpy(float))
    total = float(targets["target_amount"].sum())
    return UnitPrices.of(pd.Series(targets.index), ticket, fixed, total)


def buffered_targets(products: pd.DataFrame, prices: UnitPrices, buffer: float) -> pd.DataFrame:
    """The allocation's product targets with the buffer, in whole units and cents.

    Each product's company target x (1 + buffer) is rounded as the company targets are
    (:func:`planner.whole_units.round_targets`): whole units of fixed-ticket products, what
    that moves taken from the variable-ticket products of the same margin tier, so the
    team targets add up to the company target x (1 + buffer) to the cent. The unit price
    of a fixed-ticket product becomes its ``ticket``.
    """
    out = products.copy()
    fixed = prices.fixed.reindex(out[n.PRODUCT]).fillna(False).to_numpy(bool)
    ticket = prices.ticket.reindex(out[n.PRODUCT]).to_numpy(float)
    counts, quantum = round_targets(out["target_amount"].to_numpy(float) * (1.0 + buffer),
                                    ticket, fixed, out[n.MARGIN_TIER].to_numpy())
    out["target"] = counts * quantum
    out["ticket"] = np.where(fixed, ticket, out["ticket"].to_numpy(float))
    return out


def whole_plan(raw: pd.DataFrame, slots: pd.DataFrame, products: pd.DataFrame,
               prices: UnitPrices) -> pd.DataFrame:
    """``plan.csv`` rows from the allocation's exact amounts, in whole units and cents.

    The buffered product targets (``products.target``) are split down teams, months and
    week parts by :func:`planner.whole_units.round_plan`, so every level sums exactly.
    """
    return _coded_whole_plan(raw, slots, products, prices)[0]


def _coded_whole_plan(raw: pd.DataFrame, slots: pd.DataFrame, products: pd.DataFrame,
                      prices: UnitPrices) -> tuple[pd.DataFrame, KeyCodes]:
    """:func:`whole_plan` and its key columns coded (``team, product, month, slot, week``)."""
    targets = pd.Series(np.rint(prices.exact(products[n.PRODUCT], products["target"])),
                        index=products[n.PRODUCT].to_numpy()).astype(np.int64)
    plan = _with_week_start(raw, slots)
    keys = KeyCodes.of(plan, [n.TEAM, n.PRODUCT, n.MONTH, "slot", n.WEEK])
    counts = round_plan(plan, prices, targets, keys)
    at = product_positions(prices, keys)
    plan[QUANTA] = counts
    plan[n.AMOUNT] = prices.amount_at(at, counts)
    plan[n.UNITS] = prices.units_at(at, counts)
    return plan, keys


def _with_week_start(raw: pd.DataFrame, slots: pd.DataFrame) -> pd.DataFrame:
    """``raw.merge(slots[["slot", "week_start"]], on="slot")``, by position when it can.

    When every slot of ``raw`` is listed once in ``slots`` the merge keeps ``raw``'s rows
    in order: the week starts are then taken by position instead of joined.
    """
    listed = pd.Index(slots["slot"])
    where = listed.get_indexer(raw["slot"]) if listed.is_unique else None
    if where is None or (where < 0).any():
        return raw.merge(slots[["slot", n.WEEK_START]], on="slot")
    plan = raw.reset_index(drop=True)
    plan[n.WEEK_START] = slots[n.WEEK_START].iloc[where].to_numpy()
    return plan


def _products_with_names(baselines: Baselines, dataset: Dataset | None) -> pd.DataFrame:
    """``product, margin_tier, ticket_mode, name``: the display name from the products file.

    The name is the products table's ``name`` column when it has one (the dataset's, or
    the baselines'), else the code.
    """
    products = baselines.products[[n.PRODUCT, n.MARGIN_TIER, n.TICKET_MODE]].copy()
    source = next((f for f in (None if dataset is None else dataset.products,
                               baselines.products)
                   if f is not None and n.NAME in f.columns), None)
    names = {} if source is None else dict(zip(source[n.PRODUCT].astype(str),
                                               source[n.NAME], strict=True))
    codes = products[n.PRODUCT].astype(str)
    products[n.NAME] = [_text(names.get(code), code) for code in codes]
    return products


def team_names(dataset: Dataset | None) -> dict[str, str]:
    """Display name per team, from the dataset's ``teams`` table (the code when none)."""
    teams = None if dataset is None else dataset.teams
    if teams is None or not {n.TEAM, n.NAME} <= set(teams.columns):
        return {}
    return {str(team): _text(name, str(team))
            for team, name in zip(teams[n.TEAM], teams[n.NAME], strict=True)}


def _text(value: object, default: str) -> str:
    """``value`` as text, or ``default`` when it is missing or blank."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return default
    text = str(value).strip()
    return text or default


def assemble(scenario: Scenario, baselines: Baselines, calendar: Calendar,
             drivers: DriverResult, prepared: Prepared, raw: pd.DataFrame,
             binding: pd.DataFrame, prices: UnitPrices | None = None,
             dataset: Dataset | None = None) -> PlanResult:
    """Build the :class:`PlanResult` from the solved pieces.

    ``dataset``, when given, supplies the display names of products and teams.
    """
    products = prepared.inputs.products
    if prices is None:
        prices = unit_prices_of(drivers.product_targets, products)
    whole, keys = _coded_whole_plan(raw, prepared.inputs.slots, products, prices)
    plan = whole[list(n.PLAN_COLUMNS)].reset_index(drop=True)  # keys: its rows too
    team_month = grouped_sum(whole, keys, [n.TEAM, n.PRODUCT, n.MONTH], QUANTA)
    seat_keys = [n.SEAT, n.TEAM, n.GRADE, n.MONTH]
    seat_weights = prepared.seat_weights
    seat_month = grouped_sum(seat_weights, KeyCodes.of(seat_weights, seat_keys), seat_keys,
                             "weight")
    seats = split_to_seats(team_month, seat_month, prices)
    load = grouped_sum(plan, keys, [n.TEAM, n.WEEK], n.AMOUNT)
    capacity = prepared.inputs.capacity.merge(
        load.rename(columns={n.AMOUNT: "load"}), on=[n.TEAM, n.WEEK],
        how="left").fillna({"load": 0.0})
    history_monthly = baselines.product_months[[n.PRODUCT, n.MONTH, n.AMOUNT, n.UNITS]]
    history_teams = baselines.team_products[[n.TEAM, n.PRODUCT, n.AMOUNT, n.UNITS]]
    warnings: list[str] = [*gather_warnings(baselines.report, baselines.warnings,
                                            calendar.warnings)]
    company = float(drivers.product_targets["target_amount"].sum())
    rounding = rounding_note(drivers.target, drivers.product_targets)
    if abs(company - drivers.target) >= 0.005:
        warnings.append(rounding)
    settings = scenario.settings_rows() + [
        ("last year (trailing window)", f"{baselines.window_start:%Y-%m-%d}.."
                                        f"{baselines.window_end:%Y-%m-%d}"),
        ("last year revenue", f"{baselines.total_amount:,.0f}"),
        ("company target", f"{company:,.2f}"),
        ("team targets (with buffer)", f"{float(plan[n.AMOUNT].sum()):,.2f}"),
        ("units", rounding),
        ("planned amount per seat vs last year",
         f"{prepared.productivity_factor:.2f}x"),
        ("calendar", "ESTIMATED" if calendar.estimated else "official"),
    ]
    return PlanResult(
        name=scenario.name, settings=settings, plan=plan, plan_seats=seats,
        drivers=drivers.drivers, product_targets=drivers.product_targets,
        products=_products_with_names(baselines, dataset),
        binding=binding, capacity=capacity[[n.TEAM, n.WEEK, "capacity", "load"]],
        history_monthly=history_monthly, history_teams=history_teams,
        seats=prepared.roster, calendar_weeks=calendar.weeks[[n.WEEK, n.WEEK_START,
                                                             n.WORKING_DAYS]],
        target=company, buffer=scenario.buffer, history_total=baselines.total_amount,
        kpi_weights=dict(scenario.kpis), year=scenario.year, warnings=warnings,
        team_names=team_names(dataset),
        fairness=prepared.inputs.fairness, supply=prepared.inputs.supply,
        reach_multiple=drivers.reach_multiple,
        customer_targets=_team_customers(drivers, baselines, plan, scenario.buffer, keys),
    )
