"""Tests for planner.baselines: hand-computed figures on a tiny fixture."""

from __future__ import annotations

import math
import statistics
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from planner.baselines import Baselines, compute_baselines, trailing_window
from planner.calendar import day_table
from planner.dataset import Dataset, LoadReport
from planner.errors import InputError

NaN = float("nan")
SALES_COLUMNS = ["date", "seat", "product", "segment", "amount", "units", "customer_id"]


def tiny_dataset() -> Dataset:
    """March 2025 (21 working days in China, ISO weeks W10..W14 hold working days).

    S1 (T1, grade A) all month; S2 (T1, grade B) starts Wed 2025-03-12, so it ramps;
    S3 (T2, grade C) leaves Fri 2025-03-21. FIX is a fixed-ticket product (1000).
    """
    rows = [
        ("2025-03-03", "S1", "FIX", "G1", 1000.0, 1.0, "c1"),
        ("2025-03-04", "S1", "VAR", "G1", 300.0, 2.0, "c2"),
        ("2025-03-11", "S1", "FIX", "G2", 2000.0, 2.0, "c3"),
        ("2025-03-12", "S2", "VAR", "G2", 100.0, 1.0, "c4"),
        ("2025-03-18", "S3", "VAR", "G1", 500.0, 1.0, "c1"),
        ("2025-03-19", "S3", "VAR", "G1", -100.0, -1.0, "c1"),  # a return, netted
        ("2025-03-25", "S2", "FIX", "G1", 500.0, 1.0, "c5"),  # the small-ticket tail
        ("2025-02-20", "S1", "VAR", "G1", 700.0, 1.0, "c6"),  # outside the window
        ("2025-03-31", "S1", "VAR", "G2", 200.0, 1.0, "c4"),
        ("2025-03-07", "S2", "VAR", "G2", 50.0, 1.0, "c7"),  # before S2's start
    ]
    sales = pd.DataFrame(rows, columns=SALES_COLUMNS)
    sales["date"] = pd.to_datetime(sales["date"])
    sales["team"] = sales["seat"].map({"S1": "T1", "S2": "T1", "S3": "T2"})
    seats = pd.DataFrame({
        "seat": ["S1", "S2", "S3"], "team": ["T1", "T1", "T2"], "grade": ["A", "B", "C"],
        "start_date": pd.to_datetime(["2020-01-01", "2025-03-12", "2019-06-01"]),
        "end_date": pd.to_datetime([None, None, "2025-03-21"]),
    })
    products = pd.DataFrame({
        "product": ["FIX", "VAR"], "ticket_mode": ["fixed", "variable"],
        "fixed_ticket": [1000.0, NaN], "margin_tier": ["high", "low"],
        "sell_from_month": [NaN, NaN], "sell_to_month": [NaN, NaN],
    })
    customers = pd.DataFrame({
        "month": pd.to_datetime(["2025-02-01", "2025-03-01", "2025-03-01"]),
        "segment": ["G1", "G1", "G2"], "stock": [999.0, 100.0, 50.0],
        "new": [1.0, 10.0, 4.0], "attrition": [1.0, 5.0, 2.0], "aum": [1.0, 1e6, NaN],
    })
    report = LoadReport(rows_read={"sales": 10})
    return Dataset(sales, seats, products, customers, report=report, source="tiny")


@pytest.fixture(scope="module")
def tiny() -> Baselines:
    return compute_baselines(tiny_dataset(), window_end=date(2025, 3, 31), trailing_months=1)


def row(frame: pd.DataFrame, **keys: object) -> pd.Series:
    mask = np.logical_and.reduce([frame[k] == v for k, v in keys.items()])
    assert mask.sum() == 1, keys
    return frame.loc[mask].iloc[0]


def test_window_and_totals(tiny: Baselines) -> None:
    assert (tiny.window_start, tiny.window_end) == (pd.Timestamp("2025-03-01"),
                                                    pd.Timestamp("2025-03-31"))
    assert tiny.total_amount == pytest.approx(1000 + 300 + 2000 + 100 + 500 - 100 + 500 + 200 + 50)
    assert tiny.total_units == pytest.approx(9)


