"""The baselines at scale: buyers counted once per grain, no table per customer, the benchmark.

The customer aggregations are computed per product x segment and rolled up, except the
distinct customer ids (and the ticket spread) of a product or a segment, which are
counted on the rows: a customer who buys in several segments or products is one buyer.
These tests hold the SQL to a pandas reference on a history built so that rolling the
distinct counts up would be wrong.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

import planner.baselines.compute as compute
from planner.baselines.compute import Baselines, compute_baselines
from planner.engine.duck import DuckEngine
from planner.history.dataset import Dataset

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "baselines.py"
WINDOW_END = date(2025, 4, 30)


def mixed_history(rows: int = 3000, customers: int = 400, seed: int = 5) -> Dataset:
    """Sales where customers cross products and segments, some ids missing, some returns.

    Cell P3 x G2 has no customer ids at all, P2 some rows without one; P1's tickets
    are fixed (1000), so its spread is 0.
    """
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2025-01-01", "2025-04-30")
    product = rng.choice(["P1", "P2", "P3"], rows)
    segment = rng.choice(["G1", "G2"], rows)
    units = rng.choice([1.0, 1.0, 2.0, -1.0], rows)
    ticket = np.where(product == "P1", 1000.0, np.round(rng.lognormal(5, 1, rows), 2))
    customer = pd.Series([f"c{k}" for k in rng.integers(0, customers, rows)], dtype=object)
    customer[(product == "P3") & (segment == "G2")] = None
    customer[(product == "P2") & (rng.random(rows) < 0.2)] = None
    sales = pd.DataFrame({
        "date": rng.choice(days, rows), "seat": rng.choice(["S1", "S2", "S3"], rows),
        "product": product, "segment": segment, "amount": ticket * units, "units": units,
        "customer_id": customer})
    sales["team"] = sales["seat"].map({"S1": "T1", "S2": "T1", "S3": "T2"})
    seats = pd.DataFrame({"seat": ["S1", "S2", "S3"], "team": ["T1", "T1", "T2"],
                          "grade": ["A", "B", "A"],
                          "start_date": pd.to_datetime(["2020-01-01", "2025-03-03",
                                                        "2019-01-01"]),
                          "end_date": pd.to_datetime([None, None, "2025-04-11"])})
    products = pd.DataFrame({"product": ["P1", "P2", "P3"],
                             "ticket_mode": ["fixed", "variable", "variable"],
                             "fixed_ticket": [1000.0, np.nan, np.nan],
                             "margin_tier": ["high", "low", "low"],
                             "sell_from_month": np.nan, "sell_to_month": np.nan})
    return Dataset(sales, seats, products, source="mixed")


def reference_buyers(rows: pd.DataFrame) -> float:
    """Buyers of a group of rows: distinct ids, the units without any, scaled when some lack one."""
    ids = rows["customer_id"].dropna()
    id_units = rows.loc[rows["customer_id"].notna(), "units"].sum()
    if ids.empty:
        return float(rows["units"].sum())
    if len(ids) == len(rows) or id_units <= 0:
        return float(ids.nunique())
    return float(ids.nunique() * rows["units"].sum() / id_units)


def window_rows(dataset: Dataset) -> pd.DataFrame:
    sales = dataset.sales
    return sales.loc[sales["date"].between("2025-03-01", "2025-04-30")]


@pytest.fixture(scope="module")
def mixed() -> Baselines:
    return compute_baselines(mixed_history(), window_end=WINDOW_END, trailing_months=2)


def test_buyers_of_a_product_or_segment_are_distinct_customers_not_summed_cells(
        mixed: Baselines) -> None:
    rows = window_rows(mixed_history())
    crossing = rows.dropna(subset=["customer_id"]).groupby("customer_id")["segment"].nunique()
    assert (crossing > 1).sum() > 50  # summing the cells would count these twice
    for product, group in rows.groupby("product"):
        got = mixed.products.set_index("product").at[product, "buyers"]
        assert got == pytest.approx(reference_buyers(group), rel=1e-11), product
    for segment, group in rows.groupby("segment"):
        got = mixed.segments.set_index("segment").at[segment, "buyers"]
        assert got == pytest.approx(reference_buyers(group), rel=1e-11), segment
    cells = mixed.product_segments.set_index(["product", "segment"])["buyers"]
    for key, group in rows.groupby(["product", "segment"]):
        assert cells[key] == pytest.approx(reference_buyers(group), rel=1e-11), key
    assert cells[("P3", "G2")] == rows.loc[(rows["product"] == "P3")
                                           & (rows["segment"] == "G2"), "units"].sum()


def test_segment_ticket_spread_is_the_rows_sample_deviation(mixed: Baselines) -> None:
    rows = window_rows(mixed_history())
    positive = rows.loc[(rows["amount"] > 0) & (rows["units"] > 0)]
    tickets = positive["amount"] / positive["units"]
    expected = tickets.groupby(positive["segment"]).std(ddof=1)
    got = mixed.segments.set_index("segment")["ticket_std"]
    for segment, value in expected.items():
        assert got[segment] == pytest.approx(value, rel=1e-11), segment


def test_totals_roll_up_from_the_cells(mixed: Baselines) -> None:
    rows = window_rows(mixed_history())
    by_product = rows.groupby("product")[["amount", "units"]].sum()
    products = mixed.products.set_index("product")
    for column in ("amount", "units"):
        assert products[column].to_numpy() == pytest.approx(
            by_product[column].to_numpy(), rel=1e-11)
    assert mixed.total_amount == pytest.approx(rows["amount"].sum(), rel=1e-11)
    first = rows.groupby("product")["date"].min()
    assert (pd.to_datetime(products["first_sale"]) == first.reindex(products.index)).all()
    items = dict(mixed.report[["item", "value"]].itertuples(index=False))
    assert items["return rows in the window (negative amounts, netted)"] == int(
        (rows["amount"] < 0).sum())
    missing = "sales rows in the window without customer id (buyers estimated from units)"
    assert items[missing] == int(rows["customer_id"].isna().sum())


def test_productivity_by_grade_and_team_count_every_seat_week(mixed: Baselines) -> None:
    grade, team = mixed.productivity_grade, mixed.productivity_team
    assert list(grade.columns[:2]) == ["grade", "product"]
    assert list(team.columns[:2]) == ["team", "product"]
    assert list(grade.columns[2:]) == list(team.columns[2:])
    assert grade.groupby("grade")["product"].apply(list).to_dict() == {
        "A": ["*", "P1", "P2", "P3"], "B": ["*", "P1", "P2", "P3"]}
    # every product of a key has the same seat-weeks: zero weeks are cells too
    assert grade.groupby("grade")["seat_weeks"].nunique().eq(1).all()
    assert team.groupby("team")["ramp_seat_weeks"].nunique().eq(1).all()
    # T1 = S1 (grade A) + S2 (grade B): T1's weeks are A's weeks of S1 plus all of B's
    weeks = mixed.seats.set_index("seat")["active_weeks"]
    t1 = team.loc[(team["team"] == "T1") & (team["product"] == "*")].iloc[0]
    assert t1["seat_weeks"] + t1["ramp_seat_weeks"] == weeks["S1"] + weeks["S2"]


class CountingEngine(DuckEngine):
    """DuckDB recording the rows of every temp table it creates."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: dict[str, int] = {}

    def run(self, statement: str, params: Mapping[str, Any] | None = None) -> None:
        super().run(statement, params)
        head = statement.split("CREATE TEMP TABLE ", 1)
        if len(head) == 2:
            name = head[1].split()[0]
            counted = self.con.execute(f"SELECT count(*) FROM {name}").fetchone()
            self.sizes[name] = int(counted[0]) if counted else 0


