import math

import numpy as np
import pandas as pd
import pytest

from planner.drivers import build_tree, solve_drivers
from planner.errors import ScenarioError, TargetUnreachableError
from planner.scenario.values import LeverSpec


def cells() -> pd.DataFrame:
    rows = [
        # product, segment, customers, conversion, repurchase, ticket
        ("FIX", "S1", 1000.0, 0.05, 1.0, 1_000_000.0),
        ("FIX", "S2", 4000.0, 0.01, 1.0, 1_000_000.0),
        ("VAR", "S1", 1000.0, 0.10, 2.0, 50_000.0),
        ("VAR", "S2", 4000.0, 0.05, 1.5, 20_000.0),
    ]
    df = pd.DataFrame(rows, columns=["product", "segment", "customers", "conversion",
                                     "repurchase", "ticket"])
    df["buyers"] = df["customers"] * df["conversion"]
    df["units"] = df["buyers"] * df["repurchase"]
    df["amount"] = df["units"] * df["ticket"]
    return df


def products(df: pd.DataFrame) -> pd.DataFrame:
    out = df.groupby("product", as_index=False)[["amount", "units"]].sum()
    out["ticket_mode"] = out["product"].map({"FIX": "fixed", "VAR": "variable"})
    out["normalised_amount"] = out["amount"]
    return out


def only(free: dict[str, float], **extra: LeverSpec) -> tuple[LeverSpec, ...]:
    """Every default lever fixed at 0 except those in ``free`` (name -> cap)."""
    specs = []
    for kind in ("customers", "conversion", "repurchase", "ticket"):
        if kind in free:
            specs.append(LeverSpec(name=kind, kind=kind, cap=free[kind]))
        else:
            specs.append(LeverSpec(name=kind, kind=kind, fixed=0.0))
    specs.append(LeverSpec(name="productivity", kind="productivity",
                           cap=free.get("productivity", 20.0), cost=1e-6))
    return tuple(specs) + tuple(extra.values())


def solve(specs, multiple, seat_multiple=1.0, buffer=0.0):
    df = cells()
    prods = products(df)
    tree = build_tree(df, prods, specs, seat_multiple)
    total = float(df["amount"].sum())
    return solve_drivers(tree, multiple * total, total, prods, buffer=buffer), total


def test_one_lever_alone_reaches_target_exactly():
    result, total = solve(only({"customers": 1.0}), 1.2)
    row = result.drivers.set_index("lever").loc["customers"]
    assert row["uplift"] == pytest.approx(0.2, abs=1e-6)
    assert result.achieved == pytest.approx(1.2 * total, rel=1e-6)


def test_fixed_lever_stays_fixed_and_fixed_ticket_never_moves():
    specs = only({"customers": 0.5, "ticket": 1.0}, conv=LeverSpec("conversion", "conversion", fixed=0.05))
    result, total = solve(specs, 1.7)
    d = result.drivers.set_index("lever")
    assert d.loc["conversion", "uplift"] == pytest.approx(0.05)
    assert d.loc["conversion", "binding"] == "fixed"
    assert d.loc["ticket (fixed-ticket products)", "uplift"] == 0.0
    t = result.product_targets.set_index("product")
    # fixed-ticket product: amount grows exactly as its units (ticket unchanged)
    assert t.loc["FIX", "target_amount"] / t.loc["FIX", "baseline_amount"] == pytest.approx(
        t.loc["FIX", "target_units"] / t.loc["FIX", "baseline_units"])
    assert result.achieved == pytest.approx(1.7 * total, rel=1e-6)