def test_products(tiny: Baselines) -> None:
    fix = row(tiny.products, product="FIX")
    assert (fix["amount"], fix["units"], fix["buyers"]) == (3500, 4, 3)
    assert fix["ticket_mean"] == pytest.approx(875)
    assert fix["planned_ticket"] == 1000  # fixed ticket, not the mean
    # positive-row tickets 500, 1000, 1000 (quantile_cont: linear interpolation)
    assert (fix["ticket_p10"], fix["ticket_median"], fix["ticket_p90"]) == (600, 1000, 1000)
    assert fix["first_sale"] == pd.Timestamp("2025-03-03")
    assert fix["last_sale"] == pd.Timestamp("2025-03-25")
    var = row(tiny.products, product="VAR")
    # netted: 300 + 100 + 500 - 100 + 200 + 50; buyers c2, c4, c1, c7
    assert (var["amount"], var["units"], var["buyers"]) == (1050, 5, 4)
    assert var["planned_ticket"] == pytest.approx(210)
    # tickets 150, 100, 500, 200, 50 (the return row is left out)
    assert var["ticket_median"] == pytest.approx(150)
    assert var["ticket_p10"] == pytest.approx(50 + 0.4 * 50)
    assert var["ticket_p90"] == pytest.approx(200 + 0.6 * 300)
    assert not tiny.products["is_spike"].any()
    assert tiny.products["normalised_amount"].tolist() == [3500, 1050]


def test_segments(tiny: Baselines) -> None:
    g1 = row(tiny.segments, segment="G1")
    # March stock only (February's 999 is outside the window)
    assert (g1["customers"], g1["new"], g1["attrition"], g1["aum"]) == (100, 10, 5, 1e6)
    assert (g1["buyers"], g1["units"], g1["amount"]) == (3, 4, 2200)
    assert g1["conversion"] == pytest.approx(0.03)
    assert g1["repurchase"] == pytest.approx(4 / 3)
    assert g1["avg_ticket"] == pytest.approx(550)
    assert g1["ticket_std"] == pytest.approx(statistics.stdev([1000, 150, 500, 500]))
    assert g1["amount_share"] == pytest.approx(2200 / 4550)
    g2 = row(tiny.segments, segment="G2")
    assert (g2["customers"], g2["buyers"], g2["units"], g2["amount"]) == (50, 3, 5, 2350)
    assert math.isnan(g2["aum"])
    assert g2["base_source"] == "customers table"


def test_product_segments_and_invariant(tiny: Baselines) -> None:
    ps = tiny.product_segments
    expected = {  # amount, units, buyers, customers, ticket
        ("FIX", "G1"): (1500, 2, 2, 100, 750), ("FIX", "G2"): (2000, 2, 1, 50, 1000),
        ("VAR", "G1"): (700, 2, 2, 100, 350), ("VAR", "G2"): (350, 3, 2, 50, 350 / 3),
    }
    assert len(ps) == len(expected)
    for (product, segment), (amount, units, buyers, customers, ticket) in expected.items():
        r = row(ps, product=product, segment=segment)
        assert (r["amount"], r["units"], r["buyers"], r["customers"]) == (
            amount, units, buyers, customers)
        assert r["conversion"] == pytest.approx(buyers / customers)
        assert r["repurchase"] == pytest.approx(units / buyers)
        assert r["ticket"] == pytest.approx(ticket)
    product = ps["customers"] * ps["conversion"] * ps["repurchase"] * ps["ticket"]
    np.testing.assert_allclose(product, ps["amount"], rtol=1e-10)


def test_productivity_by_grade_with_ramp_apart(tiny: Baselines) -> None:
    pg = tiny.productivity_grade
    # S1: weeks W10..W14 sell 1300, 2000, 0, 0, 200 (units 3, 2, 0, 0, 1)
    a = row(pg, grade="A", product="*")
    assert (a["seat_weeks"], a["mean_amount"], a["median_amount"]) == (5, 700, 200)
    assert (a["mean_units"], a["median_units"], a["ramp_seat_weeks"]) == (1.2, 1, 0)
    assert row(pg, grade="A", product="FIX")["mean_amount"] == 600
    assert row(pg, grade="A", product="VAR")["median_amount"] == 0
    # S2 starts 2025-03-12: W11..W14 are all ramp weeks (100, 0, 500, 0); the sale
    # on 03-07 (before its start) is outside its active weeks.
    b = row(pg, grade="B", product="*")
    assert (b["seat_weeks"], b["ramp_seat_weeks"], b["ramp_mean_amount"]) == (0, 4, 150)
    assert math.isnan(b["mean_amount"])
    # S3 leaves 2025-03-21: W10..W12 sell 0, 0, 500 - 100
    c = row(pg, grade="C", product="*")
    assert (c["seat_weeks"], c["median_amount"]) == (3, 0)
    assert c["mean_amount"] == pytest.approx(400 / 3)
    assert list(pg.columns) == ["grade", "product", "seat_weeks", "mean_amount",
                                "median_amount", "mean_units", "median_units",
                                "ramp_seat_weeks", "ramp_mean_amount"]


