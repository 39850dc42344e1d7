"""Tests for planner.baselines.compute: hand-computed figures on a tiny fixture."""

from __future__ import annotations

import math
import statistics
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from planner.baselines.compute import Baselines, compute_baselines, trailing_window
from planner.baselines.spikes import SPIKE_COLUMNS
from planner.calendar import day_table
from planner.errors import InputError, LaunchWarning, SpikeWarning
from planner.history.dataset import Dataset, LoadReport
from planner.outputs.folders import write_baseline_files

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
    assert tiny.spikes.empty and tiny.warnings == []


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
    assert pm["normal_amount"].tolist() == [3500, 1050]


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
    with pytest.warns(LaunchWarning, match="FIX"):  # first sold after April 2024
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


def monthly_sales(product: str, rate: dict[str, float], day: int = 10) -> list[tuple]:
    """One sale per month ("YYYY-MM" -> rate per working day) on the month's ``day``."""
    out = []
    for month, r in rate.items():
        start = pd.Timestamp(month + "-01")
        wd = working_days(start, start + pd.offsets.MonthEnd(0))
        out.append((start + pd.Timedelta(days=day - 1), "S1", product, "G1", r * wd, 1.0, "c1"))
    return out


def working_days(first: pd.Timestamp, last: pd.Timestamp) -> int:
    return int(day_table(first.date(), last.date())["is_working"].sum())


def year_of(rate: float, year: int = 2025, **months: float) -> dict[str, float]:
    """A year of monthly rates: ``rate`` except the months named (``nov=600.0``)."""
    names = [m.lower() for m in MONTHS]
    return {f"{year}-{k:02d}": months.get(names[k - 1], rate) for k in range(1, 13)}


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def history(rows: list[tuple], tiers: dict[str, str] | None = None) -> Dataset:
    """A dataset of ``rows`` (seat S1); products declared with ``tiers`` when given."""
    sales = pd.DataFrame(rows, columns=SALES_COLUMNS)
    ds = tiny_dataset()
    products = ds.products.iloc[0:0]
    if tiers:
        products = pd.DataFrame({
            "product": list(tiers), "ticket_mode": "variable", "fixed_ticket": NaN,
            "margin_tier": list(tiers.values()), "sell_from_month": NaN,
            "sell_to_month": NaN})
    return Dataset(sales, ds.seats, products, None)


def spikes_of(b: Baselines, product: str) -> list[tuple]:
    frame = b.spikes.loc[b.spikes["product"] == product]
    return [tuple(r) for r in frame.drop(columns=["product"]).itertuples(index=False)]


def spike_dataset() -> Dataset:
    months = [f"{y}-{m:02d}" for y, m in [(2024, 3), (2024, 4), (2024, 5)]]
    rows = monthly_sales("UL", dict.fromkeys(months, 100.0))  # last year: rate 100
    rows += monthly_sales("UL", {"2025-03": 300.0, "2025-04": 300.0, "2025-05": 300.0})
    reg = {f"{y}-{m:02d}": 1000.0 for y, m in [(2025, k) for k in range(1, 13)]}
    reg["2025-06"] = 5000.0
    rows += monthly_sales("REG", reg)
    return history(rows)


