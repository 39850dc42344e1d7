"""Every solver outcome, on the allocation path (a LinearProgram through solve_highs) and
on the driver engine: optimal, infeasible, unbounded, time and iteration limits,
unknown and solver errors, with the exact messages; and HiGHS's banner never reaches
the user's terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from test_allocation import tiny
from test_drivers import cells, only, products

import planner.drivers.backend as engine_module
import planner.lp.highs as solver_module
from planner.allocation.solve import solve_allocation
from planner.drivers import build_tree, solve_drivers
from planner.drivers.backend import DriverEngine
from planner.drivers.rows import Row
from planner.drivers.search import reach
from planner.drivers.tree import DriverTree
from planner.errors import ModelError
from planner.lp.highs import SolveStatus, highs_for, require_solved, solve_highs, status_of
from planner.lp.program import LinearProgram
from planner.scenario.values import LeverSpec, SolverOptions

INF = float("inf")
#: What require_solved says for each outcome that is not a property of the model.
MESSAGES = {
    SolveStatus.TIME_LIMIT: "{step}: HiGHS stopped at the time limit ({limit}) before an "
                            "optimal solution; raise [solver] time_limit in the scenario",
    SolveStatus.ITERATION_LIMIT: "{step}: HiGHS stopped at its iteration limit before an "
                                 "optimal solution; try [solver] method = \"ipm\", or run "
                                 "with --debug and report the scenario",
    SolveStatus.UNKNOWN: "{step}: HiGHS ended with status 'unknown' (no solution to read); "
                         "run with --debug and report the scenario",
    SolveStatus.ERROR: "{step}: HiGHS ended with status 'solver error' (no solution to "
                       "read); run with --debug and report the scenario",
}
#: Outcomes the caller reads itself (require_solved lets them through).
MODEL_OUTCOMES = (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE, SolveStatus.UNBOUNDED)


def two_columns(cost: tuple[float, float], upper: float, coef: tuple[float, float],
                lower_rhs: float = -INF, upper_rhs: float = INF) -> LinearProgram:
    """Minimise ``cost . (x, y)``, ``0 <= x, y <= upper``, one row on ``coef . (x, y)``."""
    lp = LinearProgram()
    block = lp.add_variables("v", pd.DataFrame({"name": ["x", "y"]}), lower=0.0, upper=upper,
                             cost=np.array(cost))
    lp.add_constraints("r", pd.DataFrame({"row": ["r"]}), np.array([0, 0]), block.cols(),
                       np.array(coef), lower=lower_rhs, upper=upper_rhs)
    return lp


def optimal_lp() -> LinearProgram:
    """min x + 2y, x + y >= 1: x = 1, y = 0, the row's dual 1."""
    return two_columns((1.0, 2.0), 10.0, (1.0, 1.0), lower_rhs=1.0)


def infeasible_lp() -> LinearProgram:
    """x + y >= 3 with x, y <= 1."""
    return two_columns((1.0, 2.0), 1.0, (1.0, 1.0), lower_rhs=3.0)


def unbounded_lp() -> LinearProgram:
    """min -x, x - y <= 1, x and y unbounded above: x = y + 1 grows forever."""
    return two_columns((-1.0, 0.0), INF, (1.0, -1.0), upper_rhs=1.0)


class Finished:
    """Stands for a HiGHS instance that ended with ``status``."""

    def __init__(self, status: object) -> None:
        self.status = status

    def getModelStatus(self) -> object:  # noqa: N802 - highspy's name
        return self.status


def always(status: SolveStatus) -> Callable[[object], SolveStatus]:
    """A replacement for status_of that reports ``status`` whatever HiGHS says."""
    return lambda h: status


def driver_tree(free: dict[str, float] | None = None) -> DriverTree:
    df = cells()
    return build_tree(df, products(df), only(free or {"customers": 1.0, "repurchase": 0.5}),
                      1.0)


def row_on(tree: DriverTree, lever: str, sense: str, rhs: float, name: str = "r") -> Row:
    """``x[lever] (sense) rhs`` over the tree's levers."""
    coef = np.zeros(len(tree.levers))
    coef[list(tree.levers).index(lever)] = 1.0
    return Row(name, coef, sense, rhs)


# --- the map from HiGHS's status to ours -------------------------------------------------


