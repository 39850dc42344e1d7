"""``planner replan``: closed weeks frozen to actuals, the rest of the year re-solved.

The scenario's plan is rebuilt as ``planner plan`` builds it (history, baselines,
driver model, allocation inputs), with the year's targets taken from the plan folder's
``plan.csv`` (so the re-plan answers to the plan the teams received). The week parts
that ended on or before the as-of date are frozen to the actuals (monthly workbook
amounts split over their week parts by working days) and the open ones re-solved by the
same allocation model under the same rules (:mod:`planner.allocation.frozen`), with the
seats as of the re-plan when an updated seats file is given. A leaver's remaining
target (the plan's per-seat targets after the seat's end date) is spread over the team
or taken off the plan, as ``[replan] leavers`` says.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation.frozen import reshape_inputs, solve_frozen
from planner.allocation.inputs import Prepared, prepare_allocation
from planner.allocation.seats import QUANTA, split_to_seats
from planner.baselines.compute import Baselines
from planner.calendar import Calendar
from planner.capacity import grade_productivity, seat_productivity, seat_week_weights
from planner.errors import InputError, Problem, TargetUnreachableError
from planner.history.dataset import Dataset
from planner.pipeline import (
    Progress,
    assemble,
    buffered_targets,
    load_history,
    run_drivers,
    scenario_baselines,
    scenario_calendar,
    unit_prices_of,
)
from planner.plan_result import PlanResult, PlanWarning
from planner.scenario.values import Scenario
from planner.tracking.actuals import AS_OF, WORKBOOKS, Actuals, load_actuals
from planner.tracking.columns import (
    ACTUAL,
    CHANGE,
    ORIGINAL,
    RELIEVE,
    REPLAN_DIFF_COLUMNS,
    REVISED,
)
from planner.tracking.diagnosis import replan_diagnosis
from planner.tracking.periods import month_end
from planner.tracking.plan_dir import PlanFolder, read_plan_folder
from planner.tracking.replan_parts import explained_plan, replan_risk
from planner.tracking.seats_update import leavers, read_seats_update, update_roster
from planner.whole_units import UnitPrices, round_plan


@dataclass
class Revision:
    """What a re-plan changed.

    Attributes
    ----------
    as_of : date
    diff : DataFrame
        ``replan_diff.csv``: ``team, product, month, original, revised, change``.
    actual : DataFrame
        ``team, product, month, actual``: actuals of the closed parts of each month.
    problems : list of str
        What had to give when the year cannot be met (empty when it is).
    needed, recovered : float
        What the open weeks had to sell to meet the year, and what the re-plan gives them.
    relieved : DataFrame
        ``seat, team, product, amount``: leavers' remaining targets taken off the plan.
    shortfall : DataFrame
        ``product, target, planned, short``: each product's year target, what the
        re-plan gives it and by how much it falls short (0 when met).
    binding : DataFrame
        Rules that bind in the re-solve (``family, label, slack, marginal_value,
        meaning``).
    explained : PlanResult or None
        The plan as the scenario sets it, with its explanation inputs
        (:func:`planner.tracking.replan_parts.explained_plan`).
    """

    as_of: date
    diff: pd.DataFrame
    actual: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    needed: float = 0.0
    recovered: float = 0.0
    relieved: pd.DataFrame = field(default_factory=pd.DataFrame)
    shortfall: pd.DataFrame = field(default_factory=pd.DataFrame)
    binding: pd.DataFrame = field(default_factory=pd.DataFrame)
    explained: PlanResult | None = None

    @property
    def feasible(self) -> bool:
        """Whether the year is met under every rule."""
        return not self.problems

    @property
    def short(self) -> float:
        """By how much the year falls short (0 when met)."""
        return max(self.needed - self.recovered, 0.0)

    def diagnosis(self, name: str) -> str:
        """The shortfall in words (markdown), for ``diagnosis.md`` and strict mode.

        What is recoverable, the shortfall per product and the rules that bind.
        """
        return replan_diagnosis(self, name)


def _slot_parts(slots: pd.DataFrame) -> pd.DataFrame:
    """The allocation's slots with the last day of each (week part)."""
    start = pd.to_datetime(slots[n.WEEK_START])
    end = np.minimum(start + pd.Timedelta(days=6),
                     pd.to_datetime(slots[n.MONTH] + "-01") + pd.offsets.MonthEnd(0))
    return slots.assign(last_day=end)


