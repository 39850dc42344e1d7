"""Every way of solving the driver model gives the same uplifts (to 1e-9).

A single run (:func:`planner.pipeline.run_drivers`), a sweep at the same multiple
(:func:`planner.pipeline.sweep_scenario`), a comparison (:mod:`planner.compare`) and the
unreachable diagnosis all solve through :class:`planner.drivers.backend.DriverEngine`:
on the shipped sample scenarios they must agree to 1e-9, not merely to a tolerance.
The diagnosis of an out-of-reach target must show the point
:func:`planner.drivers.search.reach` finds on the same tree, and the sweep's frontier
must be that point's multiple.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, SampleHistory, history_key

import planner.drivers.solve as drivers_solve
from planner import api
from planner.baselines.compute import Baselines
from planner.compare import Comparison, ScenarioRun, compare_runs, run_scenario
from planner.drivers import DriverResult
from planner.drivers.hiring import hiring_adjust
from planner.drivers.rules import cell_rules
from planner.drivers.search import Point, reach
from planner.drivers.sweep import SweepResult
from planner.drivers.tree import DriverTree, build_tree
from planner.errors import TargetUnreachableError
from planner.history.dataset import Dataset
from planner.pipeline import (
    capacity_of,
    run_drivers,
    scenario_calendar,
    sweep_scenario,
)
from planner.scenario.values import Scenario

# the sample plan year 2027 has no official Chinese schedule yet: estimated on purpose
pytestmark = pytest.mark.filterwarnings("ignore::planner.calendar.CalendarWarning")

SCENARIOS = REPO / "scenarios"
NAMES = ("sample_10x", "sample_conservative")
#: A target multiple past what each scenario's levers can reach (about 10.5x to 11x).
BEYOND = {"sample_10x": 15.0, "sample_conservative": 12.0}
TOL = 1e-9
LEVERS_HEADING = "## Levers at the largest reachable point"


def beyond_label(name: str) -> str:
    """Label of the out-of-reach what-if of scenario ``name``."""
    return f"{name}_{BEYOND[name]:g}x"


@dataclass
class History:
    """The one data set and trailing window both sample scenarios read."""

    dataset: Dataset
    baselines: Baselines


@dataclass
class Compared:
    """A comparison of the scenarios and their out-of-reach what-ifs.

    ``diagnosed`` holds, by label, the point each unreachable diagnosis was written at.
    """

    comparison: Comparison
    diagnosed: dict[str, Point]

    def run(self, label: str) -> ScenarioRun:
        """The run labelled ``label``."""
        return next(r for r in self.comparison.runs if r.label == label)


@pytest.fixture(scope="module")
def scenarios(sample_dir: Path) -> dict[str, Scenario]:
    return {name: api.load(SCENARIOS / f"{name}.toml", data_dir=sample_dir) for name in NAMES}


@pytest.fixture(scope="module")
def history(scenarios: dict[str, Scenario], sample_history: SampleHistory) -> History:
    """The session's sample history and baselines (loaded once per session)."""
    keys = {(s.data_dir, s.mapping, s.window_end, s.trailing_months, s.ramp_months, s.country)
            for s in scenarios.values()}
    assert len(keys) == 1, keys  # one data set and window: the baselines are shared
    assert {history_key(s) for s in scenarios.values()} == {sample_history.key}
    return History(sample_history.dataset, sample_history.baselines)


@pytest.fixture(scope="module")
def singles(scenarios: dict[str, Scenario], history: History) -> dict[str, DriverResult]:
    return {name: run_drivers(s, history.baselines, scenario_calendar(s))
            for name, s in scenarios.items()}


@pytest.fixture(scope="module")
def sweeps(scenarios: dict[str, Scenario], history: History) -> dict[str, SweepResult]:
    """One sweep per scenario: at its own multiple and at the out-of-reach one."""
    return {name: sweep_scenario(s, np.array([float(s.target_multiple or 0), BEYOND[name]]),
                                 dataset=history.dataset)
            for name, s in scenarios.items()}


@pytest.fixture(scope="module")
def compared(scenarios: dict[str, Scenario], history: History) -> Compared:
    """The compare path (run_scenario per scenario, then the side-by-side tables), with
    the point behind each unreachable diagnosis recorded on the way."""
    diagnosed: list[Point] = []
    real = drivers_solve._unreachable

    def spy(tree: DriverTree, best: Point, *args: object) -> TargetUnreachableError:
        diagnosed.append(best)
        return real(tree, best, *args)

    runs, points = [], {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(drivers_solve, "_unreachable", spy)
        for name, scenario in scenarios.items():
            runs.append(run_scenario(scenario, name, history.baselines))
        for name, scenario in scenarios.items():
            label = beyond_label(name)
            what_if = api.what_if(scenario, label, target_multiple=BEYOND[name])
            before = len(diagnosed)
            runs.append(run_scenario(what_if, label, history.baselines))
            assert len(diagnosed) == before + 1, f"{label}: no diagnosis was written"
            points[label] = diagnosed[-1]
    assert len(diagnosed) == len(NAMES)  # the scenarios themselves are within reach
    return Compared(compare_runs(runs), points)


@dataclass
class Reached:
    """What :func:`planner.drivers.search.reach` finds on a scenario's tree."""

    tree: DriverTree
    point: Point
    multiple: float


@pytest.fixture(scope="module")
def reached(scenarios: dict[str, Scenario], history: History) -> dict[str, Reached]:
    """reach on each scenario's tree (built as the pipeline builds it), on a fresh engine."""
    out = {}
    baselines = history.baselines
    for name, scenario in scenarios.items():
        calendar = scenario_calendar(scenario)
        cap = capacity_of(scenario, baselines, calendar)
        tree = build_tree(baselines.product_segments, baselines.products, scenario.levers,
                          max(cap.multiple, 1e-6))
        adjust = hiring_adjust(scenario, baselines, calendar, cap)  # [hiring]: seats hire
        tree = tree if adjust is None else adjust(tree)
        best, _ = reach(tree, scenario.buffer, scenario.solver.time_limit,
                        cell_rules(scenario.mix, scenario.supply))
        assert best is not None
        out[name] = Reached(tree, best, best.revenue(tree) / baselines.total_amount)
    return out


def uplifts(point: Point) -> pd.Series:
    """The point's uplift per lever (0.25 = +25%)."""
    return pd.Series({name: math.expm1(x) for name, x in point.x.items()})


def diagnosis_uplifts(diagnosis: str) -> dict[str, str]:
    """Lever -> uplift text, from the diagnosis's table of levers at the reachable point."""
    assert LEVERS_HEADING in diagnosis, diagnosis
    section = diagnosis.split(LEVERS_HEADING, 1)[1].strip().splitlines()
    header = [c.strip() for c in section[0].strip("|").split("|")]
    out = {}
    for line in section[2:]:
        if not line.startswith("|"):
            break
        cells = dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True))
        out[cells["lever"]] = cells["uplift"]
    return out