def test_caps_respected_and_target_reproduced_through_tree():
    specs = only({"customers": 0.3, "conversion": 0.1, "repurchase": 0.5, "ticket": 0.2})
    result, total = solve(specs, 2.1)
    d = result.drivers.set_index("lever")
    for name in ("customers", "conversion", "repurchase", "ticket"):
        assert d.loc[name, "uplift"] <= d.loc[name, "cap"] + 1e-9
    # multiply out by hand through the tree
    df = cells()
    u = d["uplift"]
    rev = 0.0
    for _, c in df.iterrows():
        m = (1 + u["customers"]) * (1 + u["conversion"]) * (1 + u["repurchase"])
        if c["product"] == "VAR":
            m *= 1 + u["ticket"]
        rev += c["amount"] * m
    assert rev == pytest.approx(2.1 * total, rel=1e-3)
    assert result.product_targets["target_amount"].sum() == pytest.approx(2.1 * total, rel=1e-6)


def test_naive_single_product_of_uplifts_is_wrong_when_levers_differ_by_product():
    # Only the ticket can move, and only the variable product has a variable ticket.
    result, total = solve(only({"ticket": 5.0}), 1.3)
    u = result.drivers.set_index("lever").loc["ticket", "uplift"]
    naive = 0.3  # "1 + u = 1.3 for the company" would fall short
    assert u > naive + 0.05
    var_share = cells().query("product == 'VAR'")["amount"].sum() / total
    assert u == pytest.approx(0.3 / var_share, rel=1e-6)
    assert result.achieved == pytest.approx(1.3 * total, rel=1e-6)


def test_unreachable_reports_largest_multiple_and_binding_caps():
    specs = only({"customers": 0.2, "repurchase": 0.1})
    with pytest.raises(TargetUnreachableError) as info:
        solve(specs, 2.0)
    message = str(info.value)
    assert message.startswith("target 2.00x (")
    assert "give at most 1.32x" in message
    assert "customers (cap +20%, needs +82% alone)" in message
    assert "repurchase (cap +10%, needs +67% alone)" in message
    assert "## Binding caps" in info.value.diagnosis
    # together: both levers act on every cell, so (1.2 * 1.1) ** f = 2
    f = math.log(2.0) / math.log(1.2 * 1.1)
    expected = f"customers +{1.2 ** f - 1:.1%}, repurchase +{1.1 ** f - 1:.1%}"
    assert f"Raising the binding caps together (each by the same factor in log terms), the target needs: {expected}." in info.value.diagnosis


def test_raising_stretch_cost_shifts_mix_away():
    base = only({"customers": 1.0, "repurchase": 1.0})
    r1, _ = solve(base, 1.5)
    pricey = tuple(
        LeverSpec("customers", "customers", cap=1.0, cost=5.0) if s.name == "customers" else s
        for s in base
    )
    r2, _ = solve(pricey, 1.5)
    u1 = r1.drivers.set_index("lever")["uplift"]
    u2 = r2.drivers.set_index("lever")["uplift"]
    assert u2["customers"] < u1["customers"] - 0.01
    assert u2["repurchase"] > u1["repurchase"] + 0.01


def test_scoped_lever_overrides_general_one():
    specs = only({"repurchase": 0.1}) + (
        LeverSpec("repurchase_best", "repurchase", segments=("S1",), cap=3.0),
    )
    result, total = solve(specs, 1.5)
    d = result.drivers.set_index("lever")
    cells = result.tree.cells.set_index(["product", "segment"])["lever_repurchase"]
    assert cells.loc[("FIX", "S1")] == "repurchase_best"
    assert cells.loc[("VAR", "S2")] == "repurchase"
    assert d.loc["repurchase", "binding"] == "cap"
    assert d.loc["repurchase_best", "uplift"] > 0.1
    assert result.achieved == pytest.approx(1.5 * total, rel=1e-6)


def test_capacity_covers_sales_growth_plus_buffer():
    # sales count grows 1.5x; seats fixed at 1.0 so productivity must cover 1.5 * 1.1
    result, _ = solve(only({"customers": 1.0}), 1.5, buffer=0.1)
    assert result.productivity_multiple == pytest.approx(1.5 * 1.1, rel=1e-6)


