"""HiGHS finds every driver LP well scaled: its log holds no warning on any scenario.

Each :class:`planner.drivers.backend.DriverEngine` is made to write HiGHS's own log to a
file (never to the terminal) and the log is read back: HiGHS warns there about
excessively small or large costs, matrix values, bounds and right-hand sides.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import test_driver_optimality as cases
from conftest import REPO, SHARED_DATA, baselines_once, scenarios_with_sample

from planner.drivers import build_tree, solve_drivers
from planner.drivers.backend import DriverEngine
from planner.pipeline import run_drivers, scenario_calendar
from planner.scenario import load_scenario
from planner.scenario.values import LeverSpec, MixRule

SCENARIOS = REPO / "scenarios"
SAMPLE_DATA = (REPO / "data" / "sample").resolve()


@pytest.fixture
def highs_logs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """Every engine made while the fixture is active logs to a file of its own."""
    logs: list[Path] = []
    original = DriverEngine.__init__

    def logging_init(self: DriverEngine, tree, time_limit: float = 60.0,
                     log_file: Path | None = None) -> None:
        logs.append(tmp_path / f"highs_{len(logs)}.log")
        original(self, tree, time_limit, log_file=logs[-1])

    monkeypatch.setattr(DriverEngine, "__init__", logging_init)
    return logs


def warnings_in(logs: list[Path]) -> list[str]:
    assert logs and all(log.is_file() for log in logs)
    text = "\n".join(log.read_text() for log in logs)
    assert "Coefficient ranges" in text  # the log really is HiGHS's
    return [line for line in text.splitlines() if "WARNING" in line.upper()]


@pytest.fixture(scope="module")
def copied(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scenarios/ with data/sample beside it holding the session's sample."""
    return scenarios_with_sample(tmp_path_factory, sample_dir, "scaling")


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.toml")))
def test_shipped_scenarios_are_well_scaled(name: str, copied: Path,
                                           highs_logs: list[Path]) -> None:
    scenario = load_scenario(SCENARIOS / name)
    if scenario.data_dir == SAMPLE_DATA:
        scenario = load_scenario(copied / name)
    elif scenario.data_dir is None or not scenario.data_dir.is_dir():
        pytest.skip(f"real data not available under {SHARED_DATA}")
    # the history and baselines made once per session (the three sample scenarios share
    # theirs); each scenario builds and solves its own driver model on them
    run_drivers(scenario, baselines_once(scenario).baselines, scenario_calendar(scenario))
    assert warnings_in(highs_logs) == []


def test_small_cases_with_rules_and_falls_are_well_scaled(highs_logs: list[Path]) -> None:
    df = cases.cells()
    prods = cases.products(df)
    total = float(df["amount"].sum())
    specs = cases.levers(customers=(-0.2, 0.6), repurchase=0.5, ticket=0.3) + (
        cases.productivity(cap=0.4),
        LeverSpec("customers_high", "customers", products=("FIX",), cap=1.0, cost=2.5),
    )
    tree = build_tree(df, prods, specs, 0.95)
    high = df.query("product == 'FIX'")["amount"].sum() / total
    solve_drivers(tree, 1.3 * total, total, prods, buffer=0.1,
                  mix=(MixRule(tier="high", min_share=high + 0.02),))
    solve_drivers(tree, 0.97 * total, total, prods, buffer=0.1)
    assert warnings_in(highs_logs) == []