@pytest.mark.parametrize("name", NAMES)
def test_sweep_gives_the_single_runs_uplifts(name: str, scenarios: dict[str, Scenario],
                                             singles: dict[str, DriverResult],
                                             sweeps: dict[str, SweepResult]) -> None:
    multiple = float(scenarios[name].target_multiple or 0)
    single = singles[name].drivers.set_index("lever")["uplift"]
    table = sweeps[name].table.set_index("multiple")
    row = table.loc[multiple]
    assert bool(row["feasible"])
    swept = pd.Series({lever: row[f"uplift_{lever}"] for lever in single.index})
    assert sorted(c.removeprefix("uplift_") for c in table.columns
                  if c.startswith("uplift_")) == sorted(single.index)
    np.testing.assert_allclose(swept.to_numpy(), single.to_numpy(), rtol=0, atol=TOL,
                               err_msg=f"{name}: sweep vs single run")
    assert row["achieved_multiple"] == pytest.approx(
        singles[name].achieved / singles[name].history_total, rel=0, abs=TOL)
    assert row["achieved_multiple"] == pytest.approx(multiple, rel=1e-9)
    # the out-of-reach multiple is marked so, with no uplifts
    far = table.loc[BEYOND[name]]
    assert not bool(far["feasible"])
    assert far[[f"uplift_{lever}" for lever in single.index]].isna().all()
    assert sweeps[name].frontier["max_multiple"].iloc[0] == pytest.approx(
        singles[name].reach_multiple, rel=0, abs=TOL)


@pytest.mark.parametrize("name", NAMES)
def test_compare_gives_the_single_runs_uplifts(name: str, singles: dict[str, DriverResult],
                                               compared: Compared) -> None:
    single = singles[name].drivers.set_index("lever")["uplift"]
    levers = compared.comparison.levers.set_index("lever")[name].dropna()
    assert sorted(levers.index) == sorted(single.index)
    np.testing.assert_allclose(levers.loc[single.index].to_numpy(), single.to_numpy(), rtol=0,
                               atol=TOL, err_msg=f"{name}: compare vs single run")
    summary = compared.comparison.summary.set_index("scenario")
    assert bool(summary.loc[name, "feasible"])
    assert summary.loc[name, "max_multiple"] == pytest.approx(singles[name].reach_multiple,
                                                              rel=0, abs=TOL)
    # the out-of-reach what-if has no uplifts in the comparison
    assert compared.comparison.levers[beyond_label(name)].isna().all()


@pytest.mark.parametrize("name", NAMES)
def test_diagnosis_shows_the_reach_point(name: str, reached: dict[str, Reached],
                                         compared: Compared) -> None:
    expected = uplifts(reached[name].point)
    label = beyond_label(name)
    # the point the diagnosis was written at is reach's point, lever by lever
    shown = uplifts(compared.diagnosed[label])
    assert list(shown.index) == list(expected.index)
    np.testing.assert_allclose(shown.to_numpy(), expected.to_numpy(), rtol=0, atol=TOL,
                               err_msg=f"{label}: diagnosis point vs reach")
    # and its table shows those uplifts
    run = compared.run(label)
    assert not run.feasible
    assert diagnosis_uplifts(run.diagnosis) == {lever: f"{u:+.1%}"
                                                for lever, u in expected.items()}
    reach_multiple = reached[name].multiple
    assert run.reason.startswith(f"target {BEYOND[name]:.2f}x (")
    assert f"the levers at their caps give at most {reach_multiple:.2f}x" in run.reason
    assert run.reach_multiple == pytest.approx(reach_multiple, rel=0, abs=TOL)
    assert reach_multiple < BEYOND[name]


@pytest.mark.parametrize("name", NAMES)
def test_frontier_is_the_reach_multiple(name: str, scenarios: dict[str, Scenario],
                                        reached: dict[str, Reached],
                                        singles: dict[str, DriverResult],
                                        sweeps: dict[str, SweepResult]) -> None:
    reach_multiple = reached[name].multiple
    frontier = float(sweeps[name].frontier["max_multiple"].iloc[0])
    assert frontier == pytest.approx(reach_multiple, rel=0, abs=TOL)
    assert singles[name].reach_multiple == pytest.approx(reach_multiple, rel=0, abs=TOL)
    assert float(scenarios[name].target_multiple or 0) < frontier < BEYOND[name]
