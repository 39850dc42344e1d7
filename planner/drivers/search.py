"""The driver model's iterations: uplifts per lever that reach the target at least cost.

Company revenue is ``sum_k R_k exp(s_k)`` over cells ``k`` (product x segment), with
``s_k`` the sum of the log-uplifts ``x_l`` of the levers acting on the cell.

A growing target (above what the levers give at no uplift): reaching it is not convex
in ``s``; we keep an exact LP by sequential linearisation (DESIGN.md section 4, option
2): replace ``exp`` by its tangent at the current point, an inner approximation (every
iterate truly reaches the target), and re-solve until the point stops moving.

A falling target (below what the levers give at no uplift): levers must fall, and a
fall cheaper than raising productivity could take revenue below the target, so the
tangent is held as an equality: every iterate gives at least the target (the tangent
lies below ``exp``) and the sequence stops on a point that gives it exactly.

Capacity (seats x productivity must cover the number of sales plus the buffer) and the
upper bounds of the mix and supply rules are convex too: whenever an LP point breaks
one of them by more than the solver's tolerance, a tangent cut is added *at that
point* and the LP is solved again, so the LP never prices sales against a capacity it
does not have. Only a gap within tolerance is closed by raising productivity.

Every LP is solved by :class:`planner.drivers.backend.DriverEngine`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.drivers.backend import DriverEngine
from planner.drivers.rows import (
    Algebra,
    Row,
    capacity_cut,
    capacity_gap,
    revenue_gradient,
    revenue_of,
    rule_cuts,
    rule_rows,
    target_row,
)
from planner.drivers.rules import CellRule, rule_violation
from planner.drivers.tree import DriverTree
from planner.errors import ModelError

#: Capacity may fall short of the planned sales by this much in log (1e-7 = 0.00001%):
#: solver noise, far below anything a plan could show.
CAPACITY_TOL = 1e-7
#: Largest relative violation of a mix or supply rule taken as met.
RULE_TOL = 1e-7
#: Moves of a lever's anchor (in uplift) tried when looking past a local optimum.
NUDGES = (0.03, -0.03)
#: Most rounds of the search past local optima.
SEARCH_ROUNDS = 4


class NoFeasiblePoint(ModelError):
    """No LP from the start point met the rows: the rules and capacity leave no room."""


@dataclass(frozen=True)
class Point:
    """Log-uplift of every lever, and what it gives per cell."""

    x: dict[str, float]
    s: np.ndarray  # log multiple of revenue per cell
    o: np.ndarray  # log multiple of the number of sales per cell

    def revenue(self, tree: DriverTree) -> float:
        """Revenue this point gives, multiplied out through the tree (exact)."""
        return float((tree.cells["amount"].to_numpy() * np.exp(self.s)).sum())


def point_of(alg: Algebra, x: np.ndarray) -> Point:
    """Multiply a lever assignment out through the tree."""
    return Point(dict(zip(alg.names, map(float, x), strict=True)), alg.s(x), alg.o(x))


def start_point(tree: DriverTree) -> np.ndarray:
    """Every lever at no uplift (or its nearest bound)."""
    return np.array([lv.lo if lv.fixed else float(np.clip(0.0, lv.lo, lv.hi))
                     for lv in tree.levers.values()])


def floor_point(tree: DriverTree) -> np.ndarray:
    """Every lever at its lowest allowed uplift: the least revenue the levers can give."""
    return np.array([lv.lo for lv in tree.levers.values()])


def is_falling(tree: DriverTree, alg: Algebra, target: float) -> bool:
    """Whether ``target`` lies below what the levers give at no uplift (levers must fall)."""
    return target < revenue_of(alg, start_point(tree)) * (1 - 1e-12)


def _separate(alg: Algebra, x: np.ndarray, buffer: float, rules: tuple[CellRule, ...],
              index: int) -> list[Row]:
    """Cuts at ``x`` for each convex constraint it breaks beyond tolerance (none: it holds)."""
    cuts: list[Row] = []
    if capacity_gap(alg, x, buffer) > CAPACITY_TOL:
        cuts.append(capacity_cut(alg, alg.o(x), buffer, index))
    rev = alg.amount * np.exp(alg.s(x))
    units = alg.units * np.exp(alg.o(x))
    if rule_violation(rev, units, alg.groups, rules) > RULE_TOL:
        cuts += rule_cuts(alg, x, rules, str(index))
    return cuts


def settle(tree: DriverTree, alg: Algebra, x: np.ndarray, buffer: float,
           hi: float | None = None) -> np.ndarray:
    """Raise productivity to close a remaining capacity gap, up to its cap ``hi``."""
    gap = capacity_gap(alg, x, buffer)
    if gap <= 0:
        return x
    out = x.copy()
    top = tree.levers[tree.productivity].hi if hi is None else hi
    out[alg.productivity] = min(out[alg.productivity] + gap, top)
    return out


def fit_productivity(tree: DriverTree, alg: Algebra, x: np.ndarray, buffer: float,
                     hi: float) -> np.ndarray:
    """Set productivity to what capacity needs (within its bounds): it adds no revenue."""
    out = x.copy()
    need = out[alg.productivity] + capacity_gap(alg, out, buffer)
    out[alg.productivity] = min(max(need, tree.levers[tree.productivity].lo), hi)
    return out


def _feasible(alg: Algebra, x: np.ndarray, buffer: float, rules: tuple[CellRule, ...]) -> bool:
    rev = alg.amount * np.exp(alg.s(x))
    units = alg.units * np.exp(alg.o(x))
    return (capacity_gap(alg, x, buffer) <= CAPACITY_TOL
            and rule_violation(rev, units, alg.groups, rules) <= RULE_TOL)


def reach(tree: DriverTree, buffer: float, time_limit: float, mix: tuple[CellRule, ...] = (),
          raise_cap: dict[str, float] | None = None, iterations: int = 150,
          backend: DriverEngine | None = None) -> tuple[Point | None, list[Row]]:
    """Largest revenue the levers can give, and the cuts found on the way.

    Parameters
    ----------
    tree : DriverTree
        Cells and levers.
    buffer : float
        Over-assignment buffer capacity must also cover.
    time_limit : float
        Seconds per LP (used when no ``backend`` is given).
    mix : tuple of CellRule
        Mix and supply rules.
    raise_cap : dict of str to float, optional
        Higher log caps to try, by lever name.
    iterations : int
        Most LPs to solve.
    backend : DriverEngine, optional
        A warm engine to reuse.

    Returns
    -------
    (Point or None, list of Row)
        ``(None, cuts)`` when no point meets capacity and the rules.
    """
    backend = backend or DriverEngine(tree, time_limit)
    alg = backend.alg
    prod_hi = (raise_cap or {}).get(tree.productivity, tree.levers[tree.productivity].hi)
    prod_hi = max(prod_hi, tree.levers[tree.productivity].hi)
    anchor = start_point(tree)
    cuts = [capacity_cut(alg, alg.o(anchor), buffer, 0)]
    best: np.ndarray | None = None
    best_revenue = -np.inf
    for _ in range(iterations):
        rows = [*rule_rows(alg, anchor, mix), *cuts]
        x = backend.solve(rows, revenue_gradient(alg, anchor), raise_cap)
        if x is None:
            break
        new = _separate(alg, x, buffer, mix, len(cuts))
        settled = fit_productivity(tree, alg, x, buffer, prod_hi)
        if _feasible(alg, settled, buffer, mix):
            revenue = revenue_of(alg, settled)
            if revenue > best_revenue * (1 + 1e-12):
                best, best_revenue = settled, revenue
        if new:
            cuts += new
            continue
        moved = float(np.max(np.abs(alg.s(settled) - alg.s(anchor)), initial=0.0))
        anchor = settled
        if moved < 1e-9:
            break
    return (None if best is None else point_of(alg, best)), cuts


def least_cost(tree: DriverTree, target: float, start: Point, cuts: list[Row], buffer: float,
               time_limit: float, mix: tuple[CellRule, ...] = (), iterations: int = 400,
               tol: float = 1e-9, backend: DriverEngine | None = None
               ) -> tuple[Point, dict[str, float]]:
    """The least-cost point that gives exactly ``target``; also the last LP's duals.

    Reaching a target is not convex when levers differ by cell, so the sequence of LPs
    (:func:`descend`) can settle on a local optimum where one lever sits on a breakpoint
    of its cost and another would rather take the stretch. From the point found, each
    free lever's anchor is moved by :data:`NUDGES` up and down and the sequence run
    again; a cheaper point found replaces the current one, until none is found.
    Every step is deterministic, so the same problem always gives the same point.

    Parameters
    ----------
    tree, target, start, cuts, buffer, time_limit, mix, iterations, tol, backend
        As for :func:`descend`.

    Returns
    -------
    (Point, dict of str to float)
    """
    backend = backend or DriverEngine(tree, time_limit)
    alg = backend.alg
    cuts = list(cuts)
    if is_falling(tree, alg, target):  # levers fall from no uplift, not from the reach point
        start = point_of(alg, start_point(tree))
    x, duals = descend(tree, target, start, cuts, buffer, time_limit, mix, iterations, tol,
                       backend)
    cost = stretch_cost(tree, x)
    levers = list(tree.levers.values())
    free = [i for i, lever in enumerate(levers) if not lever.fixed]
    for _ in range(SEARCH_ROUNDS):
        improved = False
        for i in free:
            lever = levers[i]
            for nudge in NUDGES:
                anchor = x.copy()
                anchor[i] = float(np.clip(np.log1p(np.expm1(x[i]) + nudge), lever.lo, lever.hi))
                if anchor[i] == x[i]:
                    continue
                try:
                    y, y_duals = descend(tree, target, point_of(alg, anchor), cuts, buffer,
                                         time_limit, mix, iterations, tol, backend)
                except NoFeasiblePoint:
                    continue
                if not _feasible(alg, y, buffer, mix) or abs(
                        revenue_of(alg, y) / target - 1) > 1e-9:
                    continue
                y_cost = stretch_cost(tree, y)
                if y_cost < cost - 1e-12 * max(1.0, abs(cost)):
                    x, duals, cost, improved = y, y_duals, y_cost, True
        if not improved:
            break
    return point_of(alg, x), duals


def stretch_cost(tree: DriverTree, x: np.ndarray) -> float:
    """The stretch cost of a lever assignment (0 at no uplift), from the levers' pieces."""
    total = 0.0
    for value, lever in zip(x, tree.levers.values(), strict=True):
        left = lever.lo
        for width, slope in ([] if lever.fixed else lever.pieces):
            fill = min(max(value - left, 0.0), width) - min(max(-left, 0.0), width)
            total += slope * fill
            left += width
    return total


