"""The Explain sheet's plain rows equal the explanation's frames; the plan's rule slackness
is read once, from the plan's own model, and equals a test on a model built again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import SamplePlan

from planner.explain import rules
from planner.explain import steps as st
from planner.explain.binding import team_binding
from planner.explain.inputs import inputs_of
from planner.explain.months import month_steps
from planner.explain.shared import sums_by
from planner.explain.table import product_steps, team_steps
from planner.explain.team_sheet import team_sheet
from planner.plan_result import PlanResult

SAMPLE = ("sample_10x.toml", "sample_conservative.toml", "sample_high_margin.toml")


@pytest.fixture(scope="module")
def plans(sample_plans: Callable[[str], SamplePlan]) -> dict[str, PlanResult]:
    """The shipped sample scenarios planned (once per session; this module's copies)."""
    return {name: sample_plans(name).result for name in SAMPLE}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_team_sheet_rows_equal_the_frames(plans: dict[str, PlanResult], lang: str) -> None:
    for result in plans.values():
        for team in map(str, result.teams):
            sheet = team_sheet(result, team, lang)
            steps = team_steps(result, team, lang)
            assert [s for s, _, _ in sheet.steps] == steps["step"].tolist()
            assert [c for _, c, _ in sheet.steps] == steps["cents"].tolist()
            assert [t for _, _, t in sheet.steps] == steps["note"].tolist()
            binding = team_binding(result, team, lang)
            assert sheet.rules == list(zip(binding["rule"], binding["marginal_value"],
                                           binding["note"], strict=True))
            grid = product_steps(result, team)
            assert sheet.products == [str(p) for p in grid.index]
            assert sheet.cents.tolist() == grid[[*st.FAMILIES, "target"]].to_numpy().tolist()
            months = month_steps(result, team, lang)
            pd.testing.assert_frame_equal(sheet.months.frame(), months)


def test_plan_slack_is_read_when_the_plan_is_made(plans: dict[str, PlanResult]) -> None:
    for result in plans.values():
        ex = inputs_of(result)
        assert ex.plan_slack is not None and set(ex.plan_slack) == set(st.RULE_STEPS)
        amounts = ex.raw["amount"].to_numpy(float)
        for step in st.RULE_STEPS:  # the same answer as a model built again
            assert ex.plan_slack[step] == rules.slack_rows_hold(ex.allocation, amounts, [step])


def test_rule_levels_without_the_plans_slackness_are_the_same(
        plans: dict[str, PlanResult], monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[int] = []
    real = rules.build_allocation
    monkeypatch.setattr(rules, "build_allocation",
                        lambda inputs: builds.append(1) or real(inputs))
    for result in plans.values():
        ex = inputs_of(result)
        ex.cache.pop("rule_levels", None)
        kept = rules.rule_levels(ex)
        assert builds == []  # the plan's model is not built again
        again = replace(ex, cache={}, reference=None, plan_slack=None)
        pd.testing.assert_frame_equal(rules.rule_levels(again), kept)
        if len(rules.present(ex.allocation)) > 1:  # a rule to take off: built once
            assert len(builds) == 1
            assert again.plan_slack == ex.plan_slack
        builds.clear()


def test_sums_by_adds_each_keys_values_as_a_filter_would() -> None:
    rng = np.random.default_rng(3)
    keys = rng.choice(np.array(["A", "B", "C"], dtype=object), 5000)
    values = rng.normal(size=5000) * 1e7
    got = sums_by(keys, values)
    frame = pd.DataFrame({"k": keys, "v": values})
    assert list(got) == [str(k) for k in pd.unique(keys)]  # in order of first appearance
    for key, total in got.items():
        assert total == float(frame.loc[frame["k"] == key, "v"].sum())
    assert sums_by(np.array([], dtype=object), np.array([])) == {}
