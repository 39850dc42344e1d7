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
from planner.scenario.model import MixRule
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


def _add_mix(prob: pulp.LpProblem, h: LeverVars, tree: DriverTree, anchor: Point | None,
             mix: tuple[MixRule, ...]) -> None:
    """Margin-tier rules on revenue and units, linearised at ``anchor`` (exact there)."""
    if not mix:
        return
    a_s = anchor.s if anchor is not None else np.zeros(len(tree.cells))
    a_o = anchor.o if anchor is not None else np.zeros(len(tree.cells))
    w = tree.cells["amount"].to_numpy() * np.exp(a_s)
    u = tree.cells["units"].to_numpy() * np.exp(a_o)
    s_expr = [pulp.lpSum(h.x[name] for name in row) for row in _incidence(tree, DEMAND_KINDS)]
    o_expr = [pulp.lpSum(h.x[name] for name in row) for row in _incidence(tree, ORDER_KINDS)]
    rev = [wk * (1 + sk - ak) for wk, sk, ak in zip(w, s_expr, a_s, strict=True)]
    units = [uk * (1 + ok - bk) for uk, ok, bk in zip(u, o_expr, a_o, strict=True)]
    tier = tree.cells["margin_tier"].to_numpy() if "margin_tier" in tree.cells else np.array(
        ["standard"] * len(tree.cells))
    for i, rule in enumerate(mix):
        inside = [k for k in range(len(tier)) if tier[k] == rule.tier]
        tier_rev = pulp.lpSum(rev[k] for k in inside)
        tier_units = pulp.lpSum(units[k] for k in inside)
        total = pulp.lpSum(rev)
        checks = (
            (rule.min_share, lambda v: tier_rev - v * total >= 0),
            (rule.max_share, lambda v: tier_rev - v * total <= 0),
            (rule.min_amount, lambda v: tier_rev >= v),
            (rule.max_amount, lambda v: tier_rev <= v),
            (rule.min_units, lambda v: tier_units >= v),
            (rule.max_units, lambda v: tier_units <= v),
        )
        for j, (value, make) in enumerate(checks):
            if value is not None:
                prob += make(value), f"mix_{i}_{j}"


def _set_buffer(handles: LeverVars, buffer: float) -> None:
    for con in handles.capacity.values():
        con.constant = -math.log1p(buffer)