def test_no_temp_table_grows_with_the_customers(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = CountingEngine()
    monkeypatch.setattr(compute, "open_engine", lambda settings: engine)
    dataset = mixed_history(rows=6000, customers=5000)
    compute_baselines(dataset, window_end=WINDOW_END, trailing_months=2)
    assert {"cust", "ids", "facts", "wk", "cells"} <= set(engine.sizes)
    buyers = window_rows(dataset)["customer_id"].nunique()
    assert buyers > 1500
    assert max(engine.sizes.values()) < 300, engine.sizes


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("bench_baselines", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_baselines"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_baselines", None)


def test_benchmark_measures_the_baselines_of_a_generated_history(bench: ModuleType,
                                                                  tmp_path: Path) -> None:
    import large_history  # put on the path by the benchmark module

    folder = tmp_path / "t3_p5_r3000_s11"
    tables = large_history.generate(3, 5, 3000, seed=11)
    large_history.write_history(tables, folder / "data")
    large_history.write_scenario(folder, folder / "data", tables["seats"])
    scenario = bench.history(tmp_path, 3, 5, 3000, 11)  # cached: not generated again
    assert scenario == folder / "large.toml"
    line = bench.run_one(scenario, "duckdb")
    assert line["products_out"] == 5 and line["seats"] == len(tables["seats"])
    assert line["seconds"] > 0 and line["cpu_seconds"] > 0 and line["peak_mb"] >= line["base_mb"]
    assert json.loads(json.dumps(line)) == line


def test_benchmark_ratios_are_this_tree_over_the_other(bench: ModuleType) -> None:
    new = {"seconds": 1.0, "cpu_seconds": 3.0, "peak_mb": 1200.0, "base_mb": 1000.0}
    old = {"seconds": 2.0, "cpu_seconds": 4.0, "peak_mb": 1800.0, "base_mb": 1000.0}
    assert bench.ratios(new, old) == {"seconds": 0.5, "cpu_seconds": 0.75,
                                      "peak_mb": 0.667, "delta_mb": 0.25}
    runs = [dict(new, seconds=s) for s in (3.0, 1.0, 2.0)]
    assert bench.median(runs)["seconds"] == 2.0
    assert bench.median(runs)["seconds_all"] == [3.0, 1.0, 2.0]
