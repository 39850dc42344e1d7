import numpy as np
import pandas as pd
import pytest

from planner.allocation.model import AllocationInputs, build_allocation
from planner.allocation.seats import split_to_seats
from planner.allocation.solve import solve_allocation
from planner.errors import TargetUnreachableError
from planner.whole_units import UnitPrices


def tiny(capacity_a: float = 1e9, mix: pd.DataFrame | None = None,
         fairness: pd.DataFrame | None = None, supply: pd.DataFrame | None = None,
         ) -> AllocationInputs:
    """2 teams x 2 products x 2 weeks (3 slots: week 2 straddles two months)."""
    slots = pd.DataFrame({
        "slot": [0, 1, 2],
        "week": ["2027-W01", "2027-W02", "2027-W02"],
        "week_start": pd.to_datetime(["2027-01-04", "2027-01-11", "2027-01-11"]),
        "month": ["2027-01", "2027-01", "2027-02"],
        "month_num": [1, 1, 2],
        "working_days": [5, 3, 2],
    })
    products = pd.DataFrame({"product": ["HI", "LO"], "margin_tier": ["high", "low"],
                             "ticket": [10.0, 1.0], "target": [100.0, 300.0]})
    paths = pd.DataFrame({"product": ["HI"] * 3 + ["LO"] * 3, "slot": [0, 1, 2] * 2,
                          "share": [0.5, 0.3, 0.2] * 2})
    share = pd.DataFrame({"team": ["A", "A", "B", "B"], "product": ["HI", "LO"] * 2,
                          "share": [0.5, 0.5, 0.5, 0.5]})
    capacity = pd.DataFrame({"team": ["A", "A", "B", "B"],
                             "week": ["2027-W01", "2027-W02"] * 2,
                             "capacity": [capacity_a, 1e9, 1e9, 1e9]})
    return AllocationInputs(
        teams=["A", "B"], products=products, slots=slots, paths=paths, team_share=share,
        capacity=capacity,
        fairness=fairness if fairness is not None else pd.DataFrame(columns=["team", "lower", "upper"]),
        supply=supply if supply is not None else pd.DataFrame(columns=["product", "month", "cap"]),
        mix=mix if mix is not None else pd.DataFrame(columns=["rule", "tier", "kind", "sense", "value"]),
    )


def test_unconstrained_plan_follows_history_shape_exactly():
    plan, binding, lp, sol = solve_allocation(tiny())
    got = plan.set_index(["team", "product", "slot"])["amount"]
    assert got.loc[("A", "HI", 0)] == pytest.approx(25.0)
    assert got.loc[("B", "LO", 2)] == pytest.approx(30.0)
    assert plan.groupby("product")["amount"].sum().to_dict() == pytest.approx({"HI": 100, "LO": 300})
    assert binding.loc[binding["family"] == "capacity"].empty


def test_binding_capacity_moves_volume_to_other_team_and_dual_sign():
    # team A can do only 60 a week; its reference is 100 in W01 (50% of 200)
    plan, binding, lp, sol = solve_allocation(tiny(capacity_a=60.0))
    week = plan.groupby(["team", "week"])["amount"].sum()
    assert week.loc[("A", "2027-W01")] == pytest.approx(60.0, rel=1e-6)
    assert plan["amount"].sum() == pytest.approx(400.0)
    cap = binding.loc[binding["family"] == "capacity"]
    assert list(cap["label"]) == ["A 2027-W01"]
    value = float(cap["marginal_value"].iloc[0])
    # more capacity lowers the deviation cost: a negative dual on a <= row (minimise)
    assert value < 0
    # the meaning: one more unit of capacity changes the objective by the marginal value
    bigger = solve_allocation(tiny(capacity_a=61.0))[3]
    assert bigger.objective - sol.objective == pytest.approx(value, rel=1e-4)


def test_infeasible_capacity_is_explained_in_user_words():
    small = tiny()
    small.capacity["capacity"] = [0.0, 0.0, 100.0, 100.0]
    with pytest.raises(TargetUnreachableError) as info:
        solve_allocation(small)
    message = str(info.value)
    assert message == "allocation infeasible: capacity of team A in 2027-W01..W02 short by 200"
    assert "# Allocation infeasible" in info.value.diagnosis


def test_mix_minimum_share_explained_in_points():
    mix = pd.DataFrame({"rule": ["mix[0].min_share"], "tier": ["high"], "kind": ["share"],
                        "sense": ["min"], "value": [0.28]})
    with pytest.raises(TargetUnreachableError, match=r"high-margin minimum short by 3\.0 points"):
        solve_allocation(tiny(mix=mix))


