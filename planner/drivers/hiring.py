"""Hiring as a lever of the driver model (``[hiring]``).

Without ``[hiring]`` the seats lever is fixed at the planned roster's capacity (seats
plus ``[[hires]]``, less leavers) over last year's. With it, the seats lever is free
from that roster up to the most the hiring rules allow, and priced: every candidate
hire (one seat of a grade joining a team at the start of an allowed month) adds its
capacity over the plan year (ramp and attrition applied, :mod:`planner.capacity`) for
``cost x seat-years / last year's average seats``.

The cheapest way to add a given capacity takes candidates in order of capacity per
seat-year (early starts and productive grades first) within the limits per team and
month and in all; that cost is convex in the capacity added, and in the lever's log
space ``x = log(capacity multiple)`` it is ``rate x (e^x - e^x0)`` on each stretch of
equally good candidates, also convex. Its secants on pieces at most
:data:`PIECE_WIDTH` wide are the lever's stretch-cost pieces, so the driver LP weighs
one more seat against one more point of productivity or of any other lever, and the
model stays an LP. The allocation (:mod:`planner.allocation.hiring`) then places the
seats by team, grade and month where capacity binds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner import names as n
from planner.capacity import grade_productivity, kept, seat_productivity, seat_week_weights
from planner.drivers.levers import Lever
from planner.drivers.rows import Algebra
from planner.drivers.search import Point, reach
from planner.drivers.tree import SEATS_LEVER, DriverTree
from planner.errors import TargetUnreachableError
from planner.scenario.schema import MAX_HIRES
from planner.scenario.values import HiringSpec, Scenario

if TYPE_CHECKING:
    from collections.abc import Callable

    from planner.baselines.compute import Baselines
    from planner.calendar import Calendar
    from planner.capacity import Capacity
    from planner.drivers.backend import DriverEngine
    from planner.drivers.rules import CellRule
    from planner.drivers.solve import DriverResult

#: Widest stretch-cost piece of the hiring lever, in log capacity (5 points).
PIECE_WIDTH = 0.05
#: Columns of :attr:`HireOptions.table`.
OPTION_COLUMNS = ("option", n.TEAM, n.GRADE, n.MONTH, "capacity", "seat_years")

#: Trees with the seats lever free to hire, kept per capacity memo (``planner serve``).
KEPT_HIRING_TREES = 64


@dataclass(frozen=True)
class HireOptions:
    """Every hire the scenario allows: one candidate seat per team x grade x start month.

    Attributes
    ----------
    spec : HiringSpec
        The scenario's ``[hiring]``.
    table : DataFrame
        ``option, team, grade, month (1..12), capacity, seat_years``: ``capacity`` is
        one such seat's capacity over the plan year at last year's productivity (ramp
        and attrition applied), ``seat_years`` its months on board / 12.
    weights : DataFrame
        ``option, team, grade, week, month, weight``: that capacity per week part.
    history : float
        Last year's capacity (the seats lever's unit).
    seats : float
        Last year's average number of seats (a seat-year costs ``cost / seats``).
    orders : dict of str to DataFrame
        :func:`cheapest_order` of these candidates per ``repr(spec)``, once worked out
        (shared by the options over the same candidates).
    """

    spec: HiringSpec
    table: pd.DataFrame
    weights: pd.DataFrame
    history: float
    seats: float
    orders: dict[str, pd.DataFrame] = field(default_factory=dict, compare=False, repr=False)

    def limit_of(self, grade: str) -> float:
        """Most seats of ``grade`` one team may take in one month (inf: no own limit)."""
        if grade in self.spec.max_per_grade:
            return float(self.spec.max_per_grade[grade])
        if self.spec.max_per_month is not None:
            return float(self.spec.max_per_month)
        return float(MAX_HIRES)

    @property
    def max_total(self) -> float:
        """Most seats over the year."""
        return float(MAX_HIRES if self.spec.max_total is None else self.spec.max_total)


def allowed(values: tuple[str, ...], known: list[str]) -> list[str]:
    """The values a ``[hiring]`` list allows (``"*"``: every known one), in known order."""
    return list(known) if "*" in values else [v for v in known if v in values]


def hire_options(scenario: Scenario, baselines: Baselines, calendar: Calendar,
                 history: float, seats: float,
                 memo: dict[str, Any] | None = None) -> HireOptions:
    """The candidate hires of ``scenario.hiring`` with their capacity.

    Parameters
    ----------
    scenario : Scenario
        With ``hiring`` set.
    baselines : Baselines
    calendar : Calendar
    history : float
        Last year's capacity (:attr:`planner.capacity.Capacity.history`).
    seats : float
        Last year's average number of seats.
    memo : dict, optional
        A capacity's memo: the candidates' capacity (which does not depend on the
        roster) is kept in its ``"hire_candidates"`` entry, which ``planner serve``
        shares between the capacities of its what-ifs.

    Returns
    -------
    HireOptions
    """
    spec = scenario.hiring if scenario.hiring is not None else HiringSpec()
    key = repr((spec, scenario.capacity_basis, scenario.ramp_months, scenario.attrition_rate,
                scenario.year, id(baselines), id(calendar)))
    kept = None if memo is None else memo.setdefault("hire_candidates", {})
    if kept is not None and key in kept and kept[key][0] is baselines:
        table, weights, orders = kept[key][2:]
    else:
        (table, weights), orders = _candidates(scenario, spec, baselines, calendar), {}
        if kept is not None:
            kept[key] = (baselines, calendar, table, weights, orders)
    return HireOptions(spec, table, weights, float(history), max(float(seats), 1e-9), orders)


def _candidates(scenario: Scenario, spec: HiringSpec, baselines: Baselines,
                calendar: Calendar) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One candidate seat per team x grade x start month, and its capacity weights."""
    grade_weekly = grade_productivity(baselines)
    teams = allowed(spec.teams, sorted(set(baselines.seats[n.TEAM].astype(str))))
    grades = allowed(spec.grades, sorted(grade_weekly))
    rows = [{n.SEAT: f"{team}-hire-{grade}-{month:02d}", n.TEAM: team, n.GRADE: grade,
             n.START_DATE: pd.Timestamp(year=scenario.year, month=month, day=1),
             n.END_DATE: pd.NaT, "hired": True, n.MONTH: month}
            for team in teams for grade in grades for month in spec.months]
    roster = pd.DataFrame(rows, columns=[n.SEAT, n.TEAM, n.GRADE, n.START_DATE, n.END_DATE,
                                         "hired", n.MONTH])
    roster[n.START_DATE] = pd.to_datetime(roster[n.START_DATE])
    roster[n.END_DATE] = pd.to_datetime(roster[n.END_DATE])
    productivity = seat_productivity(roster, baselines.seats, grade_weekly,
                                     scenario.capacity_basis)
    weights = seat_week_weights(roster, calendar.days, productivity,
                                ramp_months=scenario.ramp_months,
                                attrition_rate=scenario.attrition_rate)
    weights = weights.rename(columns={n.SEAT: "option"})
    capacity = weights.groupby("option")["weight"].sum()
    table = roster.rename(columns={n.SEAT: "option"})[["option", n.TEAM, n.GRADE, n.MONTH]]
    table = table.assign(capacity=table["option"].map(capacity).fillna(0.0).to_numpy(float),
                         seat_years=(13 - table[n.MONTH].to_numpy(float)) / 12.0)
    table = table.loc[table["capacity"] > 0].reset_index(drop=True)
    weights = weights.loc[weights["option"].isin(table["option"])].reset_index(drop=True)
    return table[list(OPTION_COLUMNS)], weights


