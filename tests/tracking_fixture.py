"""The tracking story on the sample data: plan 2026 from 2025, actuals = 2026's sales.

The sample's transactions run from 2025-01-01 into 2026 (planner/sample/generate.py):
the history folder keeps 2025, the actuals folder holds 2026 in the same format.
Imported by tests/test_track.py and tests/test_replan.py (session-scoped fixtures).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

YEAR = 2026
AS_OF = "2026-06-30"
SCENARIO = """
[calendar]
year = 2026
[target]
multiple = 1.15
"""


@dataclass(frozen=True)
class Story:
    """Folders of the story."""

    history: Path
    actuals: Path
    scenario: Path
    plan: Path


def split_sample(sample: Path, out: Path) -> tuple[Path, Path]:
    """History (2025) and actuals (2026) folders from the sample data set."""
    folders = []
    sales = pd.read_csv(sample / "sales.csv", dtype=str, keep_default_na=False)
    customers = pd.read_csv(sample / "customers.csv", dtype=str, keep_default_na=False)
    for name, keep in (("history", lambda d: d < "2026-01-01"),
                       ("actuals", lambda d: d >= "2026-01-01")):
        folder = out / name
        folder.mkdir(parents=True)
        sales.loc[keep(sales["date"])].to_csv(folder / "sales.csv", index=False)
        customers.loc[keep(customers["month"])].to_csv(folder / "customers.csv", index=False)
        for file in ("seats.csv", "products.csv"):
            shutil.copy(sample / file, folder / file)
        folders.append(folder)
    return folders[0], folders[1]


@pytest.fixture(scope="session")
def story(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Story:
    """The sample split into 2025 history and 2026 actuals, and the 2026 plan."""
    from planner import api

    root = tmp_path_factory.mktemp("story")
    history, actuals = split_sample(sample_dir, root)
    scenario = root / "s26.toml"
    scenario.write_text(f'name = "s26"\n[data]\ndir = "{history.as_posix()}"\n' + SCENARIO,
                        encoding="utf-8")
    plan = root / "plan"
    api.plan(scenario).write(plan)
    return Story(history, actuals, scenario, plan)