def check_reported(actuals: Actuals, folder: PlanFolder, as_of: date) -> None:
    """Workbooks must report every month ``as_of`` closes, for every team.

    Raises
    ------
    InputError
        Naming each team's workbook and month left empty.
    """
    if actuals.kind != WORKBOOKS:
        return
    months = [f"{as_of.year:04d}-{m:02d}" for m in range(1, 13)
              if month_end(f"{as_of.year:04d}-{m:02d}") <= pd.Timestamp(as_of)]
    reported = set(zip(actuals.reported[n.TEAM], actuals.reported[n.MONTH], strict=True))
    missing = [(t, m) for t in folder.teams for m in months if (t, m) not in reported]
    if missing:
        raise InputError([Problem(
            folder.workbooks[t].name, None, None, None,
            f"has no actuals for {m}, which {AS_OF} {as_of:%Y-%m-%d} closes: fill in the "
            "month (0 for no sales) or re-plan as of the end of an earlier month")
            for t, m in missing])


def frozen_cells(actuals: Actuals, folder: PlanFolder, slots: pd.DataFrame,
                 as_of: date) -> pd.DataFrame:
    """``team, product, slot, amount``: the actual of every closed cell of the plan.

    Raises
    ------
    InputError
        Workbooks that leave a closed month unreported (it cannot be frozen).
    """
    parts = _slot_parts(slots)
    closed = parts.loc[parts["last_day"] <= pd.Timestamp(as_of)]
    pairs = folder.plan[[n.TEAM, n.PRODUCT]].drop_duplicates()
    if actuals.kind == WORKBOOKS:
        check_reported(actuals, folder, as_of)
        days = closed[n.WORKING_DAYS].astype(float)
        month_days = days.groupby(closed[n.MONTH]).transform("sum")
        count = closed.groupby(n.MONTH)["slot"].transform("count")
        closed = closed.assign(_w=np.where(month_days > 0, days / month_days.where(
            month_days > 0, 1.0), 1.0 / count))
        grid = pairs.merge(closed[["slot", n.MONTH, "_w"]], how="cross")
        grid = grid.merge(actuals.monthly[[n.TEAM, n.PRODUCT, n.MONTH, n.AMOUNT]],
                          on=[n.TEAM, n.PRODUCT, n.MONTH], how="left")
        grid[n.AMOUNT] = grid[n.AMOUNT].fillna(0.0) * grid["_w"]
        return grid[[n.TEAM, n.PRODUCT, "slot", n.AMOUNT]]
    sold = actuals.parts if actuals.parts is not None else pd.DataFrame(
        columns=[n.TEAM, n.PRODUCT, n.WEEK, n.MONTH, n.AMOUNT])
    sold = sold.merge(closed[["slot", n.WEEK, n.MONTH]], on=[n.WEEK, n.MONTH])
    sold = sold.groupby([n.TEAM, n.PRODUCT, "slot"], as_index=False)[n.AMOUNT].sum()
    everyone = pd.concat([pairs, sold[[n.TEAM, n.PRODUCT]]]).drop_duplicates()
    grid = everyone.merge(closed[["slot"]], how="cross")
    grid = grid.merge(sold, on=[n.TEAM, n.PRODUCT, "slot"], how="left")
    return grid.fillna({n.AMOUNT: 0.0})[[n.TEAM, n.PRODUCT, "slot", n.AMOUNT]]


def _reseat(prepared: Prepared, update: pd.DataFrame, baselines: Baselines,
            scenario: Scenario, calendar: Calendar) -> Prepared:
    """Capacity from the seats as of the re-plan (same amount per unit of capacity)."""
    grades = grade_productivity(baselines)
    roster = update_roster(prepared.roster, update)
    rate = seat_productivity(roster, baselines.seats, grades, scenario.capacity_basis)
    weights = seat_week_weights(roster, calendar.days, rate, ramp_months=scenario.ramp_months,
                                attrition_rate=scenario.attrition_rate)
    capacity = weights.groupby([n.TEAM, n.WEEK], as_index=False)["weight"].sum()
    capacity["capacity"] = (capacity["weight"] * prepared.productivity_factor
                            * (1.0 + scenario.capacity_headroom))
    inputs = prepared.inputs
    inputs.capacity = capacity[[n.TEAM, n.WEEK, "capacity"]]
    return Prepared(inputs, roster, weights, prepared.productivity_factor)


