"""The driver LP: uplifts per lever that reach the target at the least stretch cost.

Company revenue is ``sum_k R_k exp(s_k)`` over cells ``k`` (product x segment), with
``s_k`` the sum of the log-uplifts ``x_l`` of the levers acting on the cell. Reaching
the target is not convex in ``s``; we keep an exact LP by sequential linearisation
(DESIGN.md section 4, option 2): replace ``exp`` by its tangent at the current point,
an inner approximation (every iterate truly reaches the target), and re-solve until
the point stops moving.

Capacity: seats x productivity must cover the company's number of sales plus the
over-assignment buffer: ``log sum_k U_k exp(o_k) - log U <= x_seats + x_prod -
log(1 + buffer)``. The left side is convex (log-sum-exp), so the constraint set is
convex; we add its tangent cuts (Kelley) at every point visited, and at the end raise
productivity to cover any remaining gap exactly.

Builders are pure (data in, PuLP problem out).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pulp
from scipy.special import logsumexp

from planner.drivers.mix import add_mix_rows, mix_violation
from planner.drivers.tree import SEATS_LEVER, DriverTree
from planner.errors import ModelError
from planner.scenario.model import MixRule
from planner.scenario.schema import DEMAND_KINDS, ORDER_KINDS
from planner.solver import SolveStatus, solve_pulp


@dataclass(frozen=True)
class Point:
    """Log-uplift of every lever, and what it gives per cell."""

    x: dict[str, float]
    s: np.ndarray  # log multiple of revenue per cell
    o: np.ndarray  # log multiple of the number of sales per cell

    def revenue(self, tree: DriverTree) -> float:
        """Revenue this point gives, multiplied out through the tree (exact)."""
        return float((tree.cells["amount"].to_numpy() * np.exp(self.s)).sum())


@dataclass
class Problem:
    """A built driver LP and handles into it."""

    prob: pulp.LpProblem
    x: dict[str, pulp.LpAffineExpression]
    pieces: dict[str, list[pulp.LpVariable]]
    capacity: list[pulp.LpConstraint] = field(default_factory=list)
    target: pulp.LpConstraint | None = None


def point_of(tree: DriverTree, x: dict[str, float]) -> Point:
    """Multiply a lever assignment out through the tree."""
    s = np.array([sum(x[k] for k in row) for row in tree.cell_levers(DEMAND_KINDS)])
    o = np.array([sum(x[k] for k in row) for row in tree.cell_levers(ORDER_KINDS)])
    return Point(dict(x), s, o)


def capacity_gap(tree: DriverTree, point: Point, buffer: float) -> float:
    """How far (in log) seat capacity falls short of the planned sales plus buffer."""
    units = tree.cells["units"].to_numpy()
    ok = units > 0
    if not ok.any():
        return -np.inf
    need = logsumexp(point.o[ok], b=units[ok]) - np.log(units[ok].sum()) + np.log1p(buffer)
    return float(need - point.x[SEATS_LEVER] - point.x[tree.productivity])


def _build(tree: DriverTree, sense: int, cuts: list[np.ndarray], buffer: float,
           raise_cap: tuple[str, float] | None) -> Problem:
    prob = pulp.LpProblem("drivers", sense)
    x: dict[str, pulp.LpAffineExpression] = {}
    pieces: dict[str, list[pulp.LpVariable]] = {}
    for i, lever in enumerate(tree.levers.values()):
        if lever.fixed:
            x[lever.name] = pulp.LpAffineExpression(constant=lever.lo)
            continue
        widths = [w for w, _ in lever.pieces]
        if raise_cap and raise_cap[0] == lever.name:
            widths[-1] += max(0.0, raise_cap[1] - lever.hi)
        pieces[lever.name] = [pulp.LpVariable(f"z_{i}_{j}", 0, w) for j, w in enumerate(widths)]
        x[lever.name] = pulp.lpSum(pieces[lever.name]) + lever.lo
    problem = Problem(prob, x, pieces)
    units = tree.cells["units"].to_numpy()
    ok = np.flatnonzero(units > 0)
    orders = tree.cell_levers(ORDER_KINDS)
    supply = x[SEATS_LEVER] + x[tree.productivity]
    for j, anchor in enumerate(cuts):  # tangent of log-sum-exp at each anchor
        w = units[ok] * np.exp(anchor[ok])
        pi = w / w.sum()
        lse = float(np.log(w.sum()) - np.log(units[ok].sum()))
        lhs = pulp.lpSum(p * pulp.lpSum(x[k] for k in orders[c]) for p, c in zip(pi, ok,
                                                                              strict=True))
        con = supply - lhs >= lse - float(pi @ anchor[ok]) + float(np.log1p(buffer))
        prob += con, f"capacity_{j}"
        problem.capacity.append(con)
    return problem


def _cell_exprs(tree: DriverTree, problem: Problem, kinds: tuple[str, ...]
                ) -> list[pulp.LpAffineExpression]:
    return [pulp.lpSum(problem.x[k] for k in row) for row in tree.cell_levers(kinds)]


def _linear_rev_units(tree: DriverTree, problem: Problem, anchor: Point
                      ) -> tuple[list[pulp.LpAffineExpression], list[pulp.LpAffineExpression]]:
    w = tree.cells["amount"].to_numpy() * np.exp(anchor.s)
    u = tree.cells["units"].to_numpy() * np.exp(anchor.o)
    s_expr = _cell_exprs(tree, problem, DEMAND_KINDS)
    o_expr = _cell_exprs(tree, problem, ORDER_KINDS)
    rev = [wk * (1 + sk - ak) for wk, sk, ak in zip(w, s_expr, anchor.s, strict=True)]
    units = [uk * (1 + ok - bk) for uk, ok, bk in zip(u, o_expr, anchor.o, strict=True)]
    return rev, units


def build_cost_lp(tree: DriverTree, target: float, anchor: Point, cuts: list[np.ndarray],
                  buffer: float, mix: tuple[MixRule, ...] = ()) -> Problem:
    """Least stretch cost, with revenue linearised at ``anchor``, reaching ``target``.

    Parameters
    ----------
    tree : DriverTree
    target : float
        Company revenue to reach.
    anchor : Point
        Where ``exp`` is linearised (its tangent lies below it: an inner approximation).
    cuts : list of ndarray
        Points (log sales multiples per cell) at which the capacity constraint is cut.
    buffer : float
        Over-assignment buffer that capacity must also cover.
    mix : tuple of MixRule
        Margin-tier rules on company revenue or units.

    Returns
    -------
    Problem
    """
    problem = _build(tree, pulp.LpMinimize, cuts, buffer, None)
    problem.prob += pulp.lpSum(
        slope * z
        for name, zs in problem.pieces.items()
        for z, (_, slope) in zip(zs, tree.levers[name].pieces, strict=True)
    )
    rev, units = _linear_rev_units(tree, problem, anchor)
    problem.target = pulp.lpSum(rev) >= target
    problem.prob += problem.target, "target"
    add_mix_rows(problem.prob, rev, units, tree.cells["margin_tier"].to_numpy(), mix)
    return problem


def build_reach_lp(tree: DriverTree, anchor: Point, cuts: list[np.ndarray], buffer: float,
                   mix: tuple[MixRule, ...] = (),
                   raise_cap: tuple[str, float] | None = None) -> Problem:
    """Largest revenue, linearised at ``anchor``, under caps, capacity and mix rules."""
    problem = _build(tree, pulp.LpMaximize, cuts, buffer, raise_cap)
    rev, units = _linear_rev_units(tree, problem, anchor)
    # a tiny pull on productivity so it rises only as far as needed
    problem.prob += pulp.lpSum(rev) - 1e-9 * problem.x[tree.productivity]
    add_mix_rows(problem.prob, rev, units, tree.cells["margin_tier"].to_numpy(), mix)
    return problem


def _solve(problem: Problem, tree: DriverTree, time_limit: float) -> Point | None:
    status = solve_pulp(problem.prob, time_limit)
    if status is SolveStatus.INFEASIBLE:
        return None
    if status is not SolveStatus.OPTIMAL:
        raise ModelError(f"driver model: solver ended with status '{status.value}'")
    return point_of(tree, {k: float(pulp.value(v)) for k, v in problem.x.items()})


def _feasible(tree: DriverTree, point: Point, buffer: float, mix: tuple[MixRule, ...]) -> bool:
    rev = tree.cells["amount"].to_numpy() * np.exp(point.s)
    units = tree.cells["units"].to_numpy() * np.exp(point.o)
    return (capacity_gap(tree, point, buffer) <= 1e-9
            and mix_violation(rev, units, tree.cells["margin_tier"].to_numpy(), mix) <= 1e-7)


def _settle(tree: DriverTree, point: Point, buffer: float) -> Point:
    """Raise productivity to close a tiny remaining capacity gap exactly."""
    gap = capacity_gap(tree, point, buffer)
    if gap <= 0:
        return point
    x = dict(point.x)
    x[tree.productivity] = min(x[tree.productivity] + gap,
                               tree.levers[tree.productivity].hi)
    return point_of(tree, x)


def reach(tree: DriverTree, buffer: float, time_limit: float, mix: tuple[MixRule, ...] = (),
          raise_cap: tuple[str, float] | None = None, iterations: int = 40
          ) -> tuple[Point | None, list[np.ndarray]]:
    """Largest revenue the levers can give, and the capacity cuts found on the way.

    Returns ``(None, cuts)`` when no point meets capacity and the mix rules.
    """
    zero = point_of(tree, {k: (lv.lo if lv.fixed else max(lv.lo, min(0.0, lv.hi)))
                           for k, lv in tree.levers.items()})
    anchor, cuts = zero, [np.zeros(len(tree.cells))]
    best: Point | None = None
    for _ in range(iterations):
        point = _solve(build_reach_lp(tree, anchor, cuts, buffer, mix, raise_cap), tree,
                       time_limit)
        if point is None:
            break
        point = _settle(tree, point, buffer)
        if _feasible(tree, point, buffer, mix) and (
                best is None or point.revenue(tree) > best.revenue(tree) * (1 + 1e-10)):
            best = point
        if capacity_gap(tree, point, buffer) > 1e-9:
            cuts.append(point.o.copy())
        elif np.max(np.abs(point.s - anchor.s), initial=0.0) < 1e-9:
            break
        anchor = point
    return best, cuts


def least_cost(tree: DriverTree, target: float, start: Point, cuts: list[np.ndarray],
               buffer: float, time_limit: float, mix: tuple[MixRule, ...] = (),
               iterations: int = 80, tol: float = 1e-9) -> tuple[Point, Problem]:
    """Sequential LP from a point that reaches the target; returns the last LP too."""
    anchor, problem = start, None
    for _ in range(iterations):
        problem = build_cost_lp(tree, target, anchor, cuts, buffer, mix)
        point = _solve(problem, tree, time_limit)
        if point is None:
            break
        settled = _settle(tree, point, buffer)
        if capacity_gap(tree, settled, buffer) > 1e-9:
            cuts.append(point.o.copy())
            continue
        moved = float(np.max(np.abs(settled.s - anchor.s), initial=0.0))
        if _feasible(tree, settled, buffer, mix) and settled.revenue(tree) >= target * (1 - 1e-9):
            anchor = settled
        else:
            cuts.append(point.o.copy())
            continue
        if moved < tol:
            break
    if problem is None:
        raise ModelError("driver model: no iteration ran")
    return anchor, problem
