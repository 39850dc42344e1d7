"""Solving by pricing (planner.lp.restricted) gives the whole LP's optimum.

The allocation is solved on the cells likely to move, priced against the rest
(:func:`planner.allocation.solve.solve_model`). These tests hold it to the whole model
solved at once: the same optimal objective on random LPs from any start, on random
allocations with every rule family in play, and on the shipped sample scenarios; a
certificate of optimality (no left-out column prices out); and every outcome the whole
solve has (time limit, fallback when a start cannot be feasible).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from conftest import SamplePlan

from planner.allocation.model import AllocationInputs, build_allocation
from planner.allocation.moving import likely_moving
from planner.allocation.solve import solve_model
from planner.errors import ModelError
from planner.lp.highs import SolveStatus, solve_highs
from planner.lp.program import LinearProgram
from planner.lp.restricted import DUAL_TOLERANCE, PricingLog, solve_restricted
from planner.scenario.values import SolverOptions

REL = 1e-9


def random_lp(seed: int, n_rows: int = 30, n_cols: int = 120) -> LinearProgram:
    """A feasible random LP: ``lower <= A x <= upper`` with an elastic slack per row."""
    rng = np.random.default_rng(seed)
    lp = LinearProgram()
    x = lp.add_variables("x", pd.DataFrame({"i": range(n_cols)}),
                         upper=rng.uniform(0.5, 5.0, n_cols), cost=rng.uniform(0.1, 3.0, n_cols))
    over = lp.add_variables("over", pd.DataFrame({"r": range(n_rows)}), cost=100.0)
    under = lp.add_variables("under", pd.DataFrame({"r": range(n_rows)}), cost=100.0)
    density = rng.random((n_rows, n_cols)) < 0.15
    r, c = np.nonzero(density)
    values = rng.uniform(-1.0, 2.0, len(r))
    k = np.arange(n_rows)
    target = rng.uniform(-2.0, 6.0, n_rows)
    lower = np.where(rng.random(n_rows) < 0.3, -np.inf, target)
    upper = np.where(rng.random(n_rows) < 0.3, np.inf, target + rng.uniform(0, 2, n_rows))
    upper = np.where(np.isinf(lower) & np.isinf(upper), target, upper)
    lp.add_constraints("rule", pd.DataFrame({"r": range(n_rows)}),
                       np.r_[r, k, k], np.r_[x.cols()[c], over.cols(), under.cols()],
                       np.r_[values, -np.ones(n_rows), np.ones(n_rows)], lower=lower, upper=upper)
    return lp


def assert_optimal_certificate(lp: LinearProgram, x: np.ndarray, duals: np.ndarray) -> None:
    """Primal feasible, and no column at zero prices out: optimal for the whole model."""
    a, arrays = lp.matrix(), lp.arrays()
    activity = a @ x
    assert (activity >= arrays["lower"] - 1e-6).all() and (activity <= arrays["upper"] + 1e-6).all()
    assert (x >= arrays["lb"] - 1e-9).all() and (x <= arrays["ub"] + 1e-9).all()
    reduced = arrays["cost"] - a.T @ duals
    at_zero = np.abs(x) <= 1e-12
    tolerance = 10 * DUAL_TOLERANCE * np.maximum(1.0, np.abs(arrays["cost"]))
    assert (reduced[at_zero] >= -tolerance[at_zero]).all()


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("start", ["none", "half", "all"])
def test_random_lp_same_objective_from_any_start(seed: int, start: str) -> None:
    lp = random_lp(seed)
    whole = solve_highs(lp)
    flags = {"none": np.zeros(lp.n_cols, bool), "all": np.ones(lp.n_cols, bool),
             "half": np.random.default_rng(seed).random(lp.n_cols) < 0.5}[start]
    log = PricingLog()
    got = solve_restricted(lp, flags, log=log)
    assert whole.status is got.status is SolveStatus.OPTIMAL
    assert got.objective == pytest.approx(whole.objective, rel=REL, abs=1e-9)
    assert got.x @ lp.arrays()["cost"] == pytest.approx(got.objective, rel=REL, abs=1e-9)
    assert_optimal_certificate(lp, got.x, got.duals)
    assert log.entered[-1] == 0 and len(log.columns) == len(log.entered)


def test_a_start_of_nothing_grows_by_rounds() -> None:
    lp = random_lp(3)
    log = PricingLog()
    solve_restricted(lp, np.zeros(lp.n_cols, bool), log=log)
    assert len(log.columns) >= 2 and log.entered[0] > 0
    assert log.columns == sorted(log.columns) and not log.whole


def test_left_out_rows_have_zero_activity_and_dual() -> None:
    lp = LinearProgram()
    x = lp.add_variables("x", pd.DataFrame({"i": range(3)}), cost=np.array([1.0, 2.0, 1.0]))
    lp.add_constraints("need", pd.DataFrame({"r": [0, 1]}), np.array([0, 0, 1]),
                       x.cols()[[0, 1, 2]], np.ones(3), lower=np.array([1.0, -np.inf]),
                       upper=np.array([np.inf, 4.0]))
    got = solve_restricted(lp, np.array([True, False, False]))
    assert got.status is SolveStatus.OPTIMAL and got.objective == pytest.approx(1.0)
    assert got.x.tolist() == pytest.approx([1.0, 0.0, 0.0])
    assert got.activity.tolist() == pytest.approx([1.0, 0.0])
    assert got.duals[1] == 0.0


def test_a_start_that_cannot_be_feasible_falls_back_to_the_whole_model() -> None:
    # x0 + x1 = 1 with x0 <= 0.5 and no slack: x0 alone cannot meet the row (x1 is in
    # another row too, so it is no elastic column of the first)
    lp = LinearProgram()
    x = lp.add_variables("x", pd.DataFrame({"i": [0, 1]}), upper=np.array([0.5, 5.0]),
                         cost=np.array([1.0, 3.0]))
    lp.add_constraints("row", pd.DataFrame({"r": [0, 1]}), np.array([0, 0, 1]),
                       x.cols()[[0, 1, 1]], np.ones(3), lower=np.array([1.0, -np.inf]),
                       upper=np.array([1.0, 10.0]))
    log = PricingLog()
    got = solve_restricted(lp, np.array([True, False]), log=log)
    assert log.whole and got.status is SolveStatus.OPTIMAL
    assert log.columns == [1, 2]
    assert got.x.tolist() == pytest.approx([0.5, 0.5]) and got.objective == pytest.approx(2.0)


def test_a_broken_row_brings_its_slack_and_a_row_without_one_all_its_columns() -> None:
    lp = LinearProgram()
    x = lp.add_variables("x", pd.DataFrame({"i": range(3)}), cost=np.array([2.0, 1.0, 2.0]))
    slack = lp.add_variables("short", pd.DataFrame({"r": [0]}), cost=50.0)
    # A: x0 + x1 + short >= 2; B: x1 + x2 >= 3; C: x0 + x1 + x2 <= 100 (holds at zero)
    lp.add_constraints("rule", pd.DataFrame({"r": ["A", "B", "C"]}),
                       np.array([0, 0, 0, 1, 1, 2, 2, 2]),
                       np.r_[x.cols()[[0, 1]], slack.cols(), x.cols()[[1, 2]], x.cols()],
                       np.ones(8), lower=np.array([2.0, 3.0, -np.inf]),
                       upper=np.array([np.inf, np.inf, 100.0]))
    log = PricingLog()
    got = solve_restricted(lp, np.zeros(lp.n_cols, bool), log=log)
    assert got.status is SolveStatus.OPTIMAL and not log.whole
    assert log.columns[0] == 3  # A's slack; B has none: both its columns
    assert got.x.tolist() == pytest.approx([0.0, 3.0, 0.0, 0.0])
    assert got.objective == pytest.approx(3.0)


def test_nothing_to_move_is_zero_without_a_solve() -> None:
    lp = random_lp(1)
    lp.set_row_bounds("rule", np.arange(30), -np.inf, np.inf)
    log = PricingLog()
    got = solve_restricted(lp, np.zeros(lp.n_cols, bool), log=log)
    assert got.status is SolveStatus.OPTIMAL and got.objective == 0.0
    assert not got.x.any() and log.columns == [0] and log.entered == [0]


def test_the_time_limit_holds_for_all_rounds() -> None:
    got = solve_restricted(random_lp(2), np.zeros(180, bool), time_limit=0.0)
    assert got.status is SolveStatus.TIME_LIMIT and got.x.size == 0


def test_a_start_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ModelError, match="^start has 3 flags for 180 columns$"):
        solve_restricted(random_lp(2), np.zeros(3, bool))


# --- the allocation ------------------------------------------------------------------


def random_allocation(seed: int, teams: int = 12, products: int = 6,
                      smoothness: float = 0.0) -> AllocationInputs:
    """Teams x products x 10 weeks (week 5 straddles two months) under tight rules."""
    rng = np.random.default_rng(seed)
    weeks = [f"2027-W{w:02d}" for w in range(1, 11)]
    rows = []
    for w, week in enumerate(weeks):
        start = pd.Timestamp("2027-01-04") + pd.Timedelta(weeks=w)
        parts = [(1, 5)] if w != 4 else [(1, 3), (2, 2)]
        rows += [(week, start, f"2027-{m:02d}", m, d) for m, d in parts]
    slots = pd.DataFrame(rows, columns=["week", "week_start", "month", "month_num",
                                        "working_days"])
    slots.insert(0, "slot", range(len(slots)))
    names = [f"P{p}" for p in range(products)]
    team_names = [f"T{t:02d}" for t in range(teams)]
    season = rng.uniform(0.3, 2.0, (products, len(weeks)))
    paths = []
    for p, product in enumerate(names):
        weight = season[p][pd.factorize(slots["week"])[0]] * slots["working_days"].to_numpy()
        paths.append(pd.DataFrame({"product": product, "slot": slots["slot"],
                                   "share": weight / weight.sum()}))
    target = rng.uniform(500.0, 5000.0, products)
    share = rng.uniform(0.0, 1.0, (teams, products)) * (rng.random((teams, products)) < 0.8)
    share[:, share.sum(axis=0) == 0] = 1.0
    share = share / share.sum(axis=0)
    team_share = pd.DataFrame([(t, p, share[i, j]) for i, t in enumerate(team_names)
                               for j, p in enumerate(names)], columns=["team", "product", "share"])
    load = share @ target / len(weeks)
    capacity = pd.DataFrame([(t, w, load[i] * rng.uniform(0.8, 1.5))
                             for i, t in enumerate(team_names) for w in weeks],
                            columns=["team", "week", "capacity"])
    total = share @ target
    fairness = pd.DataFrame({"team": team_names, "lower": total * 0.9, "upper": total * 1.1})
    supply = pd.DataFrame({"product": [names[0]], "month": ["2027-02"],
                           "cap": [target[0] * 0.15]})
    products_frame = pd.DataFrame({"product": names, "margin_tier": ["high", "low"] * (
        products // 2), "ticket": rng.uniform(1.0, 50.0, products), "target": target})
    mix = pd.DataFrame({"rule": ["mix[0].min_share"], "tier": ["high"], "kind": ["share"],
                        "sense": ["min"], "value": [0.6]})
    stretch = pd.DataFrame({"team": team_names[:3], "limit": total[:3] * 0.95})
    return AllocationInputs(
        teams=team_names, products=products_frame, slots=slots, paths=pd.concat(paths),
        team_share=team_share, capacity=capacity, fairness=fairness, supply=supply, mix=mix,
        smoothness=smoothness, stretch=stretch)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("smoothness", [0.0, 0.3])
def test_allocation_by_pricing_has_the_whole_models_optimum(seed: int, smoothness: float) -> None:
    inputs = random_allocation(seed, smoothness=smoothness)
    lp, cells = build_allocation(inputs)
    whole = solve_highs(lp)
    log = PricingLog()
    got = solve_model(lp, cells, inputs, SolverOptions(), log)
    assert whole.status is got.status is SolveStatus.OPTIMAL
    assert got.objective == pytest.approx(whole.objective, rel=REL)
    assert_optimal_certificate(lp, got.x, got.duals)
    assert log.columns[-1] < lp.n_cols  # never the whole model


def test_the_start_is_the_cheapest_volume_out_of_weeks_over_capacity() -> None:
    inputs = random_allocation(0)
    lp, cells = build_allocation(inputs)
    start = likely_moving(lp, cells, inputs)
    down = start[lp.blocks["down"].cols()]
    up = start[lp.blocks["up"].cols()]
    load = cells.groupby(["team", "week"])["reference"].transform("sum")
    cap = cells.merge(inputs.capacity, on=["team", "week"], how="left")["capacity"]
    over = (load > cap).to_numpy()
    assert down.any() and not down[~over].any()  # only out of weeks over capacity
    assert up.any() and not up[over].any()  # only into weeks with room
    moved = set(map(tuple, cells.loc[down, ["team", "product"]].to_numpy()))
    assert set(map(tuple, cells.loc[up, ["team", "product"]].to_numpy())) <= moved
    assert not start[lp.blocks["product_short"].cols()].any()


SAMPLE = ("sample_10x.toml", "sample_conservative.toml")


@pytest.fixture(scope="module")
def sample_inputs(sample_plans: Callable[[str], SamplePlan]) -> dict[str, AllocationInputs]:
    """What each sample plan's run handed to the allocation's solve (planned once per
    session; this module's copies)."""
    return {name: sample_plans(name).inputs for name in SAMPLE}


@pytest.mark.parametrize("name", SAMPLE)
def test_sample_plans_by_pricing_have_the_whole_models_optimum(
        sample_inputs: dict[str, AllocationInputs], name: str) -> None:
    inputs = sample_inputs[name]
    lp, cells = build_allocation(inputs)
    whole = solve_highs(lp)
    got = solve_model(lp, cells, inputs, SolverOptions())
    assert got.objective == pytest.approx(whole.objective, rel=REL)
    assert_optimal_certificate(lp, got.x, got.duals)
