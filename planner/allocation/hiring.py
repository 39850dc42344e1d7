"""Place the hires: whole seats by team, grade and month where capacity binds.

With ``[hiring]`` the driver model decides how much capacity to hire
(:mod:`planner.drivers.hiring`); here the allocation LP decides where and when:

1. **Placement.** The allocation LP gets one column per candidate hire
   (``hire[option]``: seats of a grade joining a team at the start of a month, as many
   as the limits allow), each adding its ramped, attrition-adjusted capacity to its
   team's weeks, at a cost per seat-year; rows ``hire_cover[team, week]`` keep each
   hiring team's weekly load within its capacity at the plan's productivity (no
   headroom: hired capacity covers the planned sales plus the buffer),
   ``hire_limit[team, month]`` and ``hire_total`` hold the limits. Capacity is absolute
   (:func:`planner.drivers.hiring.planned_rate`), not scaled to the target: the seats
   carry what the driver model's productivity says, no more.
2. **Whole seats.** Each count is rounded up (then trimmed where a rounding broke a
   limit), the rounded seats join the roster as hires after the scenario's own
   ``[[hires]]``, and the allocation is solved again on that roster, with the
   ``hire_cover`` rows, so every rule holds for the seats actually hired.

:class:`HiringPlan` keeps the result as typed tables for the outputs
(``hiring_plan.csv``, the Hiring sheet, the waterfall and the explanation sheets).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation import families as f
from planner.allocation.hiring_rows import HiringInputs
from planner.allocation.inputs import Prepared, prepare_allocation
from planner.capacity import Capacity, capacity_of
from planner.drivers.hiring import HireOptions, allowed, hire_options, planned_rate
from planner.lp.highs import SolveStatus, require_solved
from planner.scenario.values import Hire, Scenario

if TYPE_CHECKING:
    from planner.allocation.model import AllocationInputs
    from planner.baselines.compute import Baselines
    from planner.calendar import Calendar
    from planner.drivers.solve import DriverResult

#: Columns of ``hiring_plan.csv``.
HIRING_PLAN_COLUMNS: Final = (n.TEAM, n.GRADE, n.MONTH, "count")
#: Columns of :attr:`HiringPlan.months`.
MONTHS_COLUMNS: Final = (n.MONTH, "seats", "hired", "capacity", "need")
#: A count above a whole number by less than this is that number (solver noise).
WHOLE_TOL: Final = 1e-6


@dataclass
class HiringPlan:
    """The hires a plan places, and what they are for.

    Attributes
    ----------
    hires : DataFrame
        ``hiring_plan.csv``: ``team, grade, month (YYYY-MM), count`` (whole seats).
    exact : DataFrame
        ``team, grade, month (1..12), value``: the placement LP's continuous seats.
    months : DataFrame
        Per plan month (``YYYY-MM``): ``seats`` on the roster on the month's first day,
        ``hired`` (of them, seats hired by the plan or ``[[hires]]``), ``capacity`` (the
        roster's at the plan's productivity: ramp and expected attrition applied) and
        ``need`` (the team targets with the buffer), amounts.
    driver_multiple : float
        Capacity over last year's the driver model chose (continuous seats).
    roster_multiple : float
        The roster's capacity over last year's with the whole seats hired.
    fixed_multiple : float
        The roster's before hiring (seats plus ``[[hires]]``, less leavers).
    rate : float
        Planned amount per unit of last year's capacity (the plan's productivity).
    cost : float
        The stretch cost of the whole seats (``cost x seat-years / average seats``).
    roster_hires : tuple of Hire
        Every hire of the final roster: the scenario's ``[[hires]]`` first, the plan's
        seats joined to them (:func:`joined_hires`), e.g. for the explanation sheets.
    """

    hires: pd.DataFrame
    exact: pd.DataFrame
    months: pd.DataFrame
    driver_multiple: float
    roster_multiple: float
    fixed_multiple: float
    rate: float
    cost: float
    roster_hires: tuple[Hire, ...] = ()

    @property
    def total(self) -> int:
        """Seats hired in all."""
        return int(self.hires["count"].sum()) if len(self.hires) else 0


def hire_and_prepare(prepared: Prepared, scenario: Scenario, baselines: Baselines,
                     calendar: Calendar, capacity: Capacity, drivers: DriverResult,
                     product_targets: pd.DataFrame) -> tuple[Prepared, HiringPlan]:
    """Place whole seats, and prepare the final allocation on the roster with them.

    Parameters
    ----------
    prepared : Prepared
        The allocation prepared on the roster before hiring, its products buffered
        and its stretch limits set (the pipeline's).
    scenario : Scenario
        With ``hiring`` set.
    baselines, calendar : Baselines, Calendar
    capacity : Capacity
        The roster before hiring (:func:`planner.capacity.capacity_of`).
    drivers : DriverResult
        Solved with the hiring lever (:func:`planner.drivers.hiring.with_hiring`).
    product_targets : DataFrame
        The driver model's product targets.

    Returns
    -------
    (Prepared, HiringPlan)
        The final allocation's inputs (roster with the hires, absolute capacity, the
        ``hire_cover`` rows) and the hiring plan.
    """
    seats = capacity.seat_weeks / capacity.weeks if capacity.weeks else 1.0
    options = hire_options(scenario, baselines, calendar, capacity.history, seats)
    rate = planned_rate(drivers.tree, drivers.point, capacity.history)
    teams = sorted(set(options.table[n.TEAM]))
    if not teams:
        teams = allowed(options.spec.teams, sorted(set(baselines.seats[n.TEAM].astype(str))))
    first = _absolute(prepared, prepared.seat_weights, rate, scenario.capacity_headroom)
    first.inputs.hiring = _inputs(options, prepared.seat_weights, rate, teams, scenario)
    exact = _place(first.inputs, scenario, options)
    whole = whole_seats(exact, options)
    final_scenario = replace(scenario, hires=joined_hires(scenario.hires, whole))
    final_capacity = capacity_of(final_scenario, baselines, calendar)
    again = prepare_allocation(baselines, product_targets, final_scenario, calendar,
                               final_capacity)
    again.inputs.products = prepared.inputs.products
    again.inputs.stretch = prepared.inputs.stretch
    final = _absolute(again, final_capacity.weights, rate, scenario.capacity_headroom)
    final.inputs.hiring = HiringInputs(teams, _cover(final_capacity.weights, rate),
                                       _no_options(), _no_weights(), scenario.capacity_headroom)
    cost = float((whole["count"] * (13 - whole[n.MONTH]) / 12).sum()) * options.spec.cost / seats
    plan = HiringPlan(
        hires=whole.assign(**{n.MONTH: [f"{scenario.year}-{m:02d}" for m in whole[n.MONTH]]})[
            list(HIRING_PLAN_COLUMNS)].reset_index(drop=True),
        exact=exact, months=_months(final_capacity, rate, scenario.year),
        driver_multiple=float(np.exp(drivers.point.x["seats"])),
        roster_multiple=final_capacity.multiple, fixed_multiple=capacity.multiple, rate=rate,
        cost=cost, roster_hires=final_scenario.hires)
    return final, plan


def joined_hires(fixed: tuple[Hire, ...], whole: pd.DataFrame) -> tuple[Hire, ...]:
    """The scenario's ``[[hires]]`` first, then the plan's, as one list of hires.

    A placed count for a team, grade and month the scenario already hires into is added
    to that row, so every seat keeps a unique name (``T03-new-C-02-01`` ...).

    Examples
    --------
    >>> fixed = (Hire(grade="C", team="T03", month=2, count=20),)
    >>> whole = pd.DataFrame({"team": ["T03", "T01"], "grade": ["C", "C"], "month": [2, 1],
    ...                       "count": [40, 5]})
    >>> [(h.team, h.month, h.count) for h in joined_hires(fixed, whole)]
    [('T03', 2, 60), ('T01', 1, 5)]
    """
    placed = {(str(r.team), str(r.grade), int(r.month)): int(r.count)
              for r in whole.itertuples(index=False)}
    out = []
    for hire in fixed:
        extra = placed.pop((hire.team, hire.grade, hire.month), 0)
        out.append(replace(hire, count=hire.count + extra))
    out += [Hire(grade=grade, team=team, month=month, count=count)
            for (team, grade, month), count in placed.items()]
    return tuple(out)


def _absolute(prepared: Prepared, weights: pd.DataFrame, rate: float,
              headroom: float) -> Prepared:
    """``prepared`` with capacity at the plan's productivity (not scaled to the target)."""
    inputs = replace(prepared.inputs)
    cover = _cover(weights, rate)
    inputs.capacity = cover.assign(capacity=cover["capacity"] * (1.0 + headroom))
    return replace(prepared, inputs=inputs, productivity_factor=rate)