def descend(tree: DriverTree, target: float, start: Point, cuts: list[Row], buffer: float,
            time_limit: float, mix: tuple[CellRule, ...] = (), iterations: int = 400,
            tol: float = 1e-9, backend: DriverEngine | None = None
            ) -> tuple[np.ndarray, dict[str, float]]:
    """One sequence of LPs from ``start`` to a (local) least-cost point giving ``target``.

    Parameters
    ----------
    tree : DriverTree
        Cells and levers.
    target : float
        Company revenue to reach.
    start : Point
        The first anchor: a point that reaches ``target`` and meets every rule (from
        :func:`reach`), or no uplift for a falling target.
    cuts : list of Row
        Cuts found so far (capacity, rules); not modified.
    buffer : float
        Over-assignment buffer capacity must also cover.
    time_limit : float
        Seconds per LP (used when no ``backend`` is given).
    mix : tuple of CellRule
        Mix and supply rules.
    iterations : int
        Most LPs to solve.
    tol : float
        The point has converged when no cell's log multiple moves more than this.
    backend : DriverEngine, optional
        A warm engine to reuse.

    Returns
    -------
    (ndarray, dict of str to float)
        The point's log-uplifts and the last LP's duals.

    Raises
    ------
    NoFeasiblePoint
        When no LP from the start point meets the rows (for a falling target: the rules
        and capacity leave no room).
    ModelError
        When HiGHS stops without an answer (time or iteration limit, solver error).
    """
    backend = backend or DriverEngine(tree, time_limit)
    alg = backend.alg
    falling = is_falling(tree, alg, target)
    cuts = list(cuts)
    anchor = np.array([start.x[name] for name in alg.names])
    duals: dict[str, float] | None = None
    for _ in range(iterations):
        tangent = target_row(alg, anchor, target)
        rows = [tangent, *([Row("target_max", tangent.coef, "<=", tangent.rhs)] if falling
                           else []), *rule_rows(alg, anchor, mix), *cuts]
        x = backend.solve(rows)
        if x is None:
            break
        new = _separate(alg, x, buffer, mix, len(cuts))
        if new:
            cuts += new
            continue
        duals = backend.duals()
        settled = settle(tree, alg, x, buffer)
        moved = float(np.max(np.abs(alg.s(settled) - alg.s(anchor)), initial=0.0))
        anchor = settled
        if moved < tol:
            break
    if duals is None:
        raise NoFeasiblePoint("driver model: the linearised problem was infeasible at a point "
                              "known to reach the target; run with --debug and report the "
                              "scenario")
    return anchor, duals