def cheapest_order(options: HireOptions) -> pd.DataFrame:
    """Candidate seats in the order the cheapest hiring takes them, with how many.

    Candidates by capacity per seat-year (best first; ties by team, grade, month),
    each up to its team-month limit (shared by the grades under ``max_per_month``),
    until ``max_total`` seats.

    Returns
    -------
    DataFrame
        ``option, team, grade, month, capacity, seat_years, count``.
    """
    key = repr(options.spec)
    if key not in options.orders:
        options.orders[key] = _cheapest_order(options)
    return options.orders[key]


def _cheapest_order(options: HireOptions) -> pd.DataFrame:
    table = options.table.assign(ratio=options.table["capacity"] / options.table["seat_years"])
    table = table.sort_values(["ratio", n.TEAM, n.GRADE, n.MONTH],
                              ascending=[False, True, True, True], kind="stable")
    shared = options.spec.max_per_month
    used: dict[tuple[str, int], float] = {}
    left = options.max_total
    counts = []
    for row in table.itertuples(index=False):
        key = (str(row.team), int(row.month))
        take = options.limit_of(str(row.grade))
        if shared is not None and str(row.grade) not in options.spec.max_per_grade:
            take = min(take, shared - used.get(key, 0.0))
            used[key] = used.get(key, 0.0) + max(take, 0.0)
        take = max(min(take, left), 0.0)
        left -= take
        counts.append(take)
    return table.assign(count=counts).loc[lambda t: t["count"] > 0].drop(columns="ratio")


