"""The driver model's rows in log-uplift space, linearised at a point.

Every constraint of the driver LP is a row ``coef . x (>= or <=) rhs`` over the levers'
log-uplifts ``x`` (one entry per lever, fixed levers included). The iterations
(:mod:`planner.drivers.search`) take their rows from here and hand them to the one
engine (:mod:`planner.drivers.backend`), so the model's algebra lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.drivers.rules import CellRule
from planner.drivers.tree import SEATS_LEVER, DriverTree
from planner.scenario.schema import DEMAND_KINDS, ORDER_KINDS


@dataclass(frozen=True)
class Row:
    """``coef . x >= rhs`` (sense ``">="``) or ``coef . x <= rhs`` (``"<="``)."""

    name: str
    coef: np.ndarray
    sense: str
    rhs: float


@dataclass(frozen=True)
class Algebra:
    """Incidence of levers on cells, and the cells' baselines, as arrays.

    Attributes
    ----------
    names : list of str
        Lever names, in column order.
    demand, orders : ndarray
        Cells x levers 0/1 matrices: the levers acting on revenue, and on the number
        of sales.
    amount, units : ndarray
        Last year's revenue and number of sales per cell.
    groups : dict of str to ndarray
        Each cell's ``margin_tier`` and ``product`` (for mix and supply rules).
    seats, productivity : int
        Columns of the capacity levers.
    """

    names: list[str]
    demand: np.ndarray
    orders: np.ndarray
    amount: np.ndarray
    units: np.ndarray
    groups: dict[str, np.ndarray]
    seats: int
    productivity: int

    @classmethod
    def of(cls, tree: DriverTree) -> Algebra:
        """Arrays of a driver tree."""
        names = list(tree.levers)
        col = {name: i for i, name in enumerate(names)}

        def incidence(kinds: tuple[str, ...]) -> np.ndarray:
            m = np.zeros((len(tree.cells), len(names)))
            for k, row in enumerate(tree.cell_levers(kinds)):
                for name in row:
                    m[k, col[name]] = 1.0
            return m

        return cls(names, incidence(DEMAND_KINDS), incidence(ORDER_KINDS),
                   tree.cells["amount"].to_numpy(float), tree.cells["units"].to_numpy(float),
                   {key: tree.cells[key].to_numpy() for key in ("margin_tier", "product")},
                   col[SEATS_LEVER],
                   col[tree.productivity])

    def s(self, x: np.ndarray) -> np.ndarray:
        """Log revenue multiple per cell."""
        return self.demand @ x

    def o(self, x: np.ndarray) -> np.ndarray:
        """Log multiple of the number of sales per cell."""
        return self.orders @ x


def target_row(alg: Algebra, anchor: np.ndarray, target: float) -> Row:
    """Revenue linearised at ``anchor`` (its tangent lies below ``exp``) reaches ``target``."""
    w = alg.amount * np.exp(alg.s(anchor))
    s0 = alg.s(anchor)
    return Row("target", alg.demand.T @ w, ">=", float(target - w @ (1.0 - s0)))


def revenue_gradient(alg: Algebra, anchor: np.ndarray) -> np.ndarray:
    """Gradient of company revenue in ``x`` at ``anchor``."""
    return alg.demand.T @ (alg.amount * np.exp(alg.s(anchor)))


def rule_rows(alg: Algebra, anchor: np.ndarray, rules: tuple[CellRule, ...]) -> list[Row]:
    """Mix and supply rules on revenue and units, linearised at ``anchor`` (exact there).

    Lower bounds and shares use the tangent of ``exp`` (below it: an inner
    approximation, like the target). Upper bounds on amount or units are convex
    log-sum-exp constraints: they get a tangent cut (:func:`rule_cuts`) instead.
    """
    s0, o0 = alg.s(anchor), alg.o(anchor)
    w = alg.amount * np.exp(s0)
    u = alg.units * np.exp(o0)
    rows = []
    for rule in rules:
        inside = (alg.groups[rule.key] == rule.group).astype(float)
        for j, (measure, sense, value) in enumerate(rule.bounds):
            if measure != "share" and sense == "max":
                continue
            if measure == "units":
                weight, base, matrix, const = inside * u, o0, alg.orders, value
            elif measure == "share":
                weight, base, matrix, const = (inside - value) * w, s0, alg.demand, 0.0
            else:
                weight, base, matrix, const = inside * w, s0, alg.demand, value
            rhs = const - float(weight @ (1.0 - base))
            rows.append(Row(f"{rule.name}_{j}", matrix.T @ weight,
                            ">=" if sense == "min" else "<=", rhs))
    return rows + rule_cuts(alg, anchor, rules, "at")


def rule_cuts(alg: Algebra, x: np.ndarray, rules: tuple[CellRule, ...], tag: str) -> list[Row]:
    """Tangent cuts at ``x`` of upper bounds on a group's amount or units.

    ``log sum_k R_k exp(s_k) <= log V`` is convex in ``s`` (log-sum-exp), so its
    tangent at any point is a valid cut; cuts at the points visited converge to it.
    """
    rows = []
    for rule in rules:
        inside = alg.groups[rule.key] == rule.group
        for j, (measure, sense, value) in enumerate(rule.bounds):
            if measure == "share" or sense != "max":
                continue
            base, level, matrix = ((alg.units, alg.o(x), alg.orders) if measure == "units"
                                   else (alg.amount, alg.s(x), alg.demand))
            ok = inside & (base > 0)
            if not ok.any():
                continue
            w = base[ok] * np.exp(level[ok])
            pi = np.zeros(len(base))
            pi[ok] = w / w.sum()
            rhs = float(np.log(max(value, 1e-300)) - np.log(w.sum()) + pi[ok] @ level[ok])
            rows.append(Row(f"{rule.name}_{j}_{tag}", matrix.T @ pi, "<=", rhs))
    return rows


def capacity_cut(alg: Algebra, orders_anchor: np.ndarray, buffer: float, index: int) -> Row:
    """Tangent cut of ``log sum_k U_k exp(o_k) - log U + log(1 + b) <= x_seats + x_prod``.

    The left side is convex in ``o``, so every tangent cut is valid (an outer
    approximation); cuts at the points visited converge to the exact constraint.
    """
    ok = alg.units > 0
    w = alg.units[ok] * np.exp(orders_anchor[ok])
    pi = np.zeros(len(alg.units))
    pi[ok] = w / w.sum()
    lse = float(np.log(w.sum()) - np.log(alg.units[ok].sum()))
    coef = -(alg.orders.T @ pi)
    coef[alg.seats] += 1.0
    coef[alg.productivity] += 1.0
    rhs = lse - float(pi[ok] @ orders_anchor[ok]) + float(np.log1p(buffer))
    return Row(f"capacity_{index}", coef, ">=", rhs)


def capacity_gap(alg: Algebra, x: np.ndarray, buffer: float) -> float:
    """How far (in log) seat capacity falls short of the planned sales plus buffer."""
    ok = alg.units > 0
    if not ok.any():
        return -np.inf
    o = alg.o(x)[ok]
    top = o.max()
    need = top + np.log((alg.units[ok] * np.exp(o - top)).sum()) - np.log(alg.units[ok].sum())
    return float(need + np.log1p(buffer) - x[alg.seats] - x[alg.productivity])


def revenue_of(alg: Algebra, x: np.ndarray) -> float:
    """Company revenue at ``x``, multiplied out through the tree (exact)."""
    return float(alg.amount @ np.exp(alg.s(x)))