def _relieved(folder: PlanFolder, gone: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    """Each leaver's planned target after its end date: ``seat, team, product, amount``."""
    path = folder.path / n.PLAN_SEATS_CSV
    if gone.empty or not path.is_file():
        return pd.DataFrame(columns=[n.SEAT, n.TEAM, n.PRODUCT, n.AMOUNT])
    seats = pd.read_csv(path, dtype={n.SEAT: str, n.TEAM: str, n.PRODUCT: str, n.MONTH: str},
                        keep_default_na=False)
    seats = seats.merge(gone[[n.SEAT, n.END_DATE]], on=n.SEAT)
    days = calendar.days.loc[calendar.days["is_working"].astype(bool), [n.DATE, n.MONTH]]
    # share of each month's working days after each end date (one row per month x end)
    pairs = seats[[n.MONTH, n.END_DATE]].drop_duplicates()
    grid = pairs.merge(days, on=n.MONTH)
    after = (grid[n.DATE] > grid[n.END_DATE]).groupby(
        [grid[n.MONTH], grid[n.END_DATE]]).agg(["sum", "count"])
    pairs = pairs.merge(after.reset_index(), on=[n.MONTH, n.END_DATE], how="left")
    empty = (pd.to_datetime(pairs[n.MONTH] + "-01") > pairs[n.END_DATE]).astype(float)
    pairs["share"] = np.where(pairs["count"].fillna(0) > 0, pairs["sum"] / pairs["count"].where(
        pairs["count"] > 0, 1.0), empty)
    share = seats[[n.MONTH, n.END_DATE]].merge(pairs, on=[n.MONTH, n.END_DATE], how="left")
    seats[n.AMOUNT] = pd.to_numeric(seats[n.AMOUNT]) * share["share"].to_numpy(float)
    return seats.groupby([n.SEAT, n.TEAM, n.PRODUCT], as_index=False)[n.AMOUNT].sum()


def _plan_targets(prepared: Prepared, folder: PlanFolder, scenario: Scenario) -> None:
    """The year's buffered targets from the plan folder; refuse another scenario's plan."""
    planned = folder.plan.groupby(n.PRODUCT)[n.AMOUNT].sum()
    products = prepared.inputs.products
    ours, theirs = set(products[n.PRODUCT]), set(planned.index)
    if ours != theirs or not set(folder.teams) <= set(prepared.inputs.teams):
        raise InputError([Problem(str(folder.path), None, None, None,
                                  f"was not planned from {scenario.path or scenario.name} "
                                  f"(products {', '.join(sorted(theirs))} vs "
                                  f"{', '.join(sorted(ours))}); give the plan's own scenario")])
    products["target"] = products[n.PRODUCT].map(planned).to_numpy(float)


def _whole(raw: pd.DataFrame, frozen: pd.DataFrame, slots: pd.DataFrame,
           prices: UnitPrices) -> pd.DataFrame:
    """``plan.csv`` rows: closed parts at their actuals, open parts in whole units."""
    closed = set(frozen["slot"])
    keys = [n.TEAM, n.PRODUCT, "slot"]
    base = raw.merge(slots[["slot", n.WEEK_START]], on="slot")
    shut = base.loc[base["slot"].isin(closed)].drop(columns=n.AMOUNT).merge(
        frozen, on=keys, how="left").fillna({n.AMOUNT: 0.0})
    extra = frozen.merge(raw[keys], on=keys, how="left", indicator=True)
    extra = extra.loc[extra["_merge"] == "left_only"].drop(columns="_merge")
    extra = extra.merge(slots[["slot", n.WEEK, n.WEEK_START, n.MONTH]], on="slot")
    shut = pd.concat([shut, extra], ignore_index=True)
    shut[QUANTA] = prices.exact(shut[n.PRODUCT], shut[n.AMOUNT])
    opened = base.loc[~base["slot"].isin(closed)].reset_index(drop=True)
    exact = pd.Series(prices.exact(opened[n.PRODUCT], opened[n.AMOUNT]))
    # whole quanta, rounded up: closed actuals need not be whole tickets, the year must
    # still reach its target
    targets = np.ceil(exact.groupby(opened[n.PRODUCT].to_numpy()).sum() - 1e-6).clip(
        lower=0).astype(np.int64)
    opened[QUANTA] = round_plan(opened, prices, targets).astype(float)
    opened[n.AMOUNT] = prices.amount(opened[n.PRODUCT], opened[QUANTA])
    plan = pd.concat([shut, opened], ignore_index=True)
    plan[n.UNITS] = prices.units(plan[n.PRODUCT], plan[QUANTA])
    order = {t: i for i, t in enumerate(dict.fromkeys(raw[n.TEAM]))}
    plan = plan.assign(_t=plan[n.TEAM].map(order).fillna(len(order)))
    return plan.sort_values(["_t", n.TEAM, n.PRODUCT, "slot"], kind="stable").drop(
        columns="_t").reset_index(drop=True)


def _month_table(plan: pd.DataFrame, column: str) -> pd.DataFrame:
    return plan.groupby([n.TEAM, n.PRODUCT, n.MONTH], as_index=False, sort=False)[
        n.AMOUNT].sum().rename(columns={n.AMOUNT: column})


def replan_scenario(scenario: Scenario, folder: PlanFolder, actuals: Actuals,
                    seats: pd.DataFrame | None = None, progress: Progress | None = None,
                    dataset: Dataset | None = None,
                    baselines: Baselines | None = None) -> tuple[PlanResult, Revision]:
    """Re-plan the open weeks of ``folder``'s plan (see the module docstring).

    Returns
    -------
    (PlanResult, Revision)
        The whole re-planned year (as ``planner plan`` returns it) and what changed.
    """
    say = progress or (lambda _: None)
    if scenario.year != folder.year:
        raise InputError([Problem(str(scenario.path or scenario.name), None, None, None,
                                  f"plans {scenario.year} but the plan in {folder.path} is "
                                  f"for {folder.year}; give the scenario of that plan")])
    say("loading history")
    dataset = dataset or load_history(scenario)
    say("computing baselines")
    baselines = baselines or scenario_baselines(scenario, dataset)
    calendar = scenario_calendar(scenario)
    say("solving the driver model")
    drivers = run_drivers(scenario, baselines, calendar)
    prepared = prepare_allocation(baselines, drivers.product_targets, scenario, calendar)
    prices = unit_prices_of(drivers.product_targets, prepared.inputs.products)
    prepared.inputs.products = buffered_targets(prepared.inputs.products, prices,
                                                scenario.buffer)
    _plan_targets(prepared, folder, scenario)
    # the plan's own inputs, kept apart from what the seats update and relief change
    planned = Prepared(replace(prepared.inputs, products=prepared.inputs.products.copy()),
                       prepared.roster, prepared.seat_weights, prepared.productivity_factor)
    relieved = pd.DataFrame(columns=[n.SEAT, n.TEAM, n.PRODUCT, n.AMOUNT])
    if seats is not None:
        gone = leavers(prepared.roster, seats, scenario.year)
        prepared = _reseat(prepared, seats, baselines, scenario, calendar)
        if scenario.leavers == RELIEVE:
            relieved = _relieved(folder, gone, calendar)
    frozen = frozen_cells(actuals, folder, prepared.inputs.slots, actuals.as_of)
    original = folder.plan.groupby([n.TEAM, n.PRODUCT], as_index=False)[n.AMOUNT].sum()
    done = frozen.groupby([n.TEAM, n.PRODUCT], as_index=False)[n.AMOUNT].sum()
    off = relieved.groupby([n.TEAM, n.PRODUCT], as_index=False)[n.AMOUNT].sum()
    remaining = original.merge(done, on=[n.TEAM, n.PRODUCT], how="left", suffixes=("", "_done"))
    remaining = remaining.merge(off, on=[n.TEAM, n.PRODUCT], how="left", suffixes=("", "_off"))
    remaining = remaining.fillna({f"{n.AMOUNT}_done": 0.0, f"{n.AMOUNT}_off": 0.0})
    remaining["remaining"] = (remaining[n.AMOUNT] - remaining[f"{n.AMOUNT}_done"]
                              - remaining[f"{n.AMOUNT}_off"]).clip(lower=0.0)
    inputs = prepared.inputs
    if len(relieved):
        cut = relieved.groupby(n.PRODUCT)[n.AMOUNT].sum()
        inputs.products["target"] = inputs.products["target"] - inputs.products[
            n.PRODUCT].map(cut).fillna(0.0)
        team_cut = inputs.fairness[n.TEAM].map(relieved.groupby(n.TEAM)[n.AMOUNT].sum())
        inputs.fairness = inputs.fairness.assign(
            lower=inputs.fairness["lower"] - team_cut.fillna(0.0),
            upper=inputs.fairness["upper"] - team_cut.fillna(0.0))
    reshaped = reshape_inputs(inputs, frozen, remaining[[n.TEAM, n.PRODUCT, "remaining"]])
    needed = float(reshaped.products["target"].sum() - frozen[n.AMOUNT].sum())
    prepared = Prepared(reshaped, prepared.roster, prepared.seat_weights,
                        prepared.productivity_factor)
    say(f"re-solving the open weeks after {actuals.as_of:%Y-%m-%d}")
    solved = solve_frozen(reshaped, frozen, scenario.solver)
    plan = _whole(solved.plan, frozen, reshaped.slots, prices)
    result = assemble(scenario, baselines, calendar, drivers, prepared, solved.plan,
                      solved.binding, prices, dataset)
    result.plan = plan[list(n.PLAN_COLUMNS)].reset_index(drop=True)
    team_month = plan.groupby([n.TEAM, n.PRODUCT, n.MONTH], as_index=False)[QUANTA].sum()
    team_month[QUANTA] = np.rint(team_month[QUANTA]).astype(np.int64)
    seat_month = prepared.seat_weights.groupby([n.SEAT, n.TEAM, n.GRADE, n.MONTH],
                                               as_index=False)["weight"].sum()
    result.plan_seats = split_to_seats(team_month, seat_month, prices)
    load = result.plan.groupby([n.TEAM, n.WEEK], as_index=False)[n.AMOUNT].sum()
    result.capacity = result.capacity.drop(columns="load").merge(
        load.rename(columns={n.AMOUNT: "load"}), on=[n.TEAM, n.WEEK], how="left").fillna(
        {"load": 0.0})
    result.name = f"{scenario.name} (re-plan as of {actuals.as_of:%Y-%m-%d})"
    open_amount = float(plan.loc[~plan["slot"].isin(set(frozen["slot"])), n.AMOUNT].sum())
    revision = _revision(folder, result.plan, frozen, reshaped.slots, actuals.as_of,
                         solved.problems, needed, open_amount, relieved)
    revision.shortfall = _shortfall(reshaped.products, result.plan, solved.short)
    revision.binding = solved.binding
    say("explaining the plan's targets and measuring the attainment risk")
    revision.explained = explained_plan(result, scenario, baselines, calendar, planned, prices)
    result.explanation = revision.explained.explanation
    result.risk, result.risk_report = replan_risk(
        scenario, baselines, dataset, prepared, reshaped.slots, frozen, result.plan,
        result.target, actuals.as_of)
    result.settings = result.settings + [("re-plan as of", f"{actuals.as_of:%Y-%m-%d}"),
                                         ("leavers", scenario.leavers)]
    if solved.problems:
        result.warnings = [*result.warnings, PlanWarning(
            f"re-plan: the year cannot be met: the open weeks can sell {open_amount:,.2f} of "
            f"the {needed:,.2f} needed ({revision.short:,.2f} short); "
            + "; ".join(solved.problems[:5]), "plan")]
    return result, revision


def _shortfall(products: pd.DataFrame, plan: pd.DataFrame, short: pd.Series) -> pd.DataFrame:
    """``product, target, planned, short`` of the re-solve."""
    target = products.set_index(n.PRODUCT)["target"].astype(float)
    planned = plan.groupby(n.PRODUCT)[n.AMOUNT].sum().reindex(target.index).fillna(0.0)
    return pd.DataFrame({n.PRODUCT: target.index, "target": target.to_numpy(),
                         "planned": planned.to_numpy(),
                         "short": short.reindex(target.index).fillna(0.0).to_numpy(float)})


def _revision(folder: PlanFolder, plan: pd.DataFrame, frozen: pd.DataFrame,
              slots: pd.DataFrame, as_of: date, problems: list[str], needed: float,
              recovered: float, relieved: pd.DataFrame) -> Revision:
    original = _month_table(folder.plan, ORIGINAL)
    revised = _month_table(plan, REVISED)
    diff = original.merge(revised, on=[n.TEAM, n.PRODUCT, n.MONTH], how="outer").fillna(0.0)
    diff[CHANGE] = diff[REVISED] - diff[ORIGINAL]
    order = {t: i for i, t in enumerate(dict.fromkeys(folder.plan[n.TEAM]))}
    diff = diff.assign(_t=diff[n.TEAM].map(order).fillna(len(order))).sort_values(
        ["_t", n.TEAM, n.PRODUCT, n.MONTH], kind="stable").drop(columns="_t")
    actual = frozen.merge(slots[["slot", n.MONTH]], on="slot").groupby(
        [n.TEAM, n.PRODUCT, n.MONTH], as_index=False)[n.AMOUNT].sum().rename(
        columns={n.AMOUNT: ACTUAL})
    return Revision(as_of, diff[list(REPLAN_DIFF_COLUMNS)].reset_index(drop=True), actual,
                    problems, needed, recovered, relieved)


def run_replan(scenario: Scenario, plan_dir: Path | str, actuals: list[Path] | Path | str,
               as_of: date | str, seats: Path | str | None = None, strict: bool = False,
               progress: Progress | None = None) -> tuple[PlanResult, Revision]:
    """Re-plan a plan folder's open weeks from its actuals.

    Parameters
    ----------
    scenario : Scenario
        The plan's scenario (``[replan] leavers`` says what becomes of a leaver's target).
    plan_dir : Path or str
        The plan folder.
    actuals : list of Path
        Returned team workbooks, or a folder of plan-year transactions.
    as_of : date or str
        Week parts ending on or before it are frozen to the actuals.
    seats : Path or str, optional
        An updated seats file (leavers, moves, joiners).
    strict : bool
        Raise :class:`~planner.errors.TargetUnreachableError` when the year cannot be
        met, instead of returning the best plan with the shortfall stated.

    Returns
    -------
    (PlanResult, Revision)
    """
    if as_of is None:
        raise InputError([Problem(AS_OF, None, None, None, "is required; give YYYY-MM-DD")])
    folder = read_plan_folder(plan_dir)
    loaded = load_actuals(actuals, folder, as_of, scenario.mapping)
    check_reported(loaded, folder, loaded.as_of)  # before any solve
    if seats is not None:
        dataset = load_history(scenario)
        baselines = scenario_baselines(scenario, dataset)
        grades = sorted(grade_productivity(baselines))
        update = read_seats_update(seats, folder.teams, grades)
        result, revision = replan_scenario(scenario, folder, loaded, update, progress, dataset,
                                           baselines)
    else:
        result, revision = replan_scenario(scenario, folder, loaded, None, progress)
    if strict:
        require_met(revision, scenario.name)
    return result, revision


def require_met(revision: Revision, name: str) -> None:
    """Strict mode: refuse a re-plan whose year cannot be met.

    Raises
    ------
    TargetUnreachableError
        With the shortfall in one line and :meth:`Revision.diagnosis` for ``diagnosis.md``.
    """
    if revision.feasible:
        return
    head = "; ".join(revision.problems[:5])
    raise TargetUnreachableError(
        f"re-plan as of {revision.as_of:%Y-%m-%d}: the year cannot be met "
        f"({revision.short:,.2f} short): {head}", revision.diagnosis(name))


__all__ = ["Revision", "frozen_cells", "month_end", "replan_scenario", "require_met",
           "run_replan"]