def test_fairness_band_and_supply_hold():
    fair = pd.DataFrame({"team": ["A", "B"], "lower": [150.0, 150.0], "upper": [250.0, 250.0]})
    supply = pd.DataFrame({"product": ["LO"], "month": ["2027-02"], "cap": [40.0]})
    plan, *_ = solve_allocation(tiny(fairness=fair, supply=supply))
    teams = plan.groupby("team")["amount"].sum()
    assert ((teams >= 150 - 1e-6) & (teams <= 250 + 1e-6)).all()
    feb = plan.loc[(plan["product"] == "LO") & (plan["month"] == "2027-02"), "amount"].sum()
    assert feb <= 40.0 + 1e-6


def test_build_is_pure_and_named():
    lp, cells = build_allocation(tiny())
    assert set(lp.families) == {"product_target", "week_split", "capacity"}
    assert {"up", "down", "product_short", "capacity_over"} <= set(lp.blocks)
    assert list(lp.families["capacity"].labels.columns) == ["team", "week"]
    split = lp.families["week_split"].labels
    assert split.to_dict("list") == {"team": ["A", "A", "B", "B"],
                                     "product": ["HI", "LO", "HI", "LO"],
                                     "week": ["2027-W02"] * 4}
    assert len(cells) == 12


def test_straddling_week_keeps_its_working_day_split_under_a_binding_rule():
    """Supply caps LO in February: W02's January part falls with it (3:2), not to zero."""
    supply = pd.DataFrame({"product": ["LO"], "month": ["2027-02"], "cap": [40.0]})
    plan, *_ = solve_allocation(tiny(supply=supply))
    lo = plan.loc[(plan["product"] == "LO") & (plan["week"] == "2027-W02")]
    parts = lo.groupby("month")["amount"].sum()
    assert parts["2027-02"] == pytest.approx(40.0, rel=1e-6)
    assert parts["2027-01"] == pytest.approx(60.0, rel=1e-6)  # 3 working days to 2
    per_team = lo.pivot_table(index="team", columns="month", values="amount")
    assert np.allclose(per_team["2027-01"] * 2, per_team["2027-02"] * 3)
    assert plan.loc[plan["product"] == "LO", "amount"].sum() == pytest.approx(300.0)


def _prices(fixed: bool) -> UnitPrices:
    return UnitPrices.of(pd.Series(["HI"]), [10.0], [fixed], 100.0)


def test_seats_sum_exactly_to_team_in_cents():
    team = pd.DataFrame({"team": ["A"], "product": ["HI"], "month": ["2027-01"],
                         "quanta": [10_000]})
    seats = pd.DataFrame({"seat": ["s1", "s2", "s3"], "team": ["A"] * 3, "grade": ["A", "B", "B"],
                          "month": ["2027-01"] * 3, "weight": [1.0, 1.0, 1.0]})
    out = split_to_seats(team, seats, _prices(fixed=False))
    assert out["amount"].round(2).sum() == pytest.approx(100.0, abs=1e-9)
    assert sorted(out["amount"]) == [33.33, 33.33, 33.34]
    assert out["units"].sum() == pytest.approx(10.0)
    assert np.isclose(out["amount"] * 100, np.round(out["amount"] * 100)).all()


def test_seats_get_whole_units_of_a_fixed_ticket():
    team = pd.DataFrame({"team": ["A", "A"], "product": ["HI", "HI"],
                         "month": ["2027-01", "2027-02"], "quanta": [10, 1]})
    seats = pd.DataFrame({"seat": ["s1", "s2", "s3"] * 2, "team": ["A"] * 6,
                          "grade": ["A", "B", "B"] * 2, "month": ["2027-01"] * 3 + ["2027-02"] * 3,
                          "weight": [2.0, 1.0, 1.0, 0.0, 1.0, 1.0]})
    out = split_to_seats(team, seats, _prices(fixed=True))
    jan = out.loc[out["month"] == "2027-01"].set_index("seat")
    assert jan["units"].to_dict() == {"s1": 5.0, "s2": 3.0, "s3": 2.0}
    assert (jan["amount"] == jan["units"] * 10.0).all()
    feb = out.loc[out["month"] == "2027-02"]
    assert list(feb["seat"]) == ["s2", "s3"]  # s1 is not on board in February
    assert feb["units"].tolist() == [1.0, 0.0]


