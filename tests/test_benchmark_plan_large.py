"""The 400-team benchmark's summary of repeated runs (benchmarks/plan_large.py)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCHMARKS))  # plan_large imports large_history beside it
    spec = importlib.util.spec_from_file_location("bench_plan_large",
                                                  BENCHMARKS / "plan_large.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_plan_large"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_plan_large", None)
    sys.path.remove(str(BENCHMARKS))


def _run(seconds: float, sha: str) -> dict[str, Any]:
    return {"seconds": seconds, "cpu_seconds": seconds * 1.5, "peak_mb": 900,
            "stages": {"load": 1.0, "outputs": seconds - 1.0}, "plan_csv_sha256": sha}


def test_runs_writing_the_same_plan_are_repeatable(bench: ModuleType) -> None:
    line = bench._median([_run(30.0, "aa"), _run(28.0, "aa"), _run(35.0, "aa")])
    assert line["repeatable"] is True
    assert line["seconds"] == 30.0 and line["seconds_all"] == [30.0, 28.0, 35.0]
    assert line["stages"] == {"load": 1.0, "outputs": 29.0}


def test_one_different_plan_is_not_repeatable(bench: ModuleType) -> None:
    assert bench._median([_run(30.0, "aa"), _run(31.0, "ab")])["repeatable"] is False