def test_capacity_that_cannot_cover_last_year_is_explained():
    with pytest.raises(TargetUnreachableError, match="seat capacity cannot cover"):
        solve(only({"customers": 1.0, "productivity": 0.0}), 1.0, seat_multiple=0.8, buffer=0.1)


def test_unknown_scope_is_a_scenario_error():
    specs = only({}) + (LeverSpec("x", "repurchase", segments=("S9",), cap=1.0),)
    with pytest.raises(ScenarioError, match=r"levers.x.segments: 'S9' not in the data \(known: S1, S2\)"):
        solve(specs, 1.0)


def test_uncapped_targets_keep_cost_convex():
    result, total = solve(only({"customers": 2.0, "repurchase": 2.0}), 3.0)
    d = result.drivers.set_index("lever")
    # symmetric levers with equal costs share the stretch
    assert d.loc["customers", "uplift"] == pytest.approx(d.loc["repurchase", "uplift"], abs=0.05)
    assert (1 + d.loc["customers", "uplift"]) * (1 + d.loc["repurchase", "uplift"]) == pytest.approx(3.0, rel=1e-6)
    assert not np.isnan(d["marginal_value"]).any()
    assert math.isfinite(result.reach_multiple)


def test_ten_times_story_on_the_sample_multiplies_out(sample_dir):
    """The shipped 10x scenario: uplifts multiplied through the tree give 10x last year."""
    from conftest import REPO

    from planner import api
    from planner.pipeline import run_drivers, scenario_baselines, scenario_calendar

    scenario = api.load(REPO / "scenarios" / "sample_10x.toml", data_dir=sample_dir)
    from planner.calendar import CalendarWarning
    from planner.history.load import load_dataset

    baselines = scenario_baselines(scenario, load_dataset(sample_dir))
    with pytest.warns(CalendarWarning, match="calendar CN 2027 is ESTIMATED"):
        calendar = scenario_calendar(scenario)
    result = run_drivers(scenario, baselines, calendar)
    uplift = result.drivers.set_index("lever")["uplift"]
    cells = result.tree.cells
    by_hand = 0.0
    for _, cell in cells.iterrows():
        factor = 1.0
        for kind in ("customers", "conversion", "repurchase", "ticket"):
            lever = cell[f"lever_{kind}"]
            if lever:
                factor *= 1.0 + uplift[lever]
        by_hand += cell["amount"] * factor
    assert by_hand == pytest.approx(10 * baselines.total_amount, rel=1e-3)
    # several levers are needed: none alone gives 10x
    assert (uplift.drop(["seats", "ticket (fixed-ticket products)"]) > 0.1).sum() >= 4
    # the fixed tickets did not move, and conversion stayed within its tight cap
    assert uplift["ticket (fixed-ticket products)"] == 0.0
    assert uplift["conversion"] <= 0.20 + 1e-9


def test_yearly_supply_caps_a_product_and_the_target_is_still_exact():
    from planner.drivers.tree import build_tree as bt
    from planner.scenario.values import SupplyRule

    df = cells()
    prods = products(df)
    tree = bt(df, prods, only({"customers": 3.0, "ticket": 1.0}), 1.0)
    total = float(df["amount"].sum())
    fix_units = float(df.query("product == 'FIX'")["units"].sum())  # 90 sales last year
    supply = (SupplyRule("FIX", monthly_units=fix_units * 1.5 / 12),)
    result = solve_drivers(tree, 1.6 * total, total, prods, buffer=0.0, supply=supply)
    t = result.product_targets.set_index("product")
    assert t.loc["FIX", "target_units"] == pytest.approx(fix_units * 1.5, rel=1e-6)
    assert t["target_amount"].sum() == pytest.approx(1.6 * total, rel=1e-6)
    # without the cap the same levers would sell more of the fixed-ticket product
    free = solve_drivers(tree, 1.6 * total, total, prods, buffer=0.0)
    assert free.product_targets.set_index("product").loc["FIX", "target_units"] > fix_units * 1.5