def test_leavers_and_hires_in_the_roster():
    from planner.calendar import build_calendar
    from planner.capacity import planned_roster, seat_week_weights
    from planner.scenario.values import Hire

    seats = pd.DataFrame({
        "seat": ["old", "leaver", "gone"], "team": ["A", "A", "A"], "grade": ["A", "A", "A"],
        "start_date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-01"]),
        "end_date": pd.to_datetime([None, "2027-03-31", "2026-06-30"]),
        "active_at_end": [True, True, False]})
    roster = planned_roster(seats, (Hire("A", "A", 7, 1),), 2027, ["A"])
    assert list(roster["seat"]) == ["A-new-A-07-01", "leaver", "old"]
    cal = build_calendar(2027, official=True)
    w = seat_week_weights(roster, cal.days, np.full(3, 500.0), ramp_months=5, attrition_rate=0.0)
    by_month = w.groupby(["seat", "month"])["weight"].sum().unstack()
    assert by_month.loc["leaver", "2027-03"] > 0 and by_month.loc["leaver", "2027-04"] == 0
    assert by_month.loc["A-new-A-07-01", "2027-06"] == 0
    # the hire ramps up: its first full month is well below a tenured seat's
    assert 0 < by_month.loc["A-new-A-07-01", "2027-07"] < 0.3 * by_month.loc["old", "2027-07"]
    assert by_month.loc["A-new-A-07-01", "2027-12"] == pytest.approx(by_month.loc["old", "2027-12"])


def test_seat_value_from_capacity_duals():
    from planner.allocation.duals import seat_values

    inputs = tiny(capacity_a=60.0)
    plan, binding, lp, sol = solve_allocation(inputs)
    weights = pd.DataFrame({"seat": ["a1", "a1", "b1", "b1"], "team": ["A", "A", "B", "B"],
                            "grade": ["G"] * 4, "week": ["2027-W01", "2027-W02"] * 2,
                            "month": ["2027-01"] * 4, "weight": [10.0, 10.0, 10.0, 10.0]})
    roster = pd.DataFrame({"seat": ["a1", "b1"], "hired": [False, False]})
    values = seat_values(lp, sol, inputs.scale, weights, roster, factor=1.0, headroom=0.0)
    assert list(values["label"]) == ["one more grade G seat in team A"]
    cap_value = binding.loc[binding["family"] == "capacity", "marginal_value"].iloc[0]
    # one more seat adds 10 of capacity in W01 (the binding week)
    assert values["marginal_value"].iloc[0] == pytest.approx(10 * cap_value)


def test_seat_values_per_grade_count_only_the_weeks_a_grade_has():
    from planner.allocation.duals import seat_values

    inputs = tiny(capacity_a=60.0)
    plan, binding, lp, sol = solve_allocation(inputs)
    # grade G works both weeks; grade H only W02 (not the binding W01); h1 is a hire
    weights = pd.DataFrame({
        "seat": ["a1", "a1", "a2", "b1", "b1", "h1"],
        "team": ["A", "A", "A", "B", "B", "A"],
        "grade": ["G", "G", "H", "G", "G", "H"],
        "week": ["2027-W01", "2027-W02", "2027-W02", "2027-W01", "2027-W02", "2027-W01"],
        "month": ["2027-01"] * 6, "weight": [10.0, 10.0, 4.0, 6.0, 6.0, 50.0]})
    roster = pd.DataFrame({"seat": ["a1", "a2", "b1", "h1"],
                           "hired": [False, False, False, True]})
    values = seat_values(lp, sol, inputs.scale, weights, roster, factor=2.0, headroom=0.5)
    assert list(values["label"]) == ["one more grade G seat in team A",
                                     "one more grade H seat in team A"]
    cap_value = binding.loc[binding["family"] == "capacity", "marginal_value"].iloc[0]
    # a G seat adds the mean of a1's and b1's W01 weight (8) x factor x (1 + headroom)
    assert values["marginal_value"].iloc[0] == pytest.approx(8 * 2.0 * 1.5 * cap_value)
    assert values["marginal_value"].iloc[1] == 0.0


def test_smoothness_spreads_moved_volume():
    """Team A must shed 40 in W01; with smoothness its W02 follows, instead of a jump back."""
    jumps = {}
    for weight in (0.0, 5.0):
        inputs = tiny(capacity_a=60.0)
        inputs.smoothness = weight
        plan, _, lp, sol = solve_allocation(inputs)
        assert plan["amount"].sum() == pytest.approx(400.0)
        assert ("smoothness" in lp.families) == (weight > 0)
        # team A's reference is 100 a week; its deviation D = plan - 100
        dev = plan.groupby(["team", "week"])["amount"].sum() - 100.0
        assert dev.loc[("A", "2027-W01")] == pytest.approx(-40.0, rel=1e-6)
        jumps[weight] = abs(dev.loc[("A", "2027-W02")] - dev.loc[("A", "2027-W01")])
    assert jumps[0.0] >= 40.0 - 1e-6  # where the 40 goes is a tie without smoothness
    assert jumps[5.0] < 1e-6


