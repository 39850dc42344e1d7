"""Every scenario in scenarios/ runs ``planner plan`` to the end (exit 0).

The sample scenarios read ``../data/sample``: they run from a copy of scenarios/ whose
``data/sample`` is the session's sample data. The real data sets are read from
``../shared/data`` (beside the repository) and skipped when absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, SHARED_DATA, run_cli

from planner.scenario import load_scenario

SCENARIOS = REPO / "scenarios"
SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.toml"))
SAMPLE_DATA = (REPO / "data" / "sample").resolve()


def test_the_issue_scenarios_are_shipped() -> None:
    assert {"sample_10x.toml", "sample_conservative.toml", "sample_high_margin.toml",
            "online_retail.toml", "superstore.toml"} <= set(SHIPPED)


@pytest.fixture(scope="module")
def copied(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scenarios/ copied byte for byte, with data/sample beside it holding the sample."""
    root = tmp_path_factory.mktemp("shipped")
    shutil.copytree(SCENARIOS, root / "scenarios")
    (root / "data").mkdir()
    try:
        (root / "data" / "sample").symlink_to(sample_dir, target_is_directory=True)
    except OSError:  # no symlinks (Windows without the privilege): copy
        shutil.copytree(sample_dir, root / "data" / "sample")
    return root / "scenarios"


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_plans(name: str, copied: Path, tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / name)
    if scenario.data_dir == SAMPLE_DATA:
        path = copied / name
    elif scenario.data_dir is not None and SHARED_DATA.resolve() in scenario.data_dir.parents:
        if not scenario.data_dir.is_dir():
            pytest.skip(f"real data not available: {scenario.data_dir}")
        path = SCENARIOS / name
    else:
        pytest.fail(f"{name}: data dir {scenario.data_dir} is neither the sample "
                    f"({SAMPLE_DATA}) nor under {SHARED_DATA}")
    out = tmp_path / "out"
    run = run_cli("plan", path, "--out", out)
    assert run.status == 0, run.stdout + run.stderr
    assert f"plan '{scenario.name}'" in run.stdout
    plan = pd.read_csv(out / "plan.csv")
    drivers = pd.read_csv(out / "drivers.csv")
    targets = pd.read_csv(out / "product_targets.csv")
    # team targets are the company target plus the buffer; levers multiply out to the target
    assert plan["amount"].sum() == pytest.approx(targets["target_amount"].sum()
                                                 * (1 + scenario.buffer), rel=1e-6)
    assert (drivers["uplift"] <= drivers["cap"] + 1e-9).all()
    assert (out / "summary.xlsx").is_file() and any((out / "teams").iterdir())
    # the product-mix rules hold (tiers from the summary workbook's product targets sheet)
    sheet = pd.read_excel(out / "summary.xlsx", sheet_name="Product targets", header=2)
    tiers = dict(zip(sheet["Product"].astype(str), sheet["Margin tier"].astype(str),
                     strict=True))
    for rule in scenario.mix:
        inside = targets["product"].astype(str).map(tiers) == rule.tier
        share = targets.loc[inside, "target_amount"].sum() / targets["target_amount"].sum()
        if rule.min_share is not None:
            assert share >= rule.min_share - 1e-6, (rule, share)