def _cover(weights: pd.DataFrame, rate: float) -> pd.DataFrame:
    """``team, week, capacity``: the roster's weekly capacity at the plan (amount)."""
    out = weights.groupby([n.TEAM, n.WEEK], as_index=False)["weight"].sum()
    return out.assign(capacity=out["weight"] * rate)[[n.TEAM, n.WEEK, "capacity"]]


def _no_options() -> pd.DataFrame:
    return pd.DataFrame(columns=["option", n.TEAM, n.GRADE, n.MONTH, "upper", "cost", "shared"])


def _no_weights() -> pd.DataFrame:
    return pd.DataFrame(columns=["option", n.TEAM, n.WEEK, "capacity"])


def _inputs(options: HireOptions, weights: pd.DataFrame, rate: float, teams: list[str],
            scenario: Scenario) -> HiringInputs:
    """Placement inputs: candidates with their limits and costs, capacity per week."""
    table = options.table
    own = table[n.GRADE].isin(list(options.spec.max_per_grade)).to_numpy()
    upper = np.array([options.limit_of(str(g)) for g in table[n.GRADE]], float)
    # a seat-year costs as much deviation as a full seat carries in a year at the plan
    full_year = float(table["capacity"].max()) * rate if len(table) else 0.0
    cost = options.spec.cost * table["seat_years"].to_numpy(float) * full_year
    frame = table[["option", n.TEAM, n.GRADE, n.MONTH]].assign(upper=upper, cost=cost,
                                                               shared=~own)
    per_week = options.weights.groupby(["option", n.TEAM, n.WEEK], as_index=False)["weight"].sum()
    per_week = per_week.assign(capacity=per_week["weight"] * rate)
    return HiringInputs(teams, _cover(weights, rate), frame,
                        per_week[["option", n.TEAM, n.WEEK, "capacity"]],
                        scenario.capacity_headroom, options.spec.max_per_month,
                        options.max_total)