def hiring_lever(options: HireOptions, seat_multiple: float) -> Lever:
    """The seats lever with hiring: from the planned roster up to the most hiring adds.

    Parameters
    ----------
    options : HireOptions
    seat_multiple : float
        The planned roster's capacity over last year's (fixed hires included).

    Returns
    -------
    Lever
        Kind ``seats``; fixed at ``log(seat_multiple)`` when no hire is allowed.

    Examples
    --------
    >>> spec = HiringSpec(max_total=10, cost=1.0)
    >>> table = pd.DataFrame({"option": ["a"], "team": ["T"], "grade": ["C"], "month": [1],
    ...                       "capacity": [10.0], "seat_years": [1.0]})
    >>> lever = hiring_lever(HireOptions(spec, table, pd.DataFrame(), 100.0, 10.0), 1.0)
    >>> round(math.exp(lever.hi), 6), round(sum(w * s for w, s in lever.pieces), 6)
    (2.0, 1.0)
    """
    x0 = math.log(seat_multiple)
    order = cheapest_order(options) if len(options.table) else options.table.assign(count=[])
    pieces: list[tuple[float, float]] = []
    level = seat_multiple
    per_seat_year = options.spec.cost / options.seats
    for _, group in order.groupby((order["capacity"] / order["seat_years"]).round(12),
                                  sort=False):
        added = float((group["capacity"] * group["count"]).sum()) / options.history
        cost = float((group["seat_years"] * group["count"]).sum()) * per_seat_year
        if added <= 0:
            continue
        rate = cost / added  # stretch cost per unit of capacity multiple on this stretch
        top = level + added
        steps = max(1, math.ceil(math.log(top / level) / PIECE_WIDTH))
        edges = level * (top / level) ** (np.arange(steps + 1) / steps)
        for left, right in zip(edges, edges[1:], strict=False):
            width = math.log(right / left)
            pieces.append((width, rate * (right - left) / width))
        level = top
    # merged stretches of one rate come in order of rising rate: keep slopes non-decreasing
    slopes = np.maximum.accumulate(np.array([slope for _, slope in pieces], float))
    pieces = [(width, float(slope)) for (width, _), slope in zip(pieces, slopes, strict=True)]
    hi = x0 + sum(width for width, _ in pieces)
    return Lever(SEATS_LEVER, "seats", ("*",), ("*",), x0, hi, not pieces, tuple(pieces))


def with_hiring(tree: DriverTree, options: HireOptions) -> DriverTree:
    """The tree with its seats lever free to hire (:func:`hiring_lever`)."""
    levers = dict(tree.levers)
    levers[SEATS_LEVER] = hiring_lever(options, tree.seat_multiple)
    return replace(tree, levers=levers)


