"""The Python API: same steps as the CLI, objects that write themselves; its examples run."""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import planner.api.steps
from planner import api
from planner.errors import OutputError, ScenarioError, TargetUnreachableError
from planner.plan_result import PlanResult
from planner.scenario.values import Scenario

# the sample plan year 2027 has no official Chinese schedule yet: estimated on purpose
pytestmark = pytest.mark.filterwarnings("ignore::planner.calendar.CalendarWarning")

GROW = """
[calendar]
year = 2027
official = true
[target]
multiple = 1.5
[levers.productivity]
cap = 1.0
"""


@pytest.fixture(scope="module")
def grow(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api") / "grow.toml"
    path.write_text(f'name = "grow"\n[data]\ndir = "{sample_dir.as_posix()}"\n' + GROW,
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def planned(grow: Path) -> api.Plan:
    return api.plan(grow)


def test_docstring_examples_run(sample_generated_once: None) -> None:
    # the examples write the sample (seed 7) five times: generated once, written each time
    result = doctest.testmod(planner.api.steps, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 30
    assert result.failed == 0


def test_plan_is_a_plan_result_with_summaries(planned: api.Plan) -> None:
    assert isinstance(planned, PlanResult)
    assert planned.name == "grow"
    assert planned.multiple == pytest.approx(1.5)
    teams = planned.team_targets()
    assert list(teams.columns) == ["team", "amount", "last_year"]
    assert teams["amount"].sum() == pytest.approx(planned.target * 1.1, rel=1e-9)
    assert teams["last_year"].sum() == pytest.approx(planned.history_total, rel=1e-9)
    monthly = planned.monthly()
    assert monthly["month"].tolist() == [f"2027-{m:02d}" for m in range(1, 13)]
    assert planned.reach_multiple > 1.5


def test_plan_write_is_all_or_nothing(planned: api.Plan, tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = planned.write(out)
    assert all(p.is_file() and out in p.parents for p in files)
    assert (out / "teams").is_dir() and (out / "charts" / "waterfall.png").is_file()
    plan = pd.read_csv(out / "plan.csv")
    assert plan["amount"].sum() == pytest.approx(planned.plan["amount"].sum(), rel=1e-12)
    (out / "mine.txt").write_text("keep")
    with pytest.raises(OutputError, match="already exists; pass --force"):
        planned.write(out)
    assert (out / "mine.txt").read_text() == "keep"
    with pytest.raises(OutputError, match=r"holds files planner did not write \(mine.txt\); "
                       "move them out or choose another --out"):
        planned.write(out, force=True)  # a file of the user's is never replaced
    assert (out / "mine.txt").read_text() == "keep"
    (out / "mine.txt").unlink()
    planned.write(out, force=True)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_unreachable_plan_raises_with_the_diagnosis(grow: Path) -> None:
    with pytest.raises(TargetUnreachableError, match=r"^target 9\.00x .* is out of reach") as info:
        api.plan(api.what_if(grow, target_multiple=9.0))
    assert info.value.diagnosis.startswith("# Target unreachable")


def test_what_if() -> None:
    base = Scenario(name="base", target_multiple=None, target_amount=1e9)
    copy = api.what_if(base, target_multiple=2.0, hires=())
    assert (copy.name, copy.target_multiple, copy.target_amount) == ("base-what-if", 2.0, None)
    amount = api.what_if(copy, "fixed", target_amount=5e9)
    assert (amount.target_multiple, amount.target_amount) == (None, 5e9)
    assert base.target_amount == 1e9  # the original is untouched
    with pytest.raises(ScenarioError, match=r"^what_if: hirez is not a scenario setting; did "
                                            r"you mean 'hires'\?$"):
        api.what_if(base, hirez=())


def test_baselines_from_a_scenario_or_a_folder(grow: Path, sample_dir: Path,
                                               tmp_path: Path) -> None:
    from_scenario = api.baselines(grow)
    from_folder = api.baselines(data_dir=sample_dir, window_end="2026-10-31")
    assert from_scenario.total_amount == pytest.approx(from_folder.total_amount)
    pd.testing.assert_frame_equal(from_scenario.products, from_folder.products)
    files = from_folder.write(tmp_path / "b")
    assert [p.name for p in files][-1] == "baselines.xlsx"
    with pytest.raises(OutputError, match="already exists"):
        from_folder.write(tmp_path / "b")
    with pytest.raises(ScenarioError, match=r"^baselines: give a scenario or data_dir=\.\.\., "
                                            r"not both$"):
        api.baselines()
    with pytest.raises(ScenarioError, match="not both"):
        api.baselines(grow, data_dir=sample_dir)


def test_sweep_ranges_lists_and_vary(grow: Path, tmp_path: Path) -> None:
    by_range = api.sweep(grow, "1:2:0.5")
    assert by_range.table["multiple"].tolist() == [1.0, 1.5, 2.0]
    assert by_range.table["feasible"].tolist() == [True, True, False]
    assert by_range.name == "grow"
    varied = api.sweep(api.load(grow), [1.5], vary=("levers.productivity", "0.5:1:0.5"))
    assert varied.table["cap_productivity"].tolist() == [0.5, 1.0]
    frontier = varied.frontier.set_index("cap_productivity")["max_multiple"]
    assert frontier.loc[1.0] > frontier.loc[0.5]
    assert np.isfinite(varied.table["achieved_multiple"].iloc[-1])
    names = [p.name for p in varied.write(tmp_path / "s")]
    assert names == ["sweep.csv", "frontier.csv", "sweep.png"]
    with pytest.raises(ScenarioError, match=r"^multiples '1:x': write start:stop:step"):
        api.sweep(grow, "1:x")


def test_compare_paths_and_scenarios(grow: Path, planned: api.Plan) -> None:
    result = api.compare([grow, api.what_if(grow, "bigger", target_multiple=1.6)])
    assert result.labels == ["grow", "bigger"]
    summary = result.summary.set_index("scenario")
    assert summary.loc["grow", "target"] == pytest.approx(planned.target, rel=1e-12)
    uplift = result.levers.set_index("lever")["grow"].loc[planned.drivers["lever"]]
    np.testing.assert_allclose(uplift, planned.drivers["uplift"], atol=1e-9)
    assert summary.loc["bigger", "multiple"] == pytest.approx(1.6)
    assert bool(summary["feasible"].all())