def _place(inputs: AllocationInputs, scenario: Scenario, options: HireOptions) -> pd.DataFrame:
    """Solve the placement LP; the continuous seats per candidate (``value``)."""
    from planner.allocation.model import build_allocation
    from planner.allocation.solve import solve_model

    lp, cells = build_allocation(inputs)
    solution = solve_model(lp, cells, inputs, scenario.solver)
    require_solved(solution.status, "hiring placement", scenario.solver.time_limit)
    if solution.status is not SolveStatus.OPTIMAL or f.HIRE not in lp.blocks:
        return pd.DataFrame(columns=[n.TEAM, n.GRADE, n.MONTH, "value"])
    values = solution.values(lp, f.HIRE)
    values = values.loc[values["value"] > WHOLE_TOL, [n.TEAM, n.GRADE, n.MONTH, "value"]]
    return values.reset_index(drop=True)


def whole_seats(exact: pd.DataFrame, options: HireOptions) -> pd.DataFrame:
    """Whole seats: each count rounded up, then trimmed where that broke a limit.

    A team-month over ``max_per_month`` (grades without their own limit) or a year over
    ``max_total`` gives back seats where the rounding added most (the smallest
    fractional parts first), so every limit holds.

    Examples
    --------
    >>> from planner.scenario.values import HiringSpec
    >>> spec = HiringSpec(max_per_month=3)
    >>> exact = pd.DataFrame({"team": ["T", "T"], "grade": ["C", "D"], "month": [1, 1],
    ...                       "value": [1.2, 1.7]})
    >>> opts = HireOptions(spec, pd.DataFrame(), pd.DataFrame(), 1.0, 1.0)
    >>> whole_seats(exact, opts)["count"].tolist()
    [1, 2]
    """
    out = exact.copy()
    out["count"] = np.ceil(out["value"].to_numpy(float) - WHOLE_TOL).astype(np.int64)
    out["added"] = out["count"] - out["value"]
    spec = options.spec
    if spec.max_per_month is not None:
        shared = ~out[n.GRADE].isin(list(spec.max_per_grade))
        for _, group in out.loc[shared].groupby([n.TEAM, n.MONTH]):
            _trim(out, group.index, spec.max_per_month)
    if spec.max_total is not None:
        _trim(out, out.index, spec.max_total)
    out = out.loc[out["count"] > 0]
    return out[[n.TEAM, n.GRADE, n.MONTH, "count"]].sort_values(
        [n.MONTH, n.TEAM, n.GRADE], kind="stable").reset_index(drop=True)


def _trim(frame: pd.DataFrame, index: pd.Index, limit: int) -> None:
    """Take seats back from ``frame.loc[index]`` (most added by rounding first) to ``limit``."""
    over = int(frame.loc[index, "count"].sum()) - int(limit)
    for i in frame.loc[index].sort_values("added", ascending=False, kind="stable").index:
        if over <= 0:
            break
        if frame.at[i, "added"] > 0 and frame.at[i, "count"] > 0:
            frame.at[i, "count"] -= 1
            frame.at[i, "added"] -= 1
            over -= 1


def _months(capacity: Capacity, rate: float, year: int) -> pd.DataFrame:
    """Seats on board, seats hired so far and capacity per plan month."""
    roster = capacity.roster
    weights = capacity.weights.merge(roster[[n.SEAT, "hired"]], on=n.SEAT, how="left")
    by_month = weights.groupby(n.MONTH)["weight"].sum() * rate
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    starts = pd.to_datetime(roster[n.START_DATE])
    ends = pd.to_datetime(roster[n.END_DATE])
    hired = roster["hired"].astype(bool)
    seats, so_far = [], []
    for month in months:
        first = pd.Timestamp(f"{month}-01")
        on = ((starts.isna() | (starts <= first)) & (ends.isna() | (ends >= first)))
        seats.append(int(on.sum()))
        so_far.append(int((on & hired).sum()))
    return pd.DataFrame({n.MONTH: months, "seats": seats, "hired": so_far,
                         "capacity": [float(by_month.get(m, 0.0)) for m in months]})


def with_load(months: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """:attr:`HiringPlan.months` with the plan's load per month (``need``)."""
    load = plan.groupby(n.MONTH)[n.AMOUNT].sum()
    return months.assign(need=[float(load.get(m, 0.0)) for m in months[n.MONTH]])
