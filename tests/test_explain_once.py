"""Every team's explanation pieces are made once per plan, and a team's are a look-up."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from conftest import SamplePlan

from planner import names as n
from planner.explain.binding import _grade_capacity, team_binding
from planner.explain.inputs import inputs_of
from planner.explain.months import month_steps, month_tables
from planner.explain.table import team_steps
from planner.outputs.explain_sheet import prepare_explain
from planner.plan_result import PlanResult


@pytest.fixture(scope="module")
def plan(sample_plans: Callable[[str], SamplePlan]) -> PlanResult:
    """The 10x sample plan (planned once per session; this module's copy)."""
    return sample_plans("sample_10x.toml").result


def test_prepare_makes_every_teams_months(plan: PlanResult) -> None:
    prepare_explain(plan, "en")
    cache = inputs_of(plan).cache
    assert set(cache["months:en"]) == {str(t) for t in plan.teams}
    assert "months:zh" not in cache


def test_months_match_the_plan_per_team(plan: PlanResult) -> None:
    plan_rows = plan.plan
    for team in map(str, plan.teams):
        got = month_steps(plan, team)
        mine = plan_rows.loc[plan_rows[n.TEAM].astype(str) == team]
        per_month = mine.groupby(n.MONTH)[n.AMOUNT].sum().reindex(got["month"]).fillna(0.0)
        assert got["target"].tolist() == np.rint(per_month.to_numpy() * 100).astype(
            np.int64).tolist()
        parts = got["even"] + got["season"] + got["capacity_rules"]
        assert parts.tolist() == got["target"].tolist()


def test_month_steps_is_a_copy(plan: PlanResult) -> None:
    team = str(plan.teams[0])
    first = month_steps(plan, team)
    first.loc[0, "note"] = "changed"
    assert month_steps(plan, team).loc[0, "note"] != "changed"


def test_unknown_team_has_empty_months(plan: PlanResult) -> None:
    got = month_steps(plan, "no such team")
    assert len(got) == 12
    assert got[["even", "season", "capacity_rules", "target"]].to_numpy().sum() == 0
    assert got["month"].iloc[0] == f"{plan.year:04d}-01"


def test_both_languages_have_their_own_months(plan: PlanResult) -> None:
    team = str(plan.teams[0])
    en, zh = month_steps(plan, team, "en"), month_steps(plan, team, "zh")
    assert en["target"].tolist() == zh["target"].tolist()
    assert set(month_tables(plan, "zh")) == set(month_tables(plan, "en"))


def test_shared_facts_are_made_once(plan: PlanResult) -> None:
    teams = [str(t) for t in plan.teams[:2]]
    for team in teams:
        team_steps(plan, team, "en")
    shared = inputs_of(plan).cache["facts:shared:en"]
    assert set(shared) == {"levers", "supply", "mix"}


def test_grade_capacity_is_the_filtered_sum(plan: PlanResult) -> None:
    ex = inputs_of(plan)
    frame = ex.seat_week
    weeks = sorted(frame[n.WEEK].astype(str).unique())[:5]
    for grade in frame[n.GRADE].astype(str).unique():
        expected = frame.loc[(frame[n.GRADE].astype(str) == grade)
                             & frame[n.WEEK].isin(weeks), "capacity"].sum()
        assert _grade_capacity(ex, grade, weeks) == float(expected)
    assert _grade_capacity(ex, "no such grade", weeks) == 0.0


def test_binding_lists_sold_supply_in_order(plan: PlanResult) -> None:
    for team in map(str, plan.teams):
        rules = team_binding(plan, team)
        assert isinstance(rules, pd.DataFrame)
        assert list(rules.columns) == ["rule", "marginal_value", "note"]