def test_spikes_flagged_and_normalised() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        b = compute_baselines(spike_dataset())
    assert b.settings["window"] == "2025-01-01..2025-12-31"
    assert b.settings["spikes"] == "normalise"
    ul = row(b.products, product="UL")
    assert ul["is_spike"] and ul["spike_action"] == "normalised"
    assert ul["spike_reason"] == ("jump in Mar, Apr, May: 3.0x the same months a year earlier, "
                                  "the rest of the company had no sales then")
    assert ul["normalised_amount"] == pytest.approx(ul["amount"] / 3)
    # sold in the same three months a year earlier: not a launch, its window is observed
    assert (ul["sell_from_month"], ul["sell_to_month"]) == (3, 5)
    assert not ul["launched"]
    reg = row(b.products, product="REG")
    assert reg["is_spike"]
    assert reg["spike_reason"] == (
        "one-off peak in Jun: up to 5.0x the median month; not seen in an earlier year, nor a "
        "peak month of the rest of the company or of its tier")
    june = row(b.product_months, product="REG", month=6)
    assert reg["normalised_amount"] == pytest.approx(reg["amount"] - june["amount"] * 0.8)
    assert june["normal_amount"] == pytest.approx(june["amount"] / 5)
    assert pd.isna(reg["sell_from_month"])  # sold all year, none declared
    # the phasing follows the normal year: REG flat, UL only in its three months
    reg_months = b.product_months.loc[b.product_months["product"] == "REG"]
    assert reg_months["seasonality"].tolist() == pytest.approx([1.0] * 12)
    pm = b.product_months[b.product_months["product"] == "UL"]
    assert pm["month"].tolist() == list(range(1, 13))
    assert pm["seasonality"].tolist() == pytest.approx([0, 0, 1, 1, 1] + [0] * 7)
    assert spikes_of(b, "REG")[0][:5] == (
        "one-off peak", "Jun", "up to 5.0x the median month; not seen in an earlier year, nor "
        "a peak month of the rest of the company or of its tier", "normalised",
        reg["amount"])
    assert [w.category for w in caught] == [SpikeWarning, SpikeWarning]
    assert str(caught[1].message) == (
        "baselines: UL: one-off jump in Mar, Apr, May normalised (3.0x the same months a year "
        "earlier, the rest of the company had no sales then); divided by the jump: baseline "
        "x0.33 (18,600 -> 6,200, 12,400 removed); to keep it, set "
        '[baselines.spike_overrides] UL = "keep"')
    assert b.warnings == [("spike", str(w.message)) for w in caught]
    items = dict(zip(b.report["item"], b.report["value"], strict=True))
    assert items["one-off spikes normalised (see the spikes table)"] == "REG, UL"


def christmas() -> Dataset:
    """XMAS peaks in Nov-Dec with the company (BIG); ONE has a one-off June."""
    rows = monthly_sales("XMAS", year_of(100.0, nov=600.0, dec=500.0))
    rows += monthly_sales("BIG", year_of(1000.0, nov=2000.0, dec=1800.0))
    rows += monthly_sales("ONE", year_of(100.0, jun=500.0))
    return history(rows)


@pytest.fixture(scope="module")
def xmas() -> Baselines:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpikeWarning)
        return compute_baselines(christmas())


def test_a_peak_in_the_company_season_is_kept(xmas: Baselines) -> None:
    x = row(xmas.products, product="XMAS")
    assert not x["is_spike"] and x["spike_action"] == ""
    assert x["seasonal_months"] == "Nov, Dec"
    assert x["normalised_amount"] == x["amount"]
    assert spikes_of(xmas, "XMAS") == [(
        "seasonal peak", "Nov, Dec", "up to 6.0x the median month; Nov, Dec are peak months "
        "of the rest of the company", "kept: seasonal", x["amount"], x["amount"], 1.0, 0.0)]
    season = xmas.product_months.loc[xmas.product_months["product"] == "XMAS", "seasonality"]
    assert season.tolist() == pytest.approx([100 / 175] * 10 + [600 / 175, 500 / 175])
    one = row(xmas.products, product="ONE")
    assert one["is_spike"] and one["spike_action"] == "normalised"
    june = row(xmas.product_months, product="ONE", month=6)["amount"]
    assert one["normalised_amount"] == pytest.approx(one["amount"] - june * 0.8)
    items = dict(zip(xmas.report["item"], xmas.report["value"], strict=True))
    assert items["seasonal peaks kept (see the spikes table)"] == "XMAS"


def test_a_peak_alone_is_a_one_off() -> None:
    rows = monthly_sales("XMAS", year_of(100.0, nov=600.0, dec=500.0))
    rows += monthly_sales("BIG", year_of(1000.0))
    with pytest.warns(SpikeWarning, match=r"^baselines: XMAS: one-off spike in Nov, Dec "):
        b = compute_baselines(history(rows))
    x = row(b.products, product="XMAS")
    assert x["is_spike"] and x["seasonal_months"] == ""
    assert x["normalised_amount"] == pytest.approx(x["amount"] - 500 * working_days(
        pd.Timestamp("2025-11-01"), pd.Timestamp("2025-11-30")) - 400 * working_days(
        pd.Timestamp("2025-12-01"), pd.Timestamp("2025-12-31")))


