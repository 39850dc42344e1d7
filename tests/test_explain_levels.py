"""The explanation's level below the plan solves in a background thread, from the plan."""

from __future__ import annotations

import os
import pickle
import threading
import time

import pandas as pd
import pytest
from test_allocation import tiny

from planner import names as n
from planner.allocation.model import AllocationInputs
from planner.allocation.solve import solve_allocation
from planner.errors import TargetUnreachableError
from planner.explain import levels
from planner.explain import rules as rl
from planner.explain import steps as st
from planner.explain.inputs import ExplainInputs
from planner.lp import highs
from planner.scenario.values import SolverOptions

#: Team A can do 60 in week 1 against a reference of 100: 40 must move.
WIDE = pd.DataFrame({"team": ["A", "B"], "lower": [100.0, 100.0], "upper": [300.0, 300.0]})
#: A may do at most 180 in all: the band binds, B takes 20 that A would do in week 2.
TIGHT = WIDE.assign(upper=[180.0, 300.0])


def _read(inputs: AllocationInputs) -> tuple[pd.DataFrame, levels.PlanReading]:
    raw, _, lp, _ = solve_allocation(inputs)
    return raw, levels.read_plan(inputs, raw, lp, SolverOptions())


def _explain(inputs: AllocationInputs, raw: pd.DataFrame,
             reading: levels.PlanReading | None) -> ExplainInputs:
    return ExplainInputs(
        allocation=inputs, raw=raw[[n.TEAM, n.PRODUCT, "slot", n.MONTH, n.AMOUNT]].copy(),
        capacity=pd.DataFrame(), seats=pd.DataFrame(), seat_week=pd.DataFrame(), buffer=0.0,
        solver=SolverOptions(), hires=(), events=(), ramp_months=3, attrition_rate=0.0,
        fairness_band=0.3, working_days=250.0, full_weeks=52.0, cache={},
        reference=None if reading is None else reading.reference,
        plan_slack=None if reading is None else reading.slack,
        ahead={} if reading is None else reading.ahead)


def test_a_binding_last_rule_starts_the_level_below_at_once() -> None:
    inputs = tiny(capacity_a=60.0, fairness=TIGHT)
    _, reading = _read(inputs)
    assert reading.slack[st.FAIRNESS] is False
    assert list(reading.ahead) == [(st.CAPACITY_RULE,)]
    level, *_ = reading.ahead[(st.CAPACITY_RULE,)].result()
    cold, *_ = solve_allocation(levels.with_rules(inputs, [st.CAPACITY_RULE]))
    pd.testing.assert_frame_equal(level, cold)
    assert level.loc[level[n.TEAM] == "B", n.AMOUNT].sum() == pytest.approx(200.0)


def test_a_slack_last_rule_over_a_binding_one_starts_the_level_below_both() -> None:
    loose = pd.DataFrame({"rule": ["mix[0].min_share"], "tier": ["high"], "kind": ["share"],
                          "sense": ["min"], "value": [0.1]})  # high is 25% of the target
    inputs = tiny(capacity_a=60.0, fairness=TIGHT, mix=loose)
    raw, reading = _read(inputs)
    assert (reading.slack[st.FAIRNESS], reading.slack[st.MIX]) == (False, True)
    assert list(reading.ahead) == [(st.CAPACITY_RULE,)]  # the fairness level is the plan
    cold = rl.rule_levels(_explain(inputs, raw, None))
    pd.testing.assert_frame_equal(rl.rule_levels(_explain(inputs, raw, reading)), cold)


def test_a_slack_last_rule_starts_nothing() -> None:
    _, reading = _read(tiny(capacity_a=60.0, fairness=WIDE))
    assert reading.slack[st.FAIRNESS] is True
    assert reading.ahead == {}


def test_only_one_rule_or_asked_not_to_starts_nothing() -> None:
    inputs = tiny(capacity_a=60.0)  # capacity alone: the plan is its only level
    _, reading = _read(inputs)
    assert reading.ahead == {}
    inputs = tiny(capacity_a=60.0, fairness=TIGHT)
    raw, _, lp, _ = solve_allocation(inputs)
    assert levels.read_plan(inputs, raw, lp, SolverOptions(), ahead=False).ahead == {}


def test_rule_levels_take_the_level_started_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = tiny(capacity_a=60.0, fairness=TIGHT)
    raw, reading = _read(inputs)
    cold = rl.rule_levels(_explain(inputs, raw, None))  # solves the level itself
    ex = _explain(inputs, raw, reading)
    reading.ahead[(st.CAPACITY_RULE,)].wait()
    monkeypatch.setattr(rl, "solve_allocation", lambda *a: pytest.fail("solved again"))
    got = rl.rule_levels(ex)
    pd.testing.assert_frame_equal(got, cold)
    assert ex.ahead == {}  # taken: its frames are the explanation's now
    b = got.xs("B", level=n.TEAM)
    assert b[st.CAPACITY_RULE].sum() == pytest.approx(200.0)  # the band moves 20 to B
    assert b[st.FAIRNESS].sum() == pytest.approx(220.0)


def test_the_solve_error_is_raised_where_the_level_is_taken(
        monkeypatch: pytest.MonkeyPatch) -> None:
    error = TargetUnreachableError("allocation infeasible: capacity of team A short", "")

    def fail(model: AllocationInputs, solver: SolverOptions) -> None:
        raise error
    monkeypatch.setattr(levels, "solve_allocation", fail)
    level = levels.start_level(tiny(), SolverOptions())
    level.wait()
    with pytest.raises(TargetUnreachableError) as caught:
        level.result()
    assert caught.value is error


def test_a_process_forked_mid_solve_solves_the_level_itself(
        monkeypatch: pytest.MonkeyPatch) -> None:
    started, release = threading.Event(), threading.Event()
    real = levels.solve_allocation

    def slow(model: AllocationInputs, solver: SolverOptions) -> object:
        if threading.current_thread() is not threading.main_thread():
            started.set()
            release.wait(10)
        return real(model, solver)
    monkeypatch.setattr(levels, "solve_allocation", slow)
    inputs = tiny(capacity_a=60.0)
    level = levels.start_level(inputs, SolverOptions())
    started.wait(10)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the thread is not here
        try:
            plan, *_ = level.result()
            os.write(write, pickle.dumps(plan[n.AMOUNT].round(6).tolist()))
        finally:
            os._exit(0)
    os.close(write)
    release.set()
    with os.fdopen(read, "rb") as pipe:
        child = pickle.loads(pipe.read())
    os.waitpid(pid, 0)
    assert child == level.result()[0][n.AMOUNT].round(6).tolist()


def test_highs_runs_one_solve_at_a_time() -> None:
    running, most = [0], [0]
    lock = threading.Lock()

    class Fake:
        def run(self) -> None:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1
    threads = [threading.Thread(target=highs.run_highs, args=(Fake(),)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1