def test_productivity_by_team_seats_and_teams(tiny: Baselines) -> None:
    t1 = row(tiny.productivity_team, team="T1", product="*")
    assert (t1["seat_weeks"], t1["mean_amount"], t1["ramp_seat_weeks"]) == (5, 700, 4)
    seats = tiny.seats.set_index("seat")
    assert seats["active_weeks"].to_dict() == {"S1": 5, "S2": 4, "S3": 3}
    assert seats["active_at_end"].to_dict() == {"S1": True, "S2": True, "S3": False}
    assert seats["amount"].to_dict() == {"S1": 3500, "S2": 650, "S3": 400}
    assert seats.loc["S1", "weekly_mean"] == 700
    assert math.isnan(seats.loc["S2", "weekly_mean"])
    teams = tiny.teams.set_index("team")
    assert teams.loc["T1", ["seats_active", "seats_by_grade", "amount", "units"]].tolist() == [
        2, "A:1 B:1", 4150, 9]
    assert teams.loc["T2", ["seats_active", "seats_by_grade", "amount"]].tolist() == [0, "", 400]
    assert teams["share"].sum() == pytest.approx(1)


def test_product_months(tiny: Baselines) -> None:
    pm = tiny.product_months
    assert pm[["product", "month", "amount", "working_days"]].values.tolist() == [
        ["FIX", 3, 3500, 21], ["VAR", 3, 1050, 21]]
    assert pm["per_working_day"].tolist() == pytest.approx([3500 / 21, 1050 / 21])
    assert pm["share"].tolist() == [1, 1]
    assert pm["seasonality"].tolist() == [1, 1]


def test_report(tiny: Baselines) -> None:
    items = dict(zip(tiny.report["item"], tiny.report["value"], strict=True))
    assert items["rows read: sales"] == 10
    assert items["baselines window"] == "2025-03-01..2025-03-31"
    assert items["sales rows outside the window (ignored)"] == 1
    assert items["sales amount outside the window (ignored)"] == 700
    assert items["sales rows before the seat's start date"] == 1
    assert items["return rows in the window (negative amounts, netted)"] == 1
    assert items["seats active in the window without sales"] == 0


def test_parquet_source_matches_dataframe(tmp_path: Path, tiny: Baselines) -> None:
    ds = tiny_dataset()
    path = tmp_path / "sales.parquet"
    ds.sales.drop(columns=["team"]).to_parquet(path)
    other = compute_baselines(ds, window_end=date(2025, 3, 31), trailing_months=1, sales=path)
    for name, frame in tiny.tables().items():
        pd.testing.assert_frame_equal(frame, other.tables()[name], check_dtype=False)


def test_missing_customer_ids_count_units_as_buyers() -> None:
    ds = tiny_dataset()
    ds.sales = ds.sales.drop(columns=["customer_id"])
    ds.customers = None
    b = compute_baselines(ds, window_end=date(2025, 3, 31), trailing_months=1)
    g1 = row(b.segments, segment="G1")
    # buyers = units (4); no customers table and no ids: the base is the buyers
    assert (g1["buyers"], g1["customers"], g1["conversion"]) == (4, 4, 1)
    assert g1["base_source"] == "buyers (base unknown)"
    assert row(b.products, product="VAR")["buyers"] == 5


def test_some_missing_customer_ids_scale_buyers_by_units() -> None:
    ds = tiny_dataset()
    ds.sales.loc[1, "customer_id"] = None  # S1 VAR G1 300, 2 units
    b = compute_baselines(ds, window_end=date(2025, 3, 31), trailing_months=1)
    # VAR: ids c4, c1, c7; 5 units in all, 3 of them on rows with an id
    assert row(b.products, product="VAR")["buyers"] == pytest.approx(3 * 5 / 3)
    # G1: ids c1, c5; 4 units in all, 2 on rows with an id
    assert row(b.segments, segment="G1")["buyers"] == pytest.approx(2 * 4 / 2)
    assert row(b.products, product="FIX")["buyers"] == 3  # all rows have ids
    items = dict(zip(b.report["item"], b.report["value"], strict=True))
    assert items["sales rows in the window without customer id (buyers estimated from units)"] == 1


def test_unknown_seat_reported_not_raised() -> None:
    ds = tiny_dataset()
    extra = ds.sales.iloc[[0]].assign(seat="S9", team="T3")
    ds.sales = pd.concat([ds.sales, extra], ignore_index=True)
    b = compute_baselines(ds, window_end=date(2025, 3, 31), trailing_months=1)
    items = dict(zip(b.report["item"], b.report["value"], strict=True))
    assert items["sales rows of seats missing from the seats table"] == 1
    assert items["seats missing from the seats table (excluded from productivity)"] == "S9"
    assert row(b.teams, team="T3")["amount"] == 1000