def test_a_peak_that_recurs_is_kept() -> None:
    rows = monthly_sales("XMAS", year_of(100.0, 2024, nov=600.0))
    rows += monthly_sales("XMAS", year_of(100.0, 2025, nov=600.0))
    rows += monthly_sales("BIG", {**year_of(1000.0, 2024), **year_of(1000.0, 2025)})
    b = compute_baselines(history(rows))
    assert b.settings["window"] == "2025-01-01..2025-12-31"
    assert spikes_of(b, "XMAS")[0][:5] == (
        "seasonal peak", "Nov", "up to 6.0x the median month; recurs: a peak in Nov 2024",
        "kept: seasonal", row(b.products, product="XMAS")["amount"])
    assert b.warnings == []


def test_a_peak_of_the_tier_is_kept() -> None:
    rows = monthly_sales("XMAS", year_of(100.0, nov=600.0))
    rows += monthly_sales("GIFT", year_of(100.0, nov=250.0))
    rows += monthly_sales("BIG", year_of(1000.0))
    b = compute_baselines(history(rows, {"XMAS": "high", "GIFT": "high", "BIG": "standard"}))
    assert spikes_of(b, "XMAS")[0][:4] == (
        "seasonal peak", "Nov", "up to 6.0x the median month; Nov is a peak month of the "
        "rest of tier high", "kept: seasonal")


def test_spike_policy_and_overrides() -> None:
    ds = christmas()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kept = compute_baselines(ds, spikes="keep")
    assert caught == [] and kept.warnings == []
    one = row(kept.products, product="ONE")
    assert one["is_spike"] and one["spike_action"] == "kept: spikes = keep"
    assert one["normalised_amount"] == one["amount"]
    assert kept.settings["spikes"] == "keep"
    items = dict(zip(kept.report["item"], kept.report["value"], strict=True))
    assert items["one-off spikes kept (spikes policy or override)"] == "ONE"
    override = compute_baselines(ds, spike_overrides={"ONE": "keep"})
    assert row(override.products, product="ONE")["spike_action"] == "kept: spike_overrides"
    assert override.settings["spike_overrides"] == "ONE = keep"
    with pytest.warns(SpikeWarning, match="ONE: one-off spike in Jun normalised"):
        forced = compute_baselines(ds, spikes="keep", spike_overrides={"ONE": "normalise"})
    assert row(forced.products, product="ONE")["normalised_amount"] < one["amount"]
    with pytest.raises(ValueError, match="spikes policy must be one of normalise, keep"):
        compute_baselines(ds, spikes="drop")


def launch_dataset(first_day: int, sell: tuple[float, float] = (NaN, NaN)) -> Dataset:
    """BIG sells all 2025 at 100 x the month number per day; NEW from July at 50 a day."""
    rows = monthly_sales("BIG", {f"2025-{m:02d}": 100.0 * m for m in range(1, 13)})
    rows += monthly_sales("NEW", {"2025-07": 50.0}, day=first_day)
    rows += monthly_sales("NEW", {f"2025-{m:02d}": 50.0 for m in range(8, 13)})
    ds = history(rows, {"BIG": "standard", "NEW": "standard"})
    ds.products.loc[1, ["sell_from_month", "sell_to_month"]] = sell
    return ds