def test_every_highs_status_maps_to_one_of_ours() -> None:
    members = list(highspy.HighsModelStatus.__members__.values())
    assert len(members) >= 14
    for member in members:
        assert isinstance(status_of(Finished(member)), SolveStatus), member
    expected = {
        "kOptimal": SolveStatus.OPTIMAL,
        "kInfeasible": SolveStatus.INFEASIBLE,
        "kUnboundedOrInfeasible": SolveStatus.INFEASIBLE,
        "kUnbounded": SolveStatus.UNBOUNDED,
        "kTimeLimit": SolveStatus.TIME_LIMIT,
        "kIterationLimit": SolveStatus.ITERATION_LIMIT,
        "kUnknown": SolveStatus.UNKNOWN,
        "kNotset": SolveStatus.ERROR,
        "kModelEmpty": SolveStatus.ERROR,
        "kLoadError": SolveStatus.ERROR,
        "kModelError": SolveStatus.ERROR,
        "kPresolveError": SolveStatus.ERROR,
        "kSolveError": SolveStatus.ERROR,
        "kPostsolveError": SolveStatus.ERROR,
    }
    got = {name: status_of(Finished(getattr(highspy.HighsModelStatus, name)))
           for name in expected}
    assert got == expected
    # any other ending (objective bound, interrupt, memory limit, ...) is never read as a
    # solution nor as a property of the model: require_solved stops it
    for name, member in highspy.HighsModelStatus.__members__.items():
        if name not in expected:
            assert status_of(Finished(member)) not in MODEL_OUTCOMES, name


def test_a_status_newer_than_the_map_is_unknown() -> None:
    assert status_of(Finished(object())) is SolveStatus.UNKNOWN


# --- the allocation path: LinearProgram -> solve_highs -----------------------------------


