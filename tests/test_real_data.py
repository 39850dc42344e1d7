"""The real data sets load through their builtin mappings (figures from PROVENANCE.md)."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from planner import names
from planner.history.dataset import Dataset
from planner.history.load import load_dataset
from planner.history.mapping import builtin_mapping, load_mapping, parse_mapping

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RETAIL = DATA / "online_retail"
STORE = DATA / "superstore"


def _need(folder: Path, name: str) -> None:
    if not (folder / name).is_file():
        pytest.skip(f"real data not available: {folder / name}")


@pytest.fixture(scope="module")
def retail() -> tuple[Dataset, float]:
    _need(RETAIL, "online_retail.csv.gz")
    start = time.perf_counter()
    ds = load_dataset(RETAIL, builtin_mapping("online_retail"))
    return ds, time.perf_counter() - start


@pytest.fixture(scope="module")
def store() -> Dataset:
    _need(STORE, "superstore_orders.csv")
    return load_dataset(STORE, "superstore")


def test_online_retail_report(retail: tuple[Dataset, float]) -> None:
    ds, seconds = retail
    counts = ds.report.counts
    assert ds.report.rows_read == {"sales": 541_909}
    assert counts["duplicates_dropped"] == 5_268
    # non-product codes (POST, DOT, M, ... and gift vouchers) and the 3 bad-debt rows
    assert counts["excluded_rows"] == 2_944
    assert "sales: excluded 3 rows where InvoiceNo starts with A" in ds.report.notes
    # 8,668 cancellations (C invoices) plus 1,336 zero-price negative stock adjustments
    assert counts["returns_netted"] == 10_004
    assert counts["returns_amount"] > 0
    assert counts["zero_amount_rows"] == 2_492
    assert counts["missing_customer_id"] == 134_008  # about 25%: reported, not fatal
    assert counts["other_values"] == 4_013
    assert counts["sales_rows"] == len(ds.sales) == 541_909 - 5_268 - 2_944
    assert seconds < 10, f"online_retail took {seconds:.1f} s to load"


def test_online_retail_tables(retail: tuple[Dataset, float]) -> None:
    ds, _ = retail
    sales = ds.sales
    assert ds.products[names.PRODUCT].nunique() == 41
    assert "OTHER" in set(ds.products[names.PRODUCT])
    assert "POST" not in set(sales[names.PRODUCT])
    assert set(ds.products[names.TICKET_MODE]) == {"variable"}
    assert set(ds.products[names.MARGIN_TIER]) == {"standard"}  # no margin in this data
    assert len(ds.seats) == 38 and (ds.seats[names.SEAT] == ds.seats[names.TEAM]).all()
    assert sales[names.TEAM].eq(sales[names.SEAT]).all()
    assert sales[names.DATE].min() == pd.Timestamp("2010-12-01")
    assert sales[names.DATE].max() == pd.Timestamp("2011-12-09")
    assert sales[names.SEGMENT].unique().tolist() == [names.DEFAULT_SEGMENT]
    assert sales[names.AMOUNT].sum() == pytest.approx(9_771_318.16, abs=0.01)
    assert (sales[names.AMOUNT] < 0).sum() == 8_668
    # countries are not hires: no start date, so no ramp weeks
    assert ds.seats[names.START_DATE].isna().all()


def test_online_retail_unfiltered_sum_matches_provenance() -> None:
    """Without cleaning, amounts add up to PROVENANCE's sum of Quantity x UnitPrice."""
    _need(RETAIL, "online_retail.csv.gz")
    doc = {"sales": {"file": "online_retail.csv.gz", "options": {"returns": True},
                     "columns": {"date": "InvoiceDate", "seat": "Country",
                                 "product": "StockCode",
                                 "amount": {"multiply": ["Quantity", "UnitPrice"]}}}}
    ds = load_dataset(RETAIL, parse_mapping(doc))
    assert len(ds.sales) == 541_909
    assert ds.sales[names.AMOUNT].sum() == pytest.approx(9_747_747.93, abs=0.01)
    assert ds.sales[names.PRODUCT].nunique() == 4_070
    assert ds.seats[names.SEAT].nunique() == 38


def test_superstore(store: Dataset) -> None:
    ds = store
    assert ds.report.rows_read == {"sales": 9_994, "seats": 4}
    assert ds.report.counts["missing_customer_id"] == 0
    assert ds.report.counts["returns_netted"] == 0
    sales = ds.sales
    assert len(sales) == 9_994
    assert sales[names.PRODUCT].nunique() == len(ds.products) == 17
    assert sorted(sales[names.SEGMENT].unique()) == ["Consumer", "Corporate", "Home Office"]
    assert sales[names.CUSTOMER_ID].nunique() == 793
    assert sorted(ds.seats[names.TEAM]) == ["Central", "East", "South", "West"]
    pairs = set(zip(sales[names.SEAT], sales[names.TEAM], strict=True))
    assert pairs == {("Anna Andreadi", "West"), ("Chuck Magee", "East"),
                     ("Kelly Williams", "Central"), ("Cassandra Brandow", "South")}
    assert sales[names.DATE].min() == pd.Timestamp("2011-01-04")
    assert sales[names.DATE].max() == pd.Timestamp("2014-12-31")
    assert sales[names.AMOUNT].min() == pytest.approx(0.444)
    assert sales[names.MARGIN].min() == pytest.approx(-6_599.978)
    tiers = ds.products.set_index(names.PRODUCT)[names.MARGIN_TIER]
    assert tiers.value_counts().to_dict() == {"high": 6, "low": 6, "standard": 5}
    assert tiers["Tables"] == "low" and tiers["Labels"] == "high"


def test_builtin_mapping_files_are_package_data() -> None:
    for name in ("online_retail", "superstore"):
        path = builtin_mapping(name)
        assert path.parent.name == "mappings" and path.parent.parent.name == "history"
        assert load_mapping(path).source == f"{name}.toml"
