"""The driver LP: uplifts per lever that reach the target at the least stretch cost.

Company revenue is ``sum_k R_k exp(s_k)`` over cells ``k`` (product x segment), with
``s_k`` the sum of the log-uplifts ``x_l`` of the levers acting on the cell. Reaching
the target is not convex in ``s``; we keep an exact LP by sequential linearisation
(DESIGN.md section 4, option 2): replace ``exp`` by its tangent at the current point,
an inner approximation (every iterate truly reaches the target), and re-solve until
the point stops moving.

Capacity: seats x productivity must cover the company's number of sales plus the
over-assignment buffer. That constraint is convex (log-sum-exp), so we add its
tangent cuts at the points visited (:func:`planner.drivers.linear.capacity_cut`) and
at the end raise productivity to close any remaining gap exactly.

The rows come from :mod:`planner.drivers.linear`; this module builds them into PuLP
problems (pure builders) and runs the iterations with HiGHS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pulp

from planner.drivers.linear import (
    Algebra,
    Row,
    capacity_cut,
    capacity_gap,
    revenue_gradient,
    rule_cuts,
    rule_rows,
    target_row,
)
from planner.drivers.mix import CellRule, rule_violation
from planner.drivers.tree import DriverTree
from planner.errors import ModelError
from planner.solver import SolveStatus, solve_pulp

#: Capacity may fall short of the planned sales by this much in log (1e-7 = 0.00001%):
#: solver noise, far below anything a plan could show.
CAPACITY_TOL = 1e-7


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


@dataclass
class Problem:
    """A built driver LP and handles into it."""

    prob: pulp.LpProblem
    x: list[pulp.LpAffineExpression]
    rows: dict[str, pulp.LpConstraint] = field(default_factory=dict)


def build_lp(tree: DriverTree, rows: list[Row], objective: np.ndarray | None = None,
             raise_cap: dict[str, float] | None = None) -> Problem:
    """Build the driver LP from rows over the levers' log-uplifts.

    Parameters
    ----------
    tree : DriverTree
        Levers with their bounds and stretch-cost pieces.
    rows : list of Row
        Constraints (target, mix, capacity cuts).
    objective : ndarray, optional
        Maximise ``objective . x``; by default minimise the stretch cost.
    raise_cap : dict of str to float, optional
        Higher log caps to try, by lever name.

    Returns
    -------
    Problem
    """
    sense = pulp.LpMinimize if objective is None else pulp.LpMaximize
    prob = pulp.LpProblem("drivers", sense)
    x: list[pulp.LpAffineExpression] = []
    cost = []
    for i, lever in enumerate(tree.levers.values()):
        if lever.fixed:
            x.append(pulp.LpAffineExpression(constant=lever.lo))
            continue
        widths = [w for w, _ in lever.pieces]
        if raise_cap and lever.name in raise_cap:
            widths[-1] += max(0.0, raise_cap[lever.name] - lever.hi)
        zs = [pulp.LpVariable(f"z_{i}_{j}", 0, w) for j, w in enumerate(widths)]
        cost += [slope * z for z, (_, slope) in zip(zs, lever.pieces, strict=True)]
        x.append(pulp.lpSum(zs) + lever.lo)
    if objective is None:
        prob += pulp.lpSum(cost)
    else:  # a tiny pull on the stretch cost so levers rise only as far as they help
        prob += pulp.lpSum(c * xi for c, xi in zip(objective, x, strict=True) if c) - (
            1e-9 * pulp.lpSum(cost))
    problem = Problem(prob, x)
    for row in rows:
        expr = pulp.lpSum(c * xi for c, xi in zip(row.coef, x, strict=True) if c)
        con = expr >= row.rhs if row.sense == ">=" else expr <= row.rhs
        prob += con, row.name
        problem.rows[row.name] = con
    return problem


class Backend(Protocol):
    """Solves the driver LP for a set of rows; the last solve's duals by row name."""

    def solve(self, rows: list[Row], objective: np.ndarray | None = None,
              raise_cap: dict[str, float] | None = None) -> np.ndarray | None:
        """Return the levers' log-uplifts, or None when infeasible."""

    def duals(self) -> dict[str, float]:
        """Duals of the last solve's rows."""


class PulpBackend:
    """Builds each LP with PuLP and solves it with HiGHS (CBC as a fallback)."""

    def __init__(self, tree: DriverTree, time_limit: float) -> None:
        self.tree, self.time_limit = tree, time_limit
        self.problem: Problem | None = None

    def solve(self, rows: list[Row], objective: np.ndarray | None = None,
              raise_cap: dict[str, float] | None = None) -> np.ndarray | None:
        """Build and solve; None when infeasible."""
        self.problem = build_lp(self.tree, rows, objective, raise_cap)
        status = solve_pulp(self.problem.prob, self.time_limit)
        if status is SolveStatus.INFEASIBLE:
            return None
        if status is not SolveStatus.OPTIMAL:
            raise ModelError(f"driver model: solver ended with status '{status.value}'")
        return np.array([float(pulp.value(e)) for e in self.problem.x])

    def duals(self) -> dict[str, float]:
        """Duals of the last LP's rows."""
        if self.problem is None:
            return {}
        return {name: float(c.pi or 0.0) for name, c in self.problem.rows.items()}


