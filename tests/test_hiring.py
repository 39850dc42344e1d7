"""Hiring as a lever: the driver model hires capacity, the allocation places whole seats."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import scenario_file

from planner import names as n
from planner.drivers.search import stretch_cost
from planner.drivers.solve import solve_drivers
from planner.drivers.tree import SEATS_LEVER, build_tree
from planner.errors import ScenarioError, TargetUnreachableError
from planner.pipeline import (
    load_history,
    plan_from_baselines,
    run_drivers,
    scenario_baselines,
    scenario_calendar,
)
from planner.plan_result import PlanResult
from planner.scenario.parse import load_scenario
from planner.scenario.values import Scenario

TEAMS = ["T01", "T02", "T03", "T04", "T05", "T06"]
MONTHS = [3, 4, 5, 6]
BODY = """
[calendar]
year = 2027
[target]
multiple = 2.5
buffer = 0.1
[levers.productivity]
cap = 0.1
[attrition]
monthly_rate = 0.01
[allocation]
ramp_months = 5
fairness_band = 10.0
capacity_headroom = 0.15
"""
HIRING = """
[hiring]
grades = ["C", "D"]
teams = ["T01", "T02", "T03", "T04", "T05", "T06"]
months = [3, 4, 5, 6]
max_per_month = 40
max_total = 1000
cost = 1.0
"""


@pytest.fixture(scope="module")
def hiring_scenario(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    folder = tmp_path_factory.mktemp("hiring")
    return load_scenario(scenario_file(folder, sample_dir, BODY + HIRING))


@pytest.fixture(scope="module")
def baselines(hiring_scenario: Scenario):  # type: ignore[no-untyped-def]
    return scenario_baselines(hiring_scenario, load_history(hiring_scenario))


@pytest.fixture(scope="module")
def hired(hiring_scenario: Scenario, baselines) -> PlanResult:  # type: ignore[no-untyped-def]
    return plan_from_baselines(hiring_scenario, baselines)


def test_scenario_reads_hiring(hiring_scenario: Scenario) -> None:
    spec = hiring_scenario.hiring
    assert spec is not None
    assert (spec.grades, spec.teams, spec.months) == (("C", "D"), tuple(TEAMS), tuple(MONTHS))
    assert (spec.max_per_month, spec.max_per_grade, spec.max_total, spec.cost) == (40, {}, 1000,
                                                                                   1.0)


def test_per_grade_limit_and_turning_hiring_off(sample_dir: Path, tmp_path: Path) -> None:
    per_grade = load_scenario(scenario_file(tmp_path, sample_dir, BODY + HIRING.replace(
        "max_per_month = 40", "max_per_month = { C = 20, D = 5 }"), "a.toml"))
    assert per_grade.hiring is not None
    assert (per_grade.hiring.max_per_month, per_grade.hiring.max_per_grade) == (
        None, {"C": 20, "D": 5})
    off = load_scenario(scenario_file(tmp_path, sample_dir, BODY + HIRING.replace(
        "max_total = 1000", "max_total = 0"), "b.toml"))
    assert off.hiring is None


def test_bad_hiring_keys_are_reported_together(sample_dir: Path, tmp_path: Path) -> None:
    bad = HIRING.replace("months = [3, 4, 5, 6]", "months = [3, 3, 13]").replace(
        "max_per_month = 40", "max_per_month = { C = -1 }")
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario_file(tmp_path, sample_dir, BODY + bad))
    text = str(info.value)
    assert "s.toml line 22: hiring.months: 13 in [3, 3, 13] must be 1..12" in text
    assert "s.toml: hiring.max_per_month.C: -1 must be between 0 and 100000" in text
    twice = HIRING.replace("months = [3, 4, 5, 6]", "months = [3, 3]")
    with pytest.raises(ScenarioError, match=r"hiring\.months: \[3, 3\] lists month 3 more "
                       r"than once; list each month once"):
        load_scenario(scenario_file(tmp_path, sample_dir, BODY + twice, "t.toml"))


def test_unknown_team_or_grade_is_refused(hiring_scenario: Scenario, baselines) -> None:  # type: ignore[no-untyped-def]
    spec = replace(hiring_scenario.hiring, teams=("t01",), grades=("Z",))
    with pytest.raises(ScenarioError) as info:
        run_drivers(replace(hiring_scenario, hiring=spec), baselines,
                    scenario_calendar(hiring_scenario))
    text = str(info.value)
    assert "hiring.teams: 't01' is not a team in the data; did you mean 'T01'?" in text
    assert "hiring.grades: 'Z' has no productivity in the history" in text


def test_whole_seats_only_where_and_when_allowed(hired: PlanResult) -> None:
    plan = hired.hiring
    assert plan is not None and plan.total > 0
    hires = plan.hires
    assert list(hires.columns) == ["team", "grade", "month", "count"]
    assert hires["count"].dtype.kind == "i" and (hires["count"] > 0).all()
    assert set(hires[n.TEAM]) <= set(TEAMS)
    assert set(hires[n.GRADE]) <= {"C", "D"}
    assert {int(m[-2:]) for m in hires[n.MONTH]} <= set(MONTHS)
    assert hires.groupby([n.TEAM, n.MONTH])["count"].sum().max() <= 40
    assert plan.total <= 1000
    # every hired seat is in the roster the plan splits over, joining on the 1st of its month
    roster = hired.seats.loc[hired.seats["hired"].astype(bool)]
    assert len(roster) == plan.total
    starts = roster.groupby([n.TEAM, n.GRADE, roster[n.START_DATE].dt.strftime("%Y-%m")]).size()
    expected = hires.set_index([n.TEAM, n.GRADE, n.MONTH])["count"]
    assert starts.sort_index().tolist() == expected.sort_index().tolist()
    # the continuous placement was rounded up, seat by seat
    exact = plan.exact.groupby([n.TEAM, n.GRADE, n.MONTH])["value"].sum()
    whole = hires.assign(**{n.MONTH: hires[n.MONTH].str[-2:].astype(int)}).set_index(
        [n.TEAM, n.GRADE, n.MONTH])["count"]
    assert (whole.reindex(exact.index).fillna(0) >= exact - 1e-6).all()
    # the seats get targets in plan_seats.csv
    seats = hired.plan_seats.loc[hired.plan_seats[n.SEAT].isin(roster[n.SEAT])]
    assert seats[n.SEAT].nunique() == plan.total and seats[n.AMOUNT].sum() > 0


def test_hired_capacity_covers_the_plan_in_every_hiring_team_week(hired: PlanResult) -> None:
    cap = hired.capacity.loc[hired.capacity[n.TEAM].isin(TEAMS)]
    cover = cap["capacity"] / 1.15  # capacity is stored with the headroom
    # whole units: a week part may carry up to one ticket of each fixed-ticket product more
    tickets = hired.product_targets["ticket"].dropna()
    slack = float(tickets.sum()) + 1.0
    over = cap["load"] - cover
    assert len(cap) == 6 * 53 or len(cap) == 6 * 52
    assert over.max() <= slack, cap.loc[over.idxmax()]
    assert hired.hiring.roster_multiple > hired.hiring.fixed_multiple


def test_the_driver_model_hires_what_capacity_needs(hiring_scenario: Scenario,
                                                    hired: PlanResult) -> None:
    drivers = hired.drivers.set_index("lever")
    assert drivers.loc["productivity", "uplift"] == pytest.approx(0.1)
    seats = drivers.loc[SEATS_LEVER]
    assert seats["binding"] == "" and seats["uplift"] > 0.3
    plan = hired.hiring
    assert plan.driver_multiple == pytest.approx(1 + seats["uplift"])
    # the whole seats carry what the hiring teams need; the other teams may use their
    # headroom (capacity_headroom), so the roster can stay a little below the driver's ask
    assert plan.fixed_multiple < plan.roster_multiple <= plan.driver_multiple * 1.15


def test_outputs(hired: PlanResult, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from planner.outputs.write import write_outputs

    write_outputs(hired, tmp_path)
    table = pd.read_csv(tmp_path / "hiring_plan.csv")
    assert list(table.columns) == ["team", "grade", "month", "count"]
    assert int(table["count"].sum()) == hired.hiring.total
    book = load_workbook(tmp_path / "summary.xlsx")
    sheet = book["Hiring"]
    assert sheet["A1"].value == "Hiring plan: seats by month vs need"
    assert sheet["A6"].value == "2027-01" and sheet["A17"].value == "2027-12"
    assert sheet["C17"].value == hired.hiring.total
    team = load_workbook(tmp_path / "teams" / f"{table['team'].iloc[0]}.xlsx")
    seats_text = " ".join(str(c.value) for ws in team.worksheets for row in ws.iter_rows()
                          for c in row if c.value is not None)
    assert f"{table['team'].iloc[0]}-new-" in seats_text


def test_without_hiring_the_results_are_unchanged(hiring_scenario: Scenario,
                                                  baselines) -> None:  # type: ignore[no-untyped-def]
    levers = tuple(replace(lv, cap=0.3) if lv.kind == "productivity" else lv
                   for lv in hiring_scenario.levers)
    plain = replace(hiring_scenario, hiring=None, levers=levers, target_multiple=1.05)
    calendar = scenario_calendar(plain)
    a = run_drivers(plain, baselines, calendar)
    tree = build_tree(baselines.product_segments, baselines.products, plain.levers,
                      a.tree.seat_multiple)
    b = solve_drivers(tree, a.target, baselines.total_amount, baselines.products,
                      buffer=plain.buffer, capacity_baselines={}, time_limit=60.0)
    assert a.tree.levers[SEATS_LEVER].fixed
    pd.testing.assert_frame_equal(a.product_targets, b.product_targets)


def _cost(tree, target: float, baselines, buffer: float) -> float:  # type: ignore[no-untyped-def]
    result = solve_drivers(tree, target, baselines.total_amount, baselines.products,
                           buffer=buffer, capacity_baselines={}, time_limit=60.0)
    return stretch_cost(tree, np.array([result.point.x[k] for k in tree.levers]))


def test_marginal_value_of_hiring_matches_a_finite_difference(hiring_scenario: Scenario,
                                                              baselines) -> None:  # type: ignore[no-untyped-def]
    calendar = scenario_calendar(hiring_scenario)
    solved = run_drivers(hiring_scenario, baselines, calendar)
    row = solved.drivers.set_index("lever").loc[SEATS_LEVER]
    buffer, tree, target = hiring_scenario.buffer, solved.tree, solved.target
    # re-solved with hiring free: a little capacity for free (a smaller buffer: the
    # capacity rows' right side) saves mu of stretch cost per unit of log capacity; a
    # little more target costs lambda per unit of revenue
    step, more = 1e-4, target * 1e-6
    base = _cost(tree, target, baselines, buffer)
    freer = _cost(tree, target, baselines, math.expm1(math.log1p(buffer) - step))
    dearer = _cost(tree, target + more, baselines, buffer)
    mu, lam = (base - freer) / step, (dearer - base) / more
    value = mu / lam * 0.01 / (1 + row["uplift"])
    assert base == pytest.approx(stretch_cost(tree, np.array(
        [solved.point.x[k] for k in tree.levers])))
    assert row["marginal_value"] > 0
    assert row["marginal_value"] == pytest.approx(value, rel=1e-3)


def test_more_seats_in_the_diagnosis(hiring_scenario: Scenario, baselines) -> None:  # type: ignore[no-untyped-def]
    scarce = replace(hiring_scenario, hiring=replace(hiring_scenario.hiring, max_total=20))
    with pytest.raises(TargetUnreachableError) as info:
        run_drivers(scarce, baselines, scenario_calendar(scarce))
    text = str(info.value)
    found = pd.Series([text]).str.extract(r"more hiring would reach it, (\d+) more seats: "
                                          r"\+(\d+) seats of grade ([CD]) in team (T0[1-6]) "
                                          r"by month 2027-(0[3-6])")
    assert found.notna().all(axis=None), text
    assert "## Hiring" in info.value.diagnosis
    # that many more seats do reach the target
    seats = int(found.iloc[0, 0])
    enough = replace(hiring_scenario, hiring=replace(hiring_scenario.hiring, max_total=20 + seats))
    reached = run_drivers(enough, baselines, scenario_calendar(enough))
    assert reached.achieved == pytest.approx(reached.target, rel=1e-6)
    fewer = replace(hiring_scenario, hiring=replace(hiring_scenario.hiring,
                                                    max_total=20 + seats - 2))
    with pytest.raises(TargetUnreachableError):
        run_drivers(fewer, baselines, scenario_calendar(fewer))