def planned_rate(tree: DriverTree, point: Point, history: float) -> float:
    """Planned amount one unit of last year's capacity carries at the plan.

    Capacity counts sales: a seat sells ``1 + productivity uplift`` times last year's
    number, each at the plan's average price. So one unit of capacity (an amount at
    last year's productivity) carries ``e^x_prod x (U / W) x (T / U')``: last year's
    sales ``U`` per unit of capacity ``W``, the plan's amount ``T`` per planned sale
    ``U'``. Equal to the plan's amount per unit of planned capacity when capacity binds.
    """
    alg = Algebra.of(tree)
    units = float(alg.units.sum())
    planned_units = float(alg.units @ np.exp(point.o))
    if units <= 0 or planned_units <= 0 or history <= 0:
        return 0.0
    productivity = math.exp(point.x[tree.productivity])
    return productivity * units / history * point.revenue(tree) / planned_units


@dataclass(frozen=True)
class MoreSeats:
    """What more hiring would make an unreachable target reachable.

    ``seats`` lists ``(count, grade, team, month)`` in the order the cheapest hiring
    would take them; ``capacity`` is the capacity multiple the target needs.
    """

    seats: tuple[tuple[int, str, str, int], ...]
    capacity: float

    @property
    def total(self) -> int:
        """Extra seats in all."""
        return sum(count for count, _, _, _ in self.seats)

    def text(self, year: int) -> str:
        """``+N seats of grade G in team T by month M`` (one such part per team-month)."""
        return "; ".join(f"+{count} seats of grade {grade} in team {team} by month "
                         f"{year}-{month:02d}" for count, grade, team, month in self.seats)


def more_seats(tree: DriverTree, options: HireOptions, target: float, buffer: float,
               rules: tuple[CellRule, ...], backend: DriverEngine) -> MoreSeats | None:
    """The fewest extra seats that make ``target`` reachable, and where.

    The seats lever's cap is raised (bisection on its log cap) until the levers reach
    ``target``; the capacity that adds is taken from the candidates the cheapest hiring
    takes after the ones already allowed (past ``max_total``, within ``max_per_month``),
    and what those cannot give from the candidate with the most capacity per seat.

    Returns
    -------
    MoreSeats or None
        None when even ten times the capacity would not reach the target (other caps
        or rules bind), or no hire is allowed.
    """
    lever = tree.levers[SEATS_LEVER]
    if not len(options.table):
        return None

    def reaches(hi: float) -> bool:
        point, _ = reach(tree, buffer, backend.time_limit, rules,
                         raise_cap={SEATS_LEVER: hi}, backend=backend)
        return point is not None and point.revenue(tree) >= target * (1 - 1e-9)

    low, high = lever.hi, lever.hi + math.log(10.0)
    if not reaches(high):
        return None
    for _ in range(30):
        mid = (low + high) / 2
        if reaches(mid):
            high = mid
        else:
            low = mid
        if high - low < 1e-5:
            break
    extra = (math.exp(high) - math.exp(lever.hi)) * options.history
    unlimited = replace(options, spec=replace(options.spec, max_total=None))
    order = cheapest_order(unlimited)
    skip = options.max_total if options.spec.max_total is not None else math.inf
    picks: list[tuple[int, str, str, int]] = []
    for row in order.itertuples(index=False):
        if extra <= 0:
            break
        count = float(row.count)
        passed = min(count, max(skip, 0.0))
        skip -= passed
        count -= passed
        if count <= 0:
            continue
        need = min(count, math.ceil(extra / float(row.capacity) - 1e-9))
        picks.append((int(need), str(row.grade), str(row.team), int(row.month)))
        extra -= need * float(row.capacity)
    if extra > 0:  # the monthly limits bind too: the best candidate, past its limit
        best = options.table.sort_values(["capacity", n.TEAM, n.GRADE, n.MONTH],
                                         ascending=[False, True, True, True],
                                         kind="stable").iloc[0]
        picks.append((math.ceil(extra / float(best["capacity"]) - 1e-9), str(best[n.GRADE]),
                      str(best[n.TEAM]), int(best[n.MONTH])))
    return MoreSeats(tuple(picks), math.exp(high))