def test_window_selection() -> None:
    assert trailing_window(date(2026, 10, 9), None, 12) == (
        pd.Timestamp("2025-11-01"), pd.Timestamp("2026-10-31"))
    assert trailing_window(date(2026, 10, 9), date(2026, 6, 15), 12) == (
        pd.Timestamp("2025-06-16"), pd.Timestamp("2026-06-15"))
    assert trailing_window(date(2024, 2, 3), None, 3) == (
        pd.Timestamp("2023-12-01"), pd.Timestamp("2024-02-29"))
    b = compute_baselines(tiny_dataset())  # default: 12 months to the last sale's month end
    assert (b.window_start, b.window_end) == (pd.Timestamp("2024-04-01"),
                                              pd.Timestamp("2025-03-31"))
    assert b.total_amount == pytest.approx(4550 + 700)


def test_empty_window_raises() -> None:
    with pytest.raises(InputError) as err:
        compute_baselines(tiny_dataset(), window_end=date(2024, 12, 31))
    assert str(err.value) == (
        "1 problem in input data:\n  sales column 'date': has no sales in the window "
        "2024-01-01..2024-12-31 (sales run from 2025-02-20 to 2025-03-31): pass "
        "--window-end with a date in that range")


def monthly_sales(product: str, rate: dict[str, float]) -> list[tuple]:
    """One sale per month ("YYYY-MM" -> rate per working day) on the month's 10th."""
    out = []
    for month, r in rate.items():
        start = pd.Timestamp(month + "-01")
        wd = int(day_table(start.date(), (start + pd.offsets.MonthEnd(0)).date())[
            "is_working"].sum())
        out.append((start + pd.Timedelta(days=9), "S1", product, "G1", r * wd, 1.0, "c1"))
    return out


def spike_dataset() -> Dataset:
    months = [f"{y}-{m:02d}" for y, m in [(2024, 3), (2024, 4), (2024, 5)]]
    rows = monthly_sales("UL", dict.fromkeys(months, 100.0))  # last year: rate 100
    rows += monthly_sales("UL", {"2025-03": 300.0, "2025-04": 300.0, "2025-05": 300.0})
    reg = {f"{y}-{m:02d}": 1000.0 for y, m in [(2025, k) for k in range(1, 13)]}
    reg["2025-06"] = 5000.0
    rows += monthly_sales("REG", reg)
    sales = pd.DataFrame(rows, columns=SALES_COLUMNS)
    ds = tiny_dataset()
    return Dataset(sales, ds.seats, ds.products.iloc[0:0], None)


def test_spikes_flagged_and_normalised() -> None:
    b = compute_baselines(spike_dataset())
    assert b.settings["window"] == "2025-01-01..2025-12-31"
    ul = row(b.products, product="UL")
    assert ul["is_spike"]
    assert ul["spike_reason"] == (
        "sold in only 3 of 12 months; rate 3.0x the same months a year earlier")
    assert ul["normalised_amount"] == pytest.approx(ul["amount"] / 3)
    assert (ul["sell_from_month"], ul["sell_to_month"]) == (3, 5)  # observed
    reg = row(b.products, product="REG")
    assert reg["is_spike"]
    assert reg["spike_reason"] == "rate above 3x the median month in Jun (up to 5.0x)"
    june = row(b.product_months, product="REG", month=6)
    assert reg["normalised_amount"] == pytest.approx(reg["amount"] - june["amount"] * 0.8)
    assert pd.isna(reg["sell_from_month"])  # sold all year, none declared
    pm = b.product_months[b.product_months["product"] == "UL"]
    assert pm["seasonality"].notna().sum() == 3
    assert pm["month"].tolist() == list(range(1, 13))


def test_sample_universal_life_is_a_spike() -> None:
    sample = pytest.importorskip("planner.sample_data")
    b = compute_baselines(sample.generate_sample(seed=7))
    flagged = b.products.loc[b.products["is_spike"], "product"].tolist()
    assert flagged == ["UL_INS"]
    ul = row(b.products, product="UL_INS")
    assert ul["normalised_amount"] < 0.6 * ul["amount"]
    product = b.product_segments
    np.testing.assert_allclose(
        product["customers"] * product["conversion"] * product["repurchase"]
        * product["ticket"], product["amount"], rtol=1e-10)


def test_write_creates_csvs_and_workbook(tmp_path: Path, tiny: Baselines) -> None:
    out = tmp_path / "out"
    paths = tiny.write(out)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in paths)
    assert "baselines_products.csv" in names and "baselines.xlsx" in names
    assert len(paths) == len(tiny.tables()) + 1
    back = pd.read_csv(out / "baselines_products.csv")
    assert back["amount"].tolist() == [3500, 1050]
    book = openpyxl.load_workbook(out / "baselines.xlsx")
    assert book.sheetnames == list(tiny.tables())
    sheet = book["products"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "product" and sheet["A1"].font.bold
    assert [c.value for c in sheet["A"][1:]] == ["FIX", "VAR"]
    assert sheet.column_dimensions["A"].width >= len("product")