def _feasible(alg: Algebra, x: np.ndarray, buffer: float, mix: tuple[CellRule, ...]) -> bool:
    rev = alg.amount * np.exp(alg.s(x))
    units = alg.units * np.exp(alg.o(x))
    return (capacity_gap(alg, x, buffer) <= CAPACITY_TOL
            and rule_violation(rev, units, alg.groups, mix) <= 1e-7)


def _cuts_at(alg: Algebra, x: np.ndarray, buffer: float, rules: tuple[CellRule, ...],
             index: int) -> list[Row]:
    """Cuts that separate an infeasible point: capacity, and upper bounds of the rules."""
    return [capacity_cut(alg, alg.o(x), buffer, index), *rule_cuts(alg, x, rules, str(index))]


def settle(tree: DriverTree, alg: Algebra, x: np.ndarray, buffer: float) -> np.ndarray:
    """Raise productivity to close a tiny remaining capacity gap exactly."""
    gap = capacity_gap(alg, x, buffer)
    if gap <= 0:
        return x
    out = x.copy()
    hi = tree.levers[tree.productivity].hi
    out[alg.productivity] = min(out[alg.productivity] + gap, hi)
    return out


def start_point(tree: DriverTree) -> np.ndarray:
    """Every lever at no uplift (or its nearest bound)."""
    return np.array([lv.lo if lv.fixed else float(np.clip(0.0, lv.lo, lv.hi))
                     for lv in tree.levers.values()])


def reach(tree: DriverTree, buffer: float, time_limit: float, mix: tuple[CellRule, ...] = (),
          raise_cap: dict[str, float] | None = None, iterations: int = 40,
          backend: Backend | None = None) -> tuple[Point | None, list[Row]]:
    """Largest revenue the levers can give, and the capacity cuts found on the way.

    Returns ``(None, cuts)`` when no point meets capacity and the mix rules.
    """
    backend = backend or PulpBackend(tree, time_limit)
    alg = Algebra.of(tree)
    anchor = start_point(tree)
    cuts = [capacity_cut(alg, alg.o(anchor), buffer, 0)]
    best: np.ndarray | None = None
    for _ in range(iterations):
        rows = [*rule_rows(alg, anchor, mix), *cuts]
        x = backend.solve(rows, revenue_gradient(alg, anchor), raise_cap)
        if x is None:
            break
        x = settle(tree, alg, x, buffer)
        revenue = float(alg.amount @ np.exp(alg.s(x)))
        if _feasible(alg, x, buffer, mix) and (
                best is None or revenue > float(alg.amount @ np.exp(alg.s(best))) * (1 + 1e-10)):
            best = x
        if not _feasible(alg, x, buffer, mix):
            cuts += _cuts_at(alg, x, buffer, mix, len(cuts))
        elif np.max(np.abs(alg.s(x) - alg.s(anchor)), initial=0.0) < 1e-9:
            break
        anchor = x
    return (None if best is None else point_of(alg, best)), cuts


def least_cost(tree: DriverTree, target: float, start: Point, cuts: list[Row], buffer: float,
               time_limit: float, mix: tuple[CellRule, ...] = (), iterations: int = 80,
               tol: float = 1e-9, backend: Backend | None = None) -> tuple[Point, dict[str, float]]:
    """Sequential LP from a point that reaches the target; returns the last LP's duals too."""
    backend = backend or PulpBackend(tree, time_limit)
    alg = Algebra.of(tree)
    anchor = np.array([start.x[name] for name in alg.names])
    duals: dict[str, float] | None = None
    for _ in range(iterations):
        rows = [target_row(alg, anchor, target), *rule_rows(alg, anchor, mix), *cuts]
        x = backend.solve(rows)
        if x is None:
            break
        duals = backend.duals()
        settled = settle(tree, alg, x, buffer)
        revenue = float(alg.amount @ np.exp(alg.s(settled)))
        if not (_feasible(alg, settled, buffer, mix) and revenue >= target * (1 - 1e-9)):
            cuts += _cuts_at(alg, x, buffer, mix, len(cuts))
            continue
        moved = float(np.max(np.abs(alg.s(settled) - alg.s(anchor)), initial=0.0))
        anchor = settled
        if moved < tol:
            break
    if duals is None:
        raise ModelError("driver model: the linearised problem was infeasible at a point "
                         "known to reach the target")
    return point_of(alg, anchor), duals
