"""Tests for planner.baselines.buyers and the split ISO weeks of seat_week_productivity.sql."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from planner.baselines import buyers
from planner.baselines.compute import Baselines, compute_baselines
from planner.history.dataset import Dataset, LoadReport


def products(*codes: str) -> pd.DataFrame:
    nan = float("nan")
    return pd.DataFrame({"product": list(codes), "ticket_mode": "variable", "fixed_ticket": nan,
                         "margin_tier": "standard", "sell_from_month": nan,
                         "sell_to_month": nan})


def mixed_dataset(seed: int = 3) -> Dataset:
    """Six weeks of sales: customers buy several products in several segments.

    P4 is sold only to rows without a customer id; some other rows lack one too.
    """
    rng = np.random.default_rng(seed)
    n = 400
    days = pd.date_range("2025-05-01", "2025-06-30", freq="D")
    sales = pd.DataFrame({
        "date": rng.choice(days, n),
        "seat": rng.choice(["S1", "S2", "S3"], n),
        "product": rng.choice(["P1", "P2", "P3"], n),
        "segment": rng.choice(["G1", "G2", "G3"], n),
        "amount": rng.integers(-50, 500, n).astype(float),
        "units": rng.integers(1, 4, n).astype(float),
        "customer_id": rng.choice([f"c{i}" for i in range(60)], n).astype(object),
    })
    sales.loc[rng.random(n) < 0.1, "customer_id"] = None
    extra = sales.iloc[:5].assign(product="P4", customer_id=None)
    sales = pd.concat([sales, extra], ignore_index=True)
    sales["team"] = sales["seat"].map({"S1": "T1", "S2": "T1", "S3": "T2"})
    seats = pd.DataFrame({
        "seat": ["S1", "S2", "S3"], "team": ["T1", "T1", "T2"], "grade": ["A", "B", "A"],
        "start_date": pd.to_datetime(["2020-01-01", "2025-05-20", "2019-06-01"]),
        "end_date": pd.to_datetime([None, None, "2025-06-15"]),
    })
    report = LoadReport(rows_read={"sales": len(sales)})
    return Dataset(sales, seats, products("P1", "P2", "P3", "P4"), None, report=report,
                   source="mixed")


def baselines(dataset: Dataset) -> Baselines:
    return compute_baselines(dataset, window_end=date(2025, 6, 30), trailing_months=2)


def test_masks_count_the_same_buyers_as_distinct_triples(monkeypatch: pytest.MonkeyPatch) -> None:
    masks = baselines(mixed_dataset())
    monkeypatch.setattr(buyers, "MAX_CELLS", 0)  # the distinct triples
    triples = baselines(mixed_dataset())
    for name, frame in masks.tables().items():
        pd.testing.assert_frame_equal(frame, triples.tables()[name], check_exact=True)


def many_cells(seed: int = 4) -> Dataset:
    """25 products x 8 segments: 200 cells, in all four words of a customer's mask.

    Every row has a customer id, so buyers are the distinct ids as they are.
    """
    rng = np.random.default_rng(seed)
    n = 3000
    codes = [f"P{i:02d}" for i in range(25)]
    sales = pd.DataFrame({
        "date": rng.choice(pd.date_range("2025-05-01", "2025-06-30", freq="D"), n),
        "seat": "S1", "team": "T1",
        "product": rng.choice(codes, n),
        "segment": rng.choice([f"G{i}" for i in range(8)], n),
        "amount": 100.0, "units": 1.0,
        "customer_id": rng.choice([f"c{i}" for i in range(300)], n).astype(object),
    })
    seats = pd.DataFrame({"seat": ["S1"], "team": ["T1"], "grade": ["A"],
                          "start_date": pd.to_datetime(["2020-01-01"]),
                          "end_date": pd.to_datetime([None])})
    return Dataset(sales, seats, products(*codes), None,
                   report=LoadReport(rows_read={"sales": n}), source="many")


@pytest.mark.parametrize("max_cells", [buyers.MAX_CELLS, 0])
def test_buyers_of_every_cell_product_and_segment(max_cells: int,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(buyers, "MAX_CELLS", max_cells)  # masks, then distinct triples
    ds = many_cells()
    b = baselines(ds)
    sales = ds.sales
    cells = b.product_segments.set_index(["product", "segment"])["buyers"]
    want = sales.groupby(["product", "segment"])["customer_id"].nunique()
    assert len(want) == 200
    pd.testing.assert_series_equal(cells.sort_index(), want.astype(float).rename("buyers"))
    for table, key in ((b.products, "product"), (b.segments, "segment")):
        got = table.set_index(key)["buyers"].sort_index()
        want = sales.groupby(key)["customer_id"].nunique().astype(float).rename("buyers")
        pd.testing.assert_series_equal(got, want)


def test_buyers_are_distinct_customer_ids() -> None:
    ds = mixed_dataset()
    b = baselines(ds)
    window = ds.sales.loc[ds.sales["date"] >= "2025-05-01"]
    for product, rows in window.groupby("product"):
        got = b.products.set_index("product").loc[product, "buyers"]
        ids = rows["customer_id"].dropna()
        if ids.empty:  # no id at all: the units
            assert got == rows["units"].sum()
        elif len(ids) == len(rows):
            assert got == ids.nunique()
        else:  # the ids scaled by all units / units of rows with an id
            with_id = rows.loc[rows["customer_id"].notna(), "units"].sum()
            assert got == pytest.approx(ids.nunique() * rows["units"].sum() / with_id)


def test_buyer_statements_choose_masks_while_they_fit() -> None:
    assert buyers.buyer_statements(248) == ("cell_bits", "buyer_masks")
    assert buyers.buyer_statements(249) == ("buyer_ids",)
    assert buyers.buyer_statements(0) == ("cell_bits", "buyer_masks")


def test_a_week_across_two_months_is_one_seat_week() -> None:
    """ISO week 2025-W31 (Mon 07-28) holds Thu 07-31 and Fri 08-01: one cell of 150."""
    rows = [("2025-07-01", 200.0), ("2025-07-07", 300.0), ("2025-07-14", 500.0),
            ("2025-07-21", 400.0), ("2025-07-31", 100.0), ("2025-08-01", 50.0),
            ("2025-08-05", -20.0)]
    sales = pd.DataFrame(rows, columns=["date", "amount"]).assign(
        date=lambda f: pd.to_datetime(f["date"]), seat="S1", team="T1", product="P",
        segment="G", units=1.0, customer_id="c1")
    seats = pd.DataFrame({"seat": ["S1"], "team": ["T1"], "grade": ["A"],
                          "start_date": pd.to_datetime(["2020-01-01"]),
                          "end_date": pd.to_datetime([None])})
    ds = Dataset(sales, seats, products("P"), None, report=LoadReport(rows_read={"sales": 7}),
                 source="split")
    b = compute_baselines(ds, window_end=date(2025, 8, 31), trailing_months=2)
    # weeks W27..W35: 200, 300, 500, 400, 150, -20, 0, 0, 0
    p = b.productivity_grade.set_index("product").loc["P"]
    assert (p["seat_weeks"], p["median_amount"]) == (9, 150)
    assert p["mean_amount"] == pytest.approx(1530 / 9)
    assert (p["median_units"], p["mean_units"]) == (1, pytest.approx(7 / 9))  # W31: 2 units