def solve_with_hiring(tree: DriverTree, scenario: Scenario, baselines: Baselines,
                      calendar: Calendar, history: float, capacity_baselines: dict[str, float],
                      target: float, memo: dict[str, Any] | None = None) -> DriverResult:
    """Solve the driver model with the seats lever free to hire.

    An unreachable target's message and diagnosis say how many more seats (of which
    grade, in which team, by which month) would reach it, when more hiring would.

    Parameters
    ----------
    tree : DriverTree
        Built on the roster before hiring.
    scenario : Scenario
        With ``hiring`` set.
    baselines, calendar : Baselines, Calendar
    history : float
        Last year's capacity.
    capacity_baselines : dict
        Last year's ``productivity`` and ``seats`` (average seats), for the table.
    target : float
        Company revenue target.
    memo : dict, optional
        Where the candidate hires are kept between solves on the same capacity
        (:attr:`planner.capacity.Capacity.memo`; ``planner serve``'s what-ifs).

    Returns
    -------
    DriverResult

    Raises
    ------
    TargetUnreachableError
        With ``+N seats of grade G in team T by month M`` when hiring would reach it.
    """
    from planner.drivers.backend import DriverEngine, engine_for
    from planner.drivers.rules import cell_rules
    from planner.drivers.solve import solve_drivers

    seats = capacity_baselines.get("seats", 1.0)
    key = f"hire_options {scenario.hiring!r} {scenario.capacity_basis} {history!r} {seats!r}"
    options = (memo or {}).get(key)
    if options is None:
        options = hire_options(scenario, baselines, calendar, history,
                               seats if math.isfinite(seats) else 1.0, memo)
        if memo is not None:
            memo[key] = options
    hiring = _hiring_tree(tree, options, key, memo)
    try:
        return solve_drivers(hiring, target, baselines.total_amount, baselines.products,
                             buffer=scenario.buffer, capacity_baselines=capacity_baselines,
                             mix=scenario.mix, supply=scenario.supply,
                             time_limit=scenario.solver.time_limit,
                             backend=engine_for(hiring, scenario.solver.time_limit, memo))
    except TargetUnreachableError as error:
        rules = cell_rules(scenario.mix, scenario.supply)
        engine = DriverEngine(hiring, scenario.solver.time_limit)
        more = more_seats(hiring, options, target, scenario.buffer, rules, engine)
        if more is None:
            raise
        line = (f"more hiring would reach it, {more.total} more seats: "
                f"{more.text(scenario.year)} (capacity {more.capacity:.2f}x last year's; "
                "raise [hiring] max_total or max_per_month)")
        raise TargetUnreachableError(
            f"{error}; {line}",
            f"{error.diagnosis.rstrip()}\n\n## Hiring\n\n{line[0].upper()}{line[1:]}.\n",
        ) from None


def _hiring_tree(tree: DriverTree, options: HireOptions, key: str,
                 memo: dict[str, Any] | None) -> DriverTree:
    """:func:`with_hiring`, kept in ``memo`` per tree (one object per tree and options)."""
    if memo is None:
        return with_hiring(tree, options)
    return kept(memo, "hiring_trees", key, lambda: with_hiring(tree, options),
                KEPT_HIRING_TREES, owner=tree)


def hiring_adjust(scenario: Scenario, baselines: Baselines, calendar: Calendar,
                  capacity: Capacity) -> Callable[[DriverTree], DriverTree] | None:
    """What a sweep applies to each tree it builds: the seats lever hires (None: off)."""
    if scenario.hiring is None:
        return None
    seats = capacity.seat_weeks / capacity.weeks if capacity.weeks else 1.0
    options = hire_options(scenario, baselines, calendar, capacity.history, seats)
    return lambda tree: with_hiring(tree, options)