def test_supply_unit_value_from_dual():
    from planner.allocation.duals import supply_values

    supply = pd.DataFrame({"product": ["LO"], "month": ["2027-02"], "cap": [40.0]})
    inputs = tiny(supply=supply)
    plan, binding, lp, sol = solve_allocation(inputs)
    row = binding.loc[binding["family"] == "supply"]
    assert list(row["label"]) == ["LO 2027-02"]
    values = supply_values(lp, sol, inputs.scale, inputs.products)
    assert list(values["label"]) == ["one more unit of supply of LO in 2027-02"]
    # ticket of LO is 1.0: one unit of supply is one unit of amount
    assert values["marginal_value"].iloc[0] == pytest.approx(row["marginal_value"].iloc[0])
    assert values["marginal_value"].iloc[0] < 0


def test_seat_basis_hires_are_rated_at_their_teams_own_per_seat_productivity():
    """Under capacity_basis = "seat" a hire is a seat of its own team, not the company's."""
    import warnings

    from planner.capacity import (
        CapacityWarning,
        planned_roster,
        seat_productivity,
    )
    from planner.scenario.values import Hire

    # a region of small shops (S, 100 and 300 a week) beside one big one (B, 5000)
    seats = pd.DataFrame({
        "seat": ["s1", "s2", "b1"], "team": ["S", "S", "B"], "grade": ["all"] * 3,
        "start_date": pd.NaT, "end_date": pd.NaT, "active_at_end": [True] * 3,
        "weekly_mean": [100.0, 300.0, 5000.0]})
    grades = {"all": 1800.0}  # the company-wide grade average
    hires = (Hire("all", "S", 1, 2), Hire("all", "NEW", 1, 1, new_team=True))
    roster = planned_roster(seats, hires, 2027, ["all"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rate = seat_productivity(roster, seats, grades, "seat")
    weekly = dict(zip(roster["seat"], rate, strict=True))
    assert weekly == {"b1": 5000.0, "NEW-new-all-01-01": 1800.0, "S-new-all-01-01": 200.0,
                      "S-new-all-01-02": 200.0, "s1": 100.0, "s2": 300.0}
    # two hires double the region of two shops (the grade average would make it 10x)
    region = roster["team"].eq("S").to_numpy()
    assert rate[region].sum() / 400.0 == pytest.approx(2.0)
    assert [str(w.message) for w in caught if w.category is CapacityWarning] == [
        "team 'NEW' has no seat of grade 'all' with a productivity last year, so its 1 seat "
        "of that grade without a history (hires) is rated at the grade's average over all "
        "teams (1,800.00 a week); check that figure suits the team, or add [[hires]] of a "
        "grade the team has"]
    # the grade basis is unchanged: every seat at the grade's average, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert set(seat_productivity(roster, seats, grades, "grade")) == {1800.0}


def test_superstore_one_hire_no_longer_quadruples_a_region():
    """One hire into a one-manager region adds that region's manager, about 2x, not ~4x."""
    import dataclasses
    import warnings
    from pathlib import Path

    from planner.capacity import history_capacity, planned_capacity
    from planner.pipeline import load_history, scenario_baselines, scenario_calendar
    from planner.scenario import load_scenario
    from planner.scenario.values import Hire

    repo = Path(__file__).resolve().parents[1]
    if not (repo.parent / "shared" / "data" / "superstore" / "superstore_orders.csv").is_file():
        pytest.skip("real data not available: superstore")
    scenario = load_scenario(repo / "scenarios" / "superstore.toml")
    scenario = dataclasses.replace(scenario, hires=(Hire("all", "South", 1, 1),),
                                   ramp_months=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        baselines = scenario_baselines(scenario, load_history(scenario))
        _, weights = planned_capacity(baselines, scenario, scenario_calendar(scenario))
    growth = weights.groupby("team")["weight"].sum() / history_capacity(baselines, "seat")
    others = growth.drop("South")
    # same working-day ratio for every region; the hire exactly doubles South
    assert growth["South"] == pytest.approx(2 * others.mean(), rel=1e-9)
    assert growth["South"] < 2.1