def build_cost_lp(tree: DriverTree, target: float, anchor: Point, buffer: float,
                  mix: tuple[MixRule, ...] = ()) -> tuple[pulp.LpProblem, LeverVars]:
    """Least stretch cost subject to the target linearised at ``anchor``.

    Parameters
    ----------
    tree : DriverTree
    target : float
        Company revenue to reach.
    anchor : Point
        Where ``exp`` is linearised (the tangent is below ``exp``: an inner approximation).
    buffer : float
        Over-assignment buffer that capacity must also cover.
    mix : tuple of MixRule
        Margin-tier rules on company revenue or units.

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
    weights = tree.cells["amount"].to_numpy() * np.exp(anchor.s)
    s_expr = [pulp.lpSum(h.x[name] for name in row) for row in _incidence(tree, DEMAND_KINDS)]
    lhs = pulp.lpSum(w * (s - a) for w, s, a in zip(weights, s_expr, anchor.s, strict=True))
    h.target = lhs >= target - float(weights.sum())
    prob += h.target, "target"
    _add_mix(prob, h, tree, anchor, mix)
    return prob, h


def build_reach_lp(tree: DriverTree, anchor: Point | None, buffer: float,
                   mix: tuple[MixRule, ...] = (),
                   raise_cap: tuple[str, float] | None = None
                   ) -> tuple[pulp.LpProblem, LeverVars]:
    """Largest revenue, linearised at ``anchor``, under caps, capacity and mix rules.

    Parameters
    ----------
    tree : DriverTree
    anchor : Point or None
        Where revenue is linearised (None: last year).
    buffer : float
        Over-assignment buffer capacity must cover.
    mix : tuple of MixRule
        Margin-tier rules.
    raise_cap : (str, float), optional
        A lever name and a higher log cap to try.

    Returns
    -------
    (pulp.LpProblem, LeverVars)
    """
    prob = pulp.LpProblem("drivers_reach", pulp.LpMaximize)
    h = _variables(tree, prob, raise_cap)
    _set_buffer(h, buffer)
    a_s = anchor.s if anchor is not None else np.zeros(len(tree.cells))
    weights = tree.cells["amount"].to_numpy() * np.exp(a_s)
    s_expr = [pulp.lpSum(h.x[name] for name in row) for row in _incidence(tree, DEMAND_KINDS)]
    # a tiny pull on productivity so it rises only as far as needed
    prob += pulp.lpSum(w * s for w, s in zip(weights, s_expr, strict=True)) - 1e-9 * h.x[
        tree.productivity]
    _add_mix(prob, h, tree, anchor, mix)
    return prob, h


def _solve_point(prob: pulp.LpProblem, h: LeverVars, tree: DriverTree,
                 time_limit: float) -> Point | None:
    status = solve_pulp(prob, time_limit)
    if status is SolveStatus.INFEASIBLE:
        return None
    if status is not SolveStatus.OPTIMAL:
        raise ModelError(f"driver model: solver ended with status '{status.value}'")
    return point_of(tree, {k: float(pulp.value(v)) for k, v in h.x.items()})


def mix_violation(tree: DriverTree, point: Point, mix: tuple[MixRule, ...]) -> float:
    """Largest relative violation of the mix rules at ``point`` (exact, not linearised)."""
    if not mix:
        return 0.0
    rev = tree.cells["amount"].to_numpy() * np.exp(point.s)
    units = tree.cells["units"].to_numpy() * np.exp(point.o)
    tier = tree.cells["margin_tier"].to_numpy()
    worst = 0.0
    for rule in mix:
        r, u, total = rev[tier == rule.tier].sum(), units[tier == rule.tier].sum(), rev.sum()
        share = r / total if total else 0.0
        for value, gap in ((rule.min_share, lambda v: v - share),
                           (rule.max_share, lambda v: share - v),
                           (rule.min_amount, lambda v: (v - r) / max(v, 1.0)),
                           (rule.max_amount, lambda v: (r - v) / max(v, 1.0)),
                           (rule.min_units, lambda v: (v - u) / max(v, 1.0)),
                           (rule.max_units, lambda v: (u - v) / max(v, 1.0))):
            if value is not None:
                worst = max(worst, gap(value))
    return worst


def reach(tree: DriverTree, buffer: float, time_limit: float, mix: tuple[MixRule, ...] = (),
          raise_cap: tuple[str, float] | None = None, iterations: int = 12) -> Point | None:
    """Largest revenue the levers can give (sequential LP on the revenue gradient).

    Returns None when capacity cannot cover even last year's sales, or the mix rules
    cannot be met.
    """
    anchor: Point | None = None
    best: Point | None = None
    for _ in range(iterations):
        prob, h = build_reach_lp(tree, anchor, buffer, mix, raise_cap)
        point = _solve_point(prob, h, tree, time_limit)
        if point is None:
            return best
        improved = best is None or point.revenue(tree) > best.revenue(tree) * (1 + 1e-10)
        feasible = mix_violation(tree, point, mix) <= 1e-7
        if feasible and improved:
            best = point
        if anchor is not None and np.max(np.abs(point.s - anchor.s), initial=0.0) < 1e-9:
            break
        anchor = point
    return best


def least_cost(tree: DriverTree, target: float, start: Point, buffer: float,
               time_limit: float, mix: tuple[MixRule, ...] = (), iterations: int = 60,
               tol: float = 1e-9) -> tuple[Point, pulp.LpProblem, LeverVars]:
    """Sequential LP from a point that reaches the target; every iterate reaches it too."""
    anchor = start
    for _ in range(iterations):
        prob, h = build_cost_lp(tree, target, anchor, buffer, mix)
        point = _solve_point(prob, h, tree, time_limit)
        if point is None:
            raise ModelError("driver model: the linearised problem became infeasible at a "
                             "point known to reach the target")
        moved = float(np.max(np.abs(point.s - anchor.s), initial=0.0))
        anchor = point
        if moved < tol:
            break
    return anchor, prob, h
