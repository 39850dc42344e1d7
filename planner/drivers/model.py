"""The driver LP: uplifts per lever that reach the target at the least stretch cost.

Company revenue is ``sum_k R_k exp(s_k)`` over cells ``k`` (product x segment), with
``s_k`` the sum of the log-uplifts ``x_l`` of the levers acting on the cell. Reaching
the target is not convex in ``s``; we keep an exact LP by sequential linearisation
(DESIGN.md section 4, option 2): replace ``exp`` by its tangent at the current point,
which is an inner approximation (every iterate truly reaches the target), and
re-solve until the point stops moving. Capacity: seats and productivity must grow at
least as much as each cell's number of sales, plus the over-assignment buffer.

Builders are pure (data in, PuLP problem out); :func:`solve_lp` runs them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pulp

from planner.drivers.tree import SEATS_LEVER, DriverTree
from planner.errors import ModelError
from planner.scenario.schema import DEMAND_KINDS, ORDER_KINDS
from planner.solver import SolveStatus, solve_pulp


@dataclass
class LeverVars:
    """Handles into a built problem: the log-uplift expression per lever."""

    x: dict[str, pulp.LpAffineExpression]
    pieces: dict[str, list[pulp.LpVariable]]
    capacity: dict[tuple[str, ...], pulp.LpConstraint]
    target: pulp.LpConstraint | None = None


@dataclass(frozen=True)
class Point:
    """Log-uplift of every lever, and what it gives per cell."""

    x: dict[str, float]
    s: np.ndarray  # log multiple of revenue per cell
    o: np.ndarray  # log multiple of sales count per cell

    def revenue(self, tree: DriverTree) -> float:
        """Revenue this point gives, multiplied out through the tree (exact)."""
        return float((tree.cells["amount"].to_numpy() * np.exp(self.s)).sum())


def _incidence(tree: DriverTree, kinds: tuple[str, ...]) -> list[list[str]]:
    return tree.cell_levers(kinds)


def point_of(tree: DriverTree, x: dict[str, float]) -> Point:
    """Multiply a lever assignment out through the tree."""
    s = np.array([sum(x[name] for name in row) for row in _incidence(tree, DEMAND_KINDS)])
    o = np.array([sum(x[name] for name in row) for row in _incidence(tree, ORDER_KINDS)])
    return Point(dict(x), s, o)


def _variables(tree: DriverTree, prob: pulp.LpProblem,
               raise_cap: tuple[str, float] | None) -> LeverVars:
    x: dict[str, pulp.LpAffineExpression] = {}
    pieces: dict[str, list[pulp.LpVariable]] = {}
    for i, lever in enumerate(tree.levers.values()):
        if lever.fixed:
            x[lever.name] = pulp.LpAffineExpression(constant=lever.lo)
            continue
        widths = [w for w, _ in lever.pieces]
        if raise_cap and raise_cap[0] == lever.name:
            widths[-1] += max(0.0, raise_cap[1] - lever.hi)
        zs = [pulp.LpVariable(f"z_{i}_{j}", 0, w) for j, w in enumerate(widths)]
        pieces[lever.name] = zs
        x[lever.name] = pulp.lpSum(zs) + lever.lo
    capacity = {}
    supply = x[SEATS_LEVER] + x[tree.productivity]
    for row in {tuple(sorted(r)) for r in _incidence(tree, ORDER_KINDS)}:
        capacity[row] = supply - pulp.lpSum(x[name] for name in row)
    handles = LeverVars(x, pieces, {})
    for j, (row, expr) in enumerate(sorted(capacity.items())):
        con = expr >= 0.0
        prob += con, f"capacity_{j}"
        handles.capacity[row] = con
    return handles


def _set_buffer(handles: LeverVars, buffer: float) -> None:
    for con in handles.capacity.values():
        con.constant = -math.log1p(buffer)


def build_cost_lp(tree: DriverTree, target: float, anchor: np.ndarray,
                  buffer: float) -> tuple[pulp.LpProblem, LeverVars]:
    """Least stretch cost subject to the target linearised at ``anchor``.

    Parameters
    ----------
    tree : DriverTree
    target : float
        Company revenue to reach.
    anchor : ndarray
        Log multiple per cell at which ``exp`` is linearised.
    buffer : float
        Over-assignment buffer that capacity must also cover.

    Returns
    -------
    (pulp.LpProblem, LeverVars)
    """
    prob = pulp.LpProblem("drivers_cost", pulp.LpMinimize)
    h = _variables(tree, prob, None)
    _set_buffer(h, buffer)
    prob += pulp.lpSum(
        slope * z
        for name, zs in h.pieces.items()
        for z, (_, slope) in zip(zs, tree.levers[name].pieces, strict=True)
    )
    weights = tree.cells["amount"].to_numpy() * np.exp(anchor)
    s_expr = [pulp.lpSum(h.x[name] for name in row) for row in _incidence(tree, DEMAND_KINDS)]
    lhs = pulp.lpSum(w * (s - a) for w, s, a in zip(weights, s_expr, anchor, strict=True))
    h.target = lhs >= target - float(weights.sum())
    prob += h.target, "target"
    return prob, h


def build_reach_lp(tree: DriverTree, weights: np.ndarray, buffer: float,
                   raise_cap: tuple[str, float] | None = None
                   ) -> tuple[pulp.LpProblem, LeverVars]:
    """Largest weighted log multiple under caps and capacity (for reachability).

    Parameters
    ----------
    tree : DriverTree
    weights : ndarray
        Weight of each cell's log multiple (the gradient of revenue).
    buffer : float
        Over-assignment buffer capacity must cover.
    raise_cap : (str, float), optional
        A lever name and a higher log cap to try.

    Returns
    -------
    (pulp.LpProblem, LeverVars)
    """
    prob = pulp.LpProblem("drivers_reach", pulp.LpMaximize)
    h = _variables(tree, prob, raise_cap)
    _set_buffer(h, buffer)
    s_expr = [pulp.lpSum(h.x[name] for name in row) for row in _incidence(tree, DEMAND_KINDS)]
    # a tiny pull on productivity so it rises only as far as needed
    prob += pulp.lpSum(w * s for w, s in zip(weights, s_expr, strict=True)) - 1e-9 * h.x[
        tree.productivity]
    return prob, h


def reach(tree: DriverTree, buffer: float, time_limit: float,
          raise_cap: tuple[str, float] | None = None, iterations: int = 8) -> Point | None:
    """Largest revenue the levers can give (sequential LP on the revenue gradient).

    Returns None when even last year's volume cannot be covered by capacity.
    """
    amounts = tree.cells["amount"].to_numpy()
    weights = amounts.copy()
    best: Point | None = None
    for _ in range(iterations):
        prob, h = build_reach_lp(tree, weights, buffer, raise_cap)
        status = solve_pulp(prob, time_limit)
        if status is SolveStatus.INFEASIBLE:
            return None
        if status is not SolveStatus.OPTIMAL:
            raise ModelError(f"driver model: solver ended with status '{status.value}'")
        point = point_of(tree, {k: float(pulp.value(v)) for k, v in h.x.items()})
        if best is not None and point.revenue(tree) <= best.revenue(tree) * (1 + 1e-12):
            break
        best = point
        weights = amounts * np.exp(point.s)
    return best


def least_cost(tree: DriverTree, target: float, start: Point, buffer: float,
               time_limit: float, iterations: int = 50, tol: float = 1e-9
               ) -> tuple[Point, pulp.LpProblem, LeverVars]:
    """Sequential LP from a point that reaches the target; every iterate reaches it too."""
    anchor = start.s
    for _ in range(iterations):
        prob, h = build_cost_lp(tree, target, anchor, buffer)
        status = solve_pulp(prob, time_limit)
        if status is not SolveStatus.OPTIMAL:
            raise ModelError(f"driver model: solver ended with status '{status.value}' "
                             "on a target known to be reachable")
        point = point_of(tree, {k: float(pulp.value(v)) for k, v in h.x.items()})
        moved = float(np.max(np.abs(point.s - anchor))) if len(anchor) else 0.0
        anchor = point.s
        if moved < tol:
            break
    return point, prob, h
