"""Checks proven by the bounds of a file's number columns (planner.history.lake, lake_sales).

The count of the rows read also asks for the lowest and highest value of each raw number
column (DuckDB answers from a Parquet file's statistics). The infinity, range and
negative checks those bounds prove empty are left out of the cell-check query, and the
returns counted by ``finish`` are 0 without a scan: every count and message stays what
the full checks give. Here the loader runs on DuckDB with problems worded from the
aggregates (as on Spark), once with the bounds and once without.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from planner.engine.settings import EngineSettings
from planner.errors import InputError
from planner.history import lake_duck
from planner.history.dates import PlanDates
from planner.history.lake_sales import SalesSql
from planner.history.mapping import resolve_mapping

START = date(2027, 1, 1)


class Reporting(lake_duck.DuckBackend):
    """DuckDB wording every problem from the aggregates, as Spark does."""

    reports = True


def load(folder: Path, bounded: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The Dataset (or the InputError) of the SQL path, with or without the bounds."""
    seen: list[dict[str, tuple[float, float]]] = []
    init = SalesSql.__init__

    def sales_sql(self: SalesSql, kinds: Any, tm: Any, labels: Any, bounds: Any = None) -> None:
        seen.append(dict(bounds or {}))
        init(self, kinds, tm, labels, bounds if bounded else None)

    with monkeypatch.context() as patch:
        patch.setattr(lake_duck, "DuckBackend", Reporting)
        patch.setattr(SalesSql, "__init__", sales_sql)
        try:
            out: Any = lake_duck._load(folder, resolve_mapping(None),
                                       PlanDates(START, None, 12), EngineSettings())
        except InputError as exc:
            out = exc
    return out, seen[0]


def write(folder: Path, **columns: list[Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame({
        "date": pd.date_range("2026-01-05", periods=n, freq="D"),
        "seat": [f"S{i % 3}" for i in range(n)],
        "product": [f"P{i % 2}" for i in range(n)],
        "customer_id": [f"C{i}" for i in range(n)],
        **columns})
    frame.to_parquet(folder / "sales.parquet", index=False)
    return folder


def messages(error: InputError) -> list[str]:
    return [str(p) for p in error.problems]


def test_bad_numbers_are_counted_alike_with_and_without_bounds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 120
    amount = [10.0] * n
    amount[:7] = [math.inf, -math.inf, 2e15, -3e15, -5.0, math.nan, None]  # type: ignore[list-item]
    units = [1] * n
    units[3] = -2
    margin = [0.5] * n  # clean: its checks are proven empty
    folder = write(tmp_path / "d", amount=amount, units=units, margin=margin)
    bounded, bounds = load(folder, True, monkeypatch)
    full, _ = load(folder, False, monkeypatch)
    assert bounds["margin"] == (0.5, 0.5) and bounds["units"] == (-2.0, 1.0)
    assert bounds["amount"] == (-math.inf, math.inf)
    assert isinstance(bounded, InputError) and isinstance(full, InputError)
    assert messages(bounded) == messages(full)
    text = "\n".join(messages(full))
    for words in ("is not a finite number", "is negative", "1e15"):
        assert words in text


def test_clean_numbers_load_alike_with_and_without_bounds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 90
    folder = write(tmp_path / "d", amount=[float(i % 7) for i in range(n)],
                   units=[1 + i % 3 for i in range(n)], margin=[0.25 * i for i in range(n)])
    bounded, bounds = load(folder, True, monkeypatch)
    full, _ = load(folder, False, monkeypatch)
    assert bounds == {"amount": (0.0, 6.0), "units": (1.0, 3.0), "margin": (0.0, 22.25)}
    for name in ("sales", "seats", "products", "teams"):
        pd.testing.assert_frame_equal(getattr(bounded, name), getattr(full, name))
    assert bounded.report.to_frame().astype(str).values.tolist() == \
        full.report.to_frame().astype(str).values.tolist()
    assert bounded.report.counts == full.report.counts
    assert any(c > 0 for c in bounded.report.counts.values())  # zero-amount rows counted


def test_units_all_zero_is_still_found_with_bounds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write(tmp_path / "d", amount=[5.0] * 60, units=[0] * 60)
    bounded, bounds = load(folder, True, monkeypatch)
    full, _ = load(folder, False, monkeypatch)
    assert bounds["units"] == (0.0, 0.0)
    assert isinstance(bounded, InputError) and messages(bounded) == messages(full)
