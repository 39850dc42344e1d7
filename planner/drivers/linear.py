"""The driver model's rows in log-uplift space, linearised at a point.

Every constraint of the driver LP is a row ``coef . x (>= or <=) rhs`` over the levers'
log-uplifts ``x`` (one entry per lever, fixed levers included). The PuLP builder
(:mod:`planner.drivers.model`) and the warm-started sweep engine
(:mod:`planner.drivers.sweep`) both take their rows from here, so the model's
algebra lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.drivers.mix import bounds_of
from planner.drivers.tree import SEATS_LEVER, DriverTree
from planner.scenario.model import MixRule
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
    tiers : ndarray
        Margin tier per cell.
    seats, productivity : int
        Columns of the capacity levers.
    """

    names: list[str]
    demand: np.ndarray
    orders: np.ndarray
    amount: np.ndarray
    units: np.ndarray
    tiers: np.ndarray
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
                   tree.cells["margin_tier"].to_numpy(), col[SEATS_LEVER],
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


def mix_rows(alg: Algebra, anchor: np.ndarray, mix: tuple[MixRule, ...]) -> list[Row]:
    """Margin-tier rules on revenue and units, linearised at ``anchor`` (exact there)."""
    s0, o0 = alg.s(anchor), alg.o(anchor)
    w = alg.amount * np.exp(s0)
    u = alg.units * np.exp(o0)
    rows = []
    for i, rule in enumerate(mix):
        inside = (alg.tiers == rule.tier).astype(float)
        for j, (measure, sense, value) in enumerate(bounds_of(rule)):
            if measure == "units":
                weight, base, matrix, const = inside * u, o0, alg.orders, value
            elif measure == "share":
                weight, base, matrix, const = (inside - value) * w, s0, alg.demand, 0.0
            else:
                weight, base, matrix, const = inside * w, s0, alg.demand, value
            rhs = const - float(weight @ (1.0 - base))
            rows.append(Row(f"mix_{i}_{j}", matrix.T @ weight, ">=" if sense == "min" else "<=",
                            rhs))
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