def test_a_launch_is_annualised_on_the_company_months() -> None:
    with pytest.warns(LaunchWarning) as caught:
        b = compute_baselines(launch_dataset(first_day=10))
    pm = b.product_months.set_index(["product", "month"])
    big = pm.loc["BIG", "amount"]
    new = row(b.products, product="NEW")
    july = pd.Timestamp("2025-07-01"), pd.Timestamp("2025-07-31")
    share = working_days(pd.Timestamp("2025-07-10"), july[1]) / working_days(*july)
    level = new["amount"] / (big.loc[8:].sum() + share * big.loc[7])
    assert pm.loc["NEW", "normal_amount"].loc[:6].tolist() == pytest.approx(
        (level * big.loc[:6]).tolist())
    assert pm.loc[("NEW", 7), "normal_amount"] == pytest.approx(
        pm.loc[("NEW", 7), "amount"] + level * (1 - share) * big.loc[7])
    assert new["normalised_amount"] == pytest.approx(level * big.sum())
    assert new["launched"] and pd.isna(new["sell_from_month"])  # planned all year
    assert (pm.loc["NEW", "seasonality"] > 0).all()
    assert spikes_of(b, "NEW")[0][:5] == (
        "launch", "Jan, Feb, Mar, Apr, May, Jun, Jul", "first sale 2025-07-10; the months "
        "before it filled at the product's level on the rest of the company's months",
        "annualised", new["amount"])
    assert str(caught[0].message).startswith(
        "baselines: 1 product launched inside the trailing window, planned on a full year "
        "(the months before the first sale filled at the product's level on the rest of the "
        f"company's months): NEW (first sale 2025-07-10, x{new['normalised_amount'] / new['amount']:.2f}: ")
    assert b.warnings == [("launch", str(caught[0].message))]


def test_a_product_opening_its_declared_window_is_no_launch() -> None:
    b = compute_baselines(launch_dataset(first_day=1, sell=(7.0, 12.0)))
    new = row(b.products, product="NEW")
    assert not new["launched"] and new["normalised_amount"] == new["amount"]
    assert (new["sell_from_month"], new["sell_to_month"]) == (7, 12)
    assert b.spikes.empty and b.warnings == []


def test_sample_universal_life_is_a_spike(sample_generated_once: None) -> None:
    sample = pytest.importorskip("planner.sample.generate")
    with pytest.warns(SpikeWarning, match=r"^baselines: UL_INS: one-off jump in Mar, Apr, May "
                      r"normalised \(2\.7x the same months a year earlier, the rest of the "
                      r"company 1\.11x\)"):
        b = compute_baselines(sample.generate_sample(seed=7))
    flagged = b.products.loc[b.products["is_spike"], "product"].tolist()
    assert flagged == ["UL_INS"]
    ul = row(b.products, product="UL_INS")
    assert ul["normalised_amount"] < 0.6 * ul["amount"]
    assert b.spikes["kind"].tolist() == ["jump"]
    assert b.spikes.loc[0, "amount_removed"] == pytest.approx(
        ul["amount"] - ul["normalised_amount"])
    product = b.product_segments
    np.testing.assert_allclose(
        product["customers"] * product["conversion"] * product["repurchase"]
        * product["ticket"], product["amount"], rtol=1e-10)


def test_write_creates_csvs_and_workbook(tmp_path: Path, tiny: Baselines) -> None:
    out = tmp_path / "out"
    paths = write_baseline_files(tiny.tables(), out)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in paths)
    assert {"baselines_products.csv", "baselines_spikes.csv", "baselines.xlsx"} <= set(names)
    assert len(paths) == len(tiny.tables()) + 1
    back = pd.read_csv(out / "baselines_products.csv")
    assert back["amount"].tolist() == [3500, 1050]
    spikes = pd.read_csv(out / "baselines_spikes.csv")
    assert tuple(spikes.columns) == SPIKE_COLUMNS and spikes.empty
    book = openpyxl.load_workbook(out / "baselines.xlsx")
    assert book.sheetnames == list(tiny.tables())
    sheet = book["products"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "product" and sheet["A1"].font.bold
    assert [c.value for c in sheet["A"][1:]] == ["FIX", "VAR"]
    assert sheet.column_dimensions["A"].width >= len("product")


def test_write_lists_the_spikes(tmp_path: Path, xmas: Baselines) -> None:
    write_baseline_files(xmas.tables(), tmp_path)
    back = pd.read_csv(tmp_path / "baselines_spikes.csv", dtype={"product": str})
    assert back[["product", "kind", "months", "action"]].values.tolist() == [
        ["ONE", "one-off peak", "Jun", "normalised"],
        ["XMAS", "seasonal peak", "Nov, Dec", "kept: seasonal"]]
    sheet = openpyxl.load_workbook(tmp_path / "baselines.xlsx")["spikes"]
    assert [c.value for c in sheet[1]] == list(SPIKE_COLUMNS)
    assert sheet["A2"].value == "ONE" and sheet["I2"].value == pytest.approx(
        back.loc[0, "amount_removed"])
