"""Independent check that the driver model returns the least-cost point of its problem.

The planner solves a sequence of LPs with cuts. Here the same problem is written down
in its exact nonlinear form (revenue as a sum of exponentials, capacity and the rules
as they are, stretch cost as the piecewise-linear function of each lever) and solved
by scipy's SLSQP from many random starts. The planner's cost must be no more than
1e-6 (relative) above the best feasible point SLSQP finds, and the planner's point
must itself be feasible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from planner.drivers import build_tree, solve_drivers
from planner.drivers.tree import DriverTree
from planner.scenario.schema import DEMAND_KINDS, ORDER_KINDS
from planner.scenario.values import LeverSpec, MixRule, SupplyRule

STARTS = 12
FEASIBLE = 1e-8


def cells() -> pd.DataFrame:
    rows = [
        # product, segment, customers, conversion, repurchase, ticket
        ("FIX", "S1", 1000.0, 0.05, 1.0, 1_000_000.0),
        ("FIX", "S2", 4000.0, 0.01, 1.0, 1_000_000.0),
        ("VAR", "S1", 1000.0, 0.10, 2.0, 50_000.0),
        ("VAR", "S2", 4000.0, 0.05, 1.5, 20_000.0),
        ("LOW", "S1", 3000.0, 0.20, 3.0, 2_000.0),
        ("LOW", "S2", 9000.0, 0.10, 2.0, 1_500.0),
    ]
    df = pd.DataFrame(rows, columns=["product", "segment", "customers", "conversion",
                                     "repurchase", "ticket"])
    df["buyers"] = df["customers"] * df["conversion"]
    df["units"] = df["buyers"] * df["repurchase"]
    df["amount"] = df["units"] * df["ticket"]
    return df


def products(df: pd.DataFrame) -> pd.DataFrame:
    out = df.groupby("product", as_index=False)[["amount", "units"]].sum()
    out["ticket_mode"] = out["product"].map({"FIX": "fixed", "VAR": "variable", "LOW": "variable"})
    out["margin_tier"] = out["product"].map({"FIX": "high", "VAR": "standard", "LOW": "low"})
    out["normalised_amount"] = out["amount"]
    return out


class Exact:
    """The driver problem of a tree, in its exact nonlinear form, over the cost pieces."""

    def __init__(self, tree: DriverTree, target: float, buffer: float,
                 mix: tuple[MixRule, ...], supply: tuple[SupplyRule, ...]) -> None:
        self.tree, self.target, self.buffer = tree, target, buffer
        names = list(tree.levers)
        col = {name: i for i, name in enumerate(names)}
        self.names = names
        k = len(tree.cells)
        self.demand = np.zeros((k, len(names)))
        self.orders = np.zeros((k, len(names)))
        for row, levers in enumerate(tree.cell_levers(DEMAND_KINDS)):
            for name in levers:
                self.demand[row, col[name]] = 1.0
        for row, levers in enumerate(tree.cell_levers(ORDER_KINDS)):
            for name in levers:
                self.orders[row, col[name]] = 1.0
        self.amount = tree.cells["amount"].to_numpy(float)
        self.units = tree.cells["units"].to_numpy(float)
        self.tier = tree.cells["margin_tier"].to_numpy()
        self.product = tree.cells["product"].to_numpy()
        self.seats, self.prod = col["seats"], col[tree.productivity]
        self.mix, self.supply = mix, supply
        # pieces: (lever column, left edge, width, slope)
        self.pieces = []
        for i, lever in enumerate(tree.levers.values()):
            left = lever.lo
            for width, slope in ([] if lever.fixed else lever.pieces):
                self.pieces.append((i, left, width, slope))
                left += width
        self.lo = np.array([lv.lo for lv in tree.levers.values()])
        self.piece_lever = np.array([p[0] for p in self.pieces])
        self.width = np.array([p[2] for p in self.pieces])
        self.slope = np.array([p[3] for p in self.pieces])

    def x_of(self, z: np.ndarray) -> np.ndarray:
        return self.lo + np.bincount(self.piece_lever, weights=z, minlength=len(self.lo))

    def z_of(self, x: np.ndarray) -> np.ndarray:
        return np.array([min(max(x[i] - left, 0.0), width)
                         for i, left, width, _ in self.pieces])

    def cost(self, x: np.ndarray) -> float:
        """Stretch cost at ``x`` (0 at no uplift): the sum over pieces of slope x fill."""
        fill = self.z_of(x)
        zero = self.z_of(np.where(self.lo < 0, 0.0, self.lo))
        return float(self.slope @ (fill - zero))

    def constraints(self, x: np.ndarray) -> np.ndarray:
        """Every constraint as ``g(x) >= 0`` (the target as an equality, separately)."""
        s, o = self.demand @ x, self.orders @ x
        rev = self.amount * np.exp(s)
        units = self.units * np.exp(o)
        out = [x[self.seats] + x[self.prod] - np.log(units.sum() / self.units.sum())
               - np.log1p(self.buffer)]
        for rule in self.mix:
            inside = self.tier == rule.tier
            r, u = rev[inside].sum(), units[inside].sum()
            if rule.min_share is not None:
                out.append(r / rev.sum() - rule.min_share)
            if rule.max_share is not None:
                out.append(rule.max_share - r / rev.sum())
            if rule.min_amount is not None:
                out.append(np.log(r / rule.min_amount))
            if rule.max_amount is not None:
                out.append(np.log(rule.max_amount / r))
            if rule.min_units is not None:
                out.append(np.log(u / rule.min_units))
            if rule.max_units is not None:
                out.append(np.log(rule.max_units / u))
        for rule in self.supply:
            inside = self.product == rule.product
            if rule.monthly_units is not None:
                out.append(np.log(12 * rule.monthly_units / units[inside].sum()))
            if rule.monthly_amount is not None:
                out.append(np.log(12 * rule.monthly_amount / rev[inside].sum()))
        return np.array(out)

    def target_gap(self, x: np.ndarray) -> float:
        return float(np.log((self.amount * np.exp(self.demand @ x)).sum() / self.target))

    def feasible(self, x: np.ndarray) -> bool:
        return (abs(self.target_gap(x)) <= FEASIBLE
                and bool(np.all(self.constraints(x) >= -FEASIBLE)))

    def best_by_slsqp(self, seed: int = 0) -> tuple[float, np.ndarray]:
        """The cheapest feasible point SLSQP finds from many random starts."""
        rng = np.random.default_rng(seed)
        bounds = [(0.0, w) for w in self.width]
        cons = [{"type": "eq", "fun": lambda z: self.target_gap(self.x_of(z))},
                {"type": "ineq", "fun": lambda z: self.constraints(self.x_of(z))}]
        best_cost, best_x = np.inf, None
        for start in range(STARTS):
            z0 = rng.uniform(0, 1, len(self.width)) * self.width if start else np.zeros_like(
                self.width)
            res = minimize(lambda z: float(self.slope @ z), z0, jac=lambda z: self.slope,
                           bounds=bounds, constraints=cons, method="SLSQP",
                           options={"maxiter": 1000, "ftol": 1e-14})
            x = self.x_of(np.clip(res.x, 0, self.width))
            if self.feasible(x) and self.cost(x) < best_cost:
                best_cost, best_x = self.cost(x), x
        assert best_x is not None, "SLSQP found no feasible point: the case is mis-specified"
        return best_cost, best_x


def check(specs: tuple[LeverSpec, ...], multiple: float, *, seat_multiple: float = 1.0,
          buffer: float = 0.0, mix: tuple[MixRule, ...] = (),
          supply: tuple[SupplyRule, ...] = ()) -> tuple[Exact, np.ndarray]:
    df = cells()
    prods = products(df)
    tree = build_tree(df, prods, specs, seat_multiple)
    total = float(df["amount"].sum())
    result = solve_drivers(tree, multiple * total, total, prods, buffer=buffer, mix=mix,
                           supply=supply)
    exact = Exact(tree, multiple * total, buffer, mix, supply)
    ours = np.array([result.point.x[name] for name in exact.names])
    assert exact.feasible(ours), (exact.target_gap(ours), exact.constraints(ours))
    best_cost, best_x = exact.best_by_slsqp()
    assert exact.cost(ours) <= best_cost + 1e-6 * max(1.0, abs(best_cost)), (
        f"planner cost {exact.cost(ours)!r} > best found {best_cost!r}: "
        f"planner {dict(zip(exact.names, np.expm1(ours).round(6), strict=True))}, "
        f"best {dict(zip(exact.names, np.expm1(best_x).round(6), strict=True))}")
    return exact, ours


def levers(**caps: float | tuple[float, float]) -> tuple[LeverSpec, ...]:
    """The four demand levers (cap, or (min, cap)); absent ones fixed at 0."""
    out = []
    for kind in ("customers", "conversion", "repurchase", "ticket"):
        if kind not in caps:
            out.append(LeverSpec(name=kind, kind=kind, fixed=0.0))
            continue
        value = caps[kind]
        low, cap = value if isinstance(value, tuple) else (0.0, value)
        out.append(LeverSpec(name=kind, kind=kind, cap=cap, min=low,
                             cost={"conversion": 3.0, "ticket": 2.0}.get(kind, 1.0)))
    return tuple(out)


def productivity(cap: float = 0.5, cost: float = 1.5) -> LeverSpec:
    return LeverSpec(name="productivity", kind="productivity", cap=cap, cost=cost)


def test_capacity_binds_and_productivity_must_rise():
    specs = levers(customers=0.6, conversion=0.1, repurchase=0.5, ticket=0.2) + (productivity(),)
    exact, x = check(specs, 1.3, seat_multiple=0.95, buffer=0.1)
    assert x[exact.prod] > 0.05  # productivity rose to carry the extra sales
    assert abs(exact.constraints(x)[0]) < 1e-7  # capacity binds at the optimum


def test_scoped_levers():
    specs = levers(customers=0.4, repurchase=0.3, ticket=0.2) + (
        productivity(cap=2.0),
        LeverSpec("customers_best", "customers", segments=("S1",), cap=0.8, cost=1.2),
        LeverSpec("repurchase_var", "repurchase", products=("VAR",), cap=1.0, cost=0.8),
    )
    check(specs, 1.8)


def test_mix_rule_binds():
    specs = levers(customers=0.6, repurchase=0.5, ticket=0.3) + (
        productivity(cap=2.0),
        LeverSpec("customers_high", "customers", products=("FIX",), cap=1.0, cost=2.5),
    )
    df = cells()
    high_share = df.query("product == 'FIX'")["amount"].sum() / df["amount"].sum()
    mix = (MixRule(tier="high", min_share=high_share + 0.05),)
    exact, x = check(specs, 1.6, mix=mix)
    assert abs(exact.constraints(x)[1]) < 1e-7  # the share rule binds


def test_lever_allowed_to_fall_with_binding_capacity_and_scoped_levers():
    """The reported case: binding capacity, scoped customers and repurchase, a fall allowed."""
    specs = levers(customers=0.6, conversion=0.1, repurchase=(-0.10, 0.4), ticket=0.2) + (
        productivity(cap=0.3),
        LeverSpec("customers_var", "customers", products=("VAR", "LOW"), cap=0.8, cost=1.0),
        LeverSpec("repurchase_s2", "repurchase", segments=("S2",), min=-0.10, cap=0.4,
                  cost=1.0),
    )
    check(specs, 1.5, seat_multiple=0.9, buffer=0.1)


def test_allowing_a_fall_never_forces_one():
    rising = levers(customers=0.6, repurchase=0.5) + (productivity(cap=2.0),)
    falling = levers(customers=0.6, repurchase=(-0.10, 0.5)) + (productivity(cap=2.0),)
    exact_r, x_r = check(rising, 1.5)
    exact_f, x_f = check(falling, 1.5)
    assert np.allclose(x_r, x_f, atol=1e-9)
    assert x_f[exact_f.names.index("repurchase")] >= 0


def test_falling_target_spreads_the_fall():
    specs = levers(customers=(-0.3, 0.4), repurchase=(-0.3, 0.4), ticket=(-0.1, 0.2)) + (
        productivity(cap=1.0),)
    exact, x = check(specs, 0.8)
    u = dict(zip(exact.names, np.expm1(x), strict=True))
    assert u["customers"] < 0 and u["repurchase"] < 0


def test_flat_target_moves_nothing():
    specs = levers(customers=(-0.3, 0.4), repurchase=0.4) + (productivity(cap=1.0),)
    exact, x = check(specs, 1.0)
    assert exact.cost(x) == pytest.approx(0.0, abs=1e-9)


def test_supply_cap_on_a_product():
    specs = levers(customers=0.8, repurchase=0.6, ticket=0.3) + (
        productivity(cap=2.0),
        LeverSpec("customers_low", "customers", products=("LOW",), cap=1.5, cost=0.7),
    )
    df = cells()
    low_units = df.query("product == 'LOW'")["units"].sum()
    supply = (SupplyRule(product="LOW", monthly_units=low_units * 1.2 / 12),)
    check(specs, 1.5, supply=supply)