@pytest.mark.parametrize("method", ["simplex", "ipm"])
def test_optimal_lp_gives_values(method: str) -> None:
    solution = solve_highs(optimal_lp(), method=method)
    assert solution.status is SolveStatus.OPTIMAL
    assert solution.objective == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(solution.x, [1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(solution.activity, [1.0], atol=1e-9)
    np.testing.assert_allclose(solution.duals, [1.0], atol=1e-9)
    assert solution.values(optimal_lp(), "v")["value"].round(9).tolist() == [1.0, 0.0]


@pytest.mark.parametrize("method", ["simplex", "ipm"])
def test_infeasible_lp_gives_no_values(method: str) -> None:
    solution = solve_highs(infeasible_lp(), method=method)
    assert solution.status is SolveStatus.INFEASIBLE
    assert np.isnan(solution.objective)
    assert solution.x.size == solution.activity.size == solution.duals.size == 0


@pytest.mark.parametrize("method", ["simplex", "ipm"])
def test_unbounded_lp_is_unbounded(method: str) -> None:
    solution = solve_highs(unbounded_lp(), method=method)
    assert solution.status is SolveStatus.UNBOUNDED
    assert np.isnan(solution.objective) and solution.x.size == 0


def test_unbounded_or_infeasible_counts_as_infeasible() -> None:
    # HiGHS says "unbounded or infeasible" only when told it may; our columns are bounded,
    # so that answer can only mean infeasible
    h = highs_for(unbounded_lp())
    h.setOptionValue("allow_unbounded_or_infeasible", True)
    h.setOptionValue("presolve", "on")
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kUnboundedOrInfeasible
    assert status_of(h) is SolveStatus.INFEASIBLE


def test_time_limit_on_an_lp() -> None:
    solution = solve_highs(optimal_lp(), method="ipm", time_limit=0.0)
    assert solution.status is SolveStatus.TIME_LIMIT
    assert solution.x.size == 0


def test_iteration_limit_on_an_lp() -> None:
    h = highs_for(optimal_lp())
    h.setOptionValue("simplex_iteration_limit", 0)
    h.run()
    assert status_of(h) is SolveStatus.ITERATION_LIMIT


def test_an_empty_model_is_a_solver_error() -> None:
    assert solve_highs(LinearProgram()).status is SolveStatus.ERROR


@pytest.mark.parametrize(("cost", "coef", "what"), [
    ((1.0, 2.0), (INF, 1.0), "matrix"),
    ((1.0, 2.0), (float("nan"), 1.0), "matrix"),
    ((float("nan"), 2.0), (1.0, 1.0), "cost"),
])
def test_a_value_that_is_not_a_number_is_refused_before_highs(cost, coef, what) -> None:
    # HiGHS drops a NaN coefficient silently and reports a wrong optimum: refuse it first
    lp = two_columns(cost, 10.0, coef, lower_rhs=1.0)
    with pytest.raises(ModelError, match=rf"^the model holds a value that is not a number "
                       rf"\({what}\); run with --debug and report the scenario$"):
        solve_highs(lp)


@pytest.mark.parametrize("status", MODEL_OUTCOMES)
def test_require_solved_lets_model_outcomes_through(status: SolveStatus) -> None:
    assert require_solved(status, "allocation model", 600.0) is None


@pytest.mark.parametrize("status", list(MESSAGES))
@pytest.mark.parametrize("step", ["allocation model", "driver model"])
def test_require_solved_messages(status: SolveStatus, step: str) -> None:
    expected = MESSAGES[status].format(step=step, limit="2.5 s")
    with pytest.raises(ModelError) as info:
        require_solved(status, step, 2.5)
    assert str(info.value) == expected


def test_allocation_stops_at_a_real_time_limit() -> None:
    expected = MESSAGES[SolveStatus.TIME_LIMIT].format(step="allocation model", limit="0 s")
    with pytest.raises(ModelError) as info:
        # team A's capacity moves volume: the model is not solved at the reference
        solve_allocation(tiny(capacity_a=60.0), SolverOptions(time_limit=0.0, method="ipm"))
    assert str(info.value) == expected


@pytest.mark.parametrize("status", list(MESSAGES))
def test_allocation_names_its_step(status: SolveStatus, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solver_module, "status_of", always(status))
    expected = MESSAGES[status].format(step="allocation model", limit="7 s")
    with pytest.raises(ModelError) as info:
        solve_allocation(tiny(capacity_a=60.0), SolverOptions(time_limit=7.0))
    assert str(info.value) == expected


@pytest.mark.parametrize("status", [SolveStatus.INFEASIBLE, SolveStatus.UNBOUNDED])
def test_allocation_reports_a_model_it_never_expects(status: SolveStatus,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solver_module, "status_of", always(status))
    with pytest.raises(ModelError) as info:
        solve_allocation(tiny(capacity_a=60.0))
    assert str(info.value) == (f"allocation model: HiGHS found the model {status.value}; "
                               "run with --debug and report the scenario")


# --- the driver engine -------------------------------------------------------------------


def test_engine_optimal_meets_the_row_at_least_cost() -> None:
    tree = driver_tree()
    engine = DriverEngine(tree)
    x = engine.solve([row_on(tree, "customers", ">=", 0.1, "a")])
    assert x is not None
    got = dict(zip(tree.levers, x, strict=True))
    assert got["customers"] == pytest.approx(0.1, abs=1e-12)
    assert all(v == 0.0 for name, v in got.items() if name != "customers")
    # the dual is the slope of the stretch-cost piece the uplift ends in, in row units
    ends = np.cumsum([width for width, _ in tree.levers["customers"].pieces])
    slope = tree.levers["customers"].pieces[int(np.searchsorted(ends, 0.1))][1]
    assert engine.duals() == {"a": pytest.approx(slope, rel=1e-9)}


def test_engine_contradictory_rows_give_none() -> None:
    tree = driver_tree()
    engine = DriverEngine(tree)
    rows = [row_on(tree, "customers", ">=", 0.5, "a"), row_on(tree, "customers", "<=", 0.1, "b")]
    assert engine.solve(rows) is None
    # the same engine solves again from a clean state afterwards
    x = engine.solve(rows[1:] + [row_on(tree, "repurchase", ">=", 0.2, "c")])
    assert x is not None and x[list(tree.levers).index("repurchase")] == pytest.approx(0.2)


def test_engine_row_past_the_cap_gives_none_until_the_cap_is_raised() -> None:
    tree = driver_tree()
    engine = DriverEngine(tree)
    past = [row_on(tree, "customers", ">=", 5.0)]
    assert tree.levers["customers"].hi < 5.0
    assert engine.solve(past) is None
    x = engine.solve(past, raise_cap={"customers": 6.0})
    assert x is not None and x[list(tree.levers).index("customers")] == pytest.approx(5.0)


def test_engine_with_every_lever_fixed_checks_the_rows_itself(
        monkeypatch: pytest.MonkeyPatch) -> None:
    df = cells()
    specs = tuple(LeverSpec("productivity", "productivity", fixed=0.0)
                  if s.name == "productivity" else s for s in only({}))
    tree = build_tree(df, products(df), specs, 1.0)
    assert all(lv.fixed for lv in tree.levers.values())
    monkeypatch.setattr(engine_module, "status_of", always(SolveStatus.ERROR))  # HiGHS unused
    engine = DriverEngine(tree)
    x = engine.solve([row_on(tree, "customers", "<=", 0.0)])
    assert x is not None and np.all(x == 0.0)
    assert engine.solve([row_on(tree, "customers", ">=", 0.1)]) is None


@pytest.mark.parametrize("status", list(MESSAGES))
def test_engine_names_the_driver_model(status: SolveStatus,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    tree = driver_tree()
    monkeypatch.setattr(engine_module, "status_of", always(status))
    expected = MESSAGES[status].format(step="driver model", limit="60 s")
    with pytest.raises(ModelError) as info:
        DriverEngine(tree, time_limit=60.0).solve([row_on(tree, "customers", ">=", 0.1)])
    assert str(info.value) == expected


def test_engine_reports_an_unbounded_model(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = driver_tree()
    monkeypatch.setattr(engine_module, "status_of", always(SolveStatus.UNBOUNDED))
    with pytest.raises(ModelError) as info:
        DriverEngine(tree).solve([row_on(tree, "customers", ">=", 0.1)])
    assert str(info.value) == ("driver model: HiGHS found the model unbounded; run with "
                               "--debug and report the scenario")


def test_driver_model_stops_at_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    df = cells()
    prods = products(df)
    tree = build_tree(df, prods, only({"customers": 1.0}), 1.0)
    total = float(df["amount"].sum())
    monkeypatch.setattr(engine_module, "status_of", always(SolveStatus.TIME_LIMIT))
    expected = MESSAGES[SolveStatus.TIME_LIMIT].format(step="driver model", limit="5 s")
    with pytest.raises(ModelError) as info:
        solve_drivers(tree, 1.2 * total, total, prods, time_limit=5.0)
    assert str(info.value) == expected


def test_falling_target_time_limit_is_not_called_unreachable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    df = cells()
    prods = products(df)
    specs = tuple(LeverSpec("customers", "customers", cap=1.0, min=-0.5)
                  if s.name == "customers" else s for s in only({"customers": 1.0}))
    tree = build_tree(df, prods, specs, 1.0)
    total = float(df["amount"].sum())
    real = engine_module.status_of
    solves: list[int] = []

    def counted(h: highspy.Highs) -> SolveStatus:
        solves.append(1)
        return real(h)

    # the largest reachable revenue first, then the time limit on every later solve
    monkeypatch.setattr(engine_module, "status_of", counted)
    reach(tree, 0.10, 5.0)
    in_reach = len(solves)
    solves.clear()

    def late(h: highspy.Highs) -> SolveStatus:
        solves.append(1)
        return SolveStatus.TIME_LIMIT if len(solves) > in_reach else real(h)

    monkeypatch.setattr(engine_module, "status_of", late)
    expected = MESSAGES[SolveStatus.TIME_LIMIT].format(step="driver model", limit="5 s")
    with pytest.raises(ModelError) as info:
        solve_drivers(tree, 0.8 * total, total, prods, buffer=0.10, time_limit=5.0)
    assert str(info.value) == expected


# --- HiGHS stays quiet -------------------------------------------------------------------


def test_highs_prints_nothing_on_the_terminal(sample_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH"))
                                         if p)}
    # the words we look for are HiGHS's banner: a bare highspy prints them
    bare = subprocess.run([sys.executable, "-c", "import highspy; highspy.Highs()"],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=60)
    assert "Running HiGHS" in bare.stdout and "Copyright" in bare.stdout
    # the shipped scenario, run from a folder whose data/sample is the session's sample
    (tmp_path / "scenarios").mkdir()
    scenario = tmp_path / "scenarios" / "sample_10x.toml"
    scenario.write_bytes((REPO / "scenarios" / "sample_10x.toml").read_bytes())
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sample").symlink_to(sample_dir, target_is_directory=True)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-c", "from planner.cli.main import run; run()",
                          "drivers", str(scenario), "--out", str(out)],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("target ")
    assert (out / "drivers.csv").is_file()
    for stream in (run.stdout, run.stderr):
        assert "Running HiGHS" not in stream
        assert "Copyright" not in stream
