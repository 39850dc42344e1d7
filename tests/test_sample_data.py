from __future__ import annotations

import datetime as dt
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
import pytest

from planner import names as n
from planner.errors import OutputError
from planner.history.dataset import Dataset
from planner.sample.generate import generate_sample, write_sample

TRAILING_START = pd.Timestamp("2025-11-01")
HISTORY_END = pd.Timestamp("2026-10-31")


@pytest.fixture(scope="module")
def ds() -> Dataset:
    """The sample generated here (the writers' tests take a cached generation:
    ``sample_generated_once`` of tests/conftest.py; this module checks the generator)."""
    return generate_sample(seed=7)


def _working_days(first: dt.date, last: dt.date) -> set[dt.date]:
    cn = holidays.country_holidays("CN", years=range(first.year, last.year + 1))
    out = set()
    for d in pd.date_range(first, last).date:
        if (d.weekday() < 5 and d not in cn) or d in cn.weekend_workdays:
            out.add(d)
    return out


def _trailing(sales: pd.DataFrame) -> pd.DataFrame:
    return sales.loc[sales[n.DATE] >= TRAILING_START]


def _active_at(seats: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    return (seats[n.START_DATE] <= day) & (seats[n.END_DATE].isna() | (seats[n.END_DATE] >= day))


def test_same_seed_same_data_other_seed_differs(ds: Dataset) -> None:
    again = generate_sample(seed=7)
    pd.testing.assert_frame_equal(ds.sales, again.sales)
    pd.testing.assert_frame_equal(ds.seats, again.seats)
    pd.testing.assert_frame_equal(ds.products, again.products)
    pd.testing.assert_frame_equal(ds.customers, again.customers)
    other = generate_sample(seed=8)
    assert not ds.sales[n.AMOUNT].equals(other.sales[n.AMOUNT])
    assert not ds.seats.equals(other.seats)


def test_tidy_frames_use_canonical_columns_and_types(ds: Dataset) -> None:
    sales_cols = [n.DATE, n.SEAT, n.TEAM, *n.SALES_COLUMNS[2:]]
    assert list(ds.sales.columns) == sales_cols
    assert list(ds.seats.columns) == list(n.SEATS_COLUMNS)
    assert list(ds.products.columns) == list(n.PRODUCTS_COLUMNS)
    assert ds.customers is not None
    assert list(ds.customers.columns) == list(n.CUSTOMERS_COLUMNS)
    assert pd.api.types.is_datetime64_any_dtype(ds.sales[n.DATE])
    assert pd.api.types.is_datetime64_any_dtype(ds.seats[n.START_DATE])
    assert pd.api.types.is_datetime64_any_dtype(ds.customers[n.MONTH])
    assert (ds.customers[n.MONTH].dt.day == 1).all()
    assert ds.sales[n.DATE].min() >= pd.Timestamp("2025-01-01")
    assert ds.sales[n.DATE].max() <= HISTORY_END
    assert (ds.sales[n.AMOUNT] > 0).all()
    assert (ds.sales[n.UNITS] == 1).all()
    assert (ds.sales[n.AMOUNT].round(2) == ds.sales[n.AMOUNT]).all()
    assert 100_000 <= len(ds.sales) <= 400_000


def test_sales_only_on_china_working_days(ds: Dataset) -> None:
    working = _working_days(dt.date(2025, 1, 1), dt.date(2026, 10, 31))
    sold = set(ds.sales[n.DATE].dt.date.unique())
    assert sold <= working
    assert dt.date(2026, 2, 14) in sold  # Saturday, make-up working day
    assert dt.date(2026, 2, 28) in sold
    assert dt.date(2026, 2, 17) not in sold  # Spring Festival
    assert dt.date(2026, 10, 1) not in sold  # National Day
    assert len(sold) == len(working)


def test_seats_teams_and_grades_in_range(ds: Dataset) -> None:
    seats = ds.seats
    assert seats[n.SEAT].is_unique
    assert 280 <= len(seats) <= 360
    assert seats[n.TEAM].nunique() == 12
    assert set(seats[n.GRADE]) == {"A", "B", "C", "D", "E"}
    assert 260 <= _active_at(seats, HISTORY_END).sum() <= 300
    assert (seats[n.START_DATE] > pd.Timestamp("2025-01-01")).sum() >= 40  # hires
    assert seats[n.END_DATE].notna().sum() >= 30  # leavers


def test_every_sale_references_known_seat_product_and_team(ds: Dataset) -> None:
    sales, seats = ds.sales, ds.seats
    assert set(sales[n.SEAT]) <= set(seats[n.SEAT])
    assert set(sales[n.PRODUCT]) == set(ds.products[n.PRODUCT])
    team_of = seats.set_index(n.SEAT)[n.TEAM]
    assert (sales[n.SEAT].map(team_of) == sales[n.TEAM]).all()


def test_sales_only_within_seat_tenure(ds: Dataset) -> None:
    merged = ds.sales[[n.DATE, n.SEAT]].merge(ds.seats, on=n.SEAT, how="left")
    assert (merged[n.DATE] >= merged[n.START_DATE]).all()
    ended = merged[n.END_DATE].notna()
    assert (merged.loc[ended, n.DATE] <= merged.loc[ended, n.END_DATE]).all()


def test_fixed_ticket_products_mostly_exactly_one_million(ds: Dataset) -> None:
    fixed = ds.products.loc[ds.products[n.TICKET_MODE] == "fixed"]
    assert len(fixed) == 2
    assert (fixed[n.FIXED_TICKET] == 1_000_000).all()
    assert ds.products.loc[ds.products[n.TICKET_MODE] == "variable", n.FIXED_TICKET].isna().all()
    for product in fixed[n.PRODUCT]:
        amounts = ds.sales.loc[ds.sales[n.PRODUCT] == product, n.AMOUNT]
        exact = (amounts == 1_000_000).mean()
        assert 0.90 <= exact < 1.0, product
        assert (amounts <= 1_000_000).all()


def test_three_month_product_sells_three_months_with_a_spike(ds: Dataset) -> None:
    windowed = ds.products.loc[ds.products[n.SELL_FROM_MONTH].notna()]
    assert len(windowed) == 1
    row = windowed.iloc[0]
    trailing = _trailing(ds.sales)
    mine = trailing.loc[trailing[n.PRODUCT] == row[n.PRODUCT]]
    months = sorted(mine[n.DATE].dt.month.unique())
    assert months == list(range(int(row[n.SELL_FROM_MONTH]), int(row[n.SELL_TO_MONTH]) + 1))
    assert len(months) == 3
    daily = trailing.groupby([n.PRODUCT, n.DATE])[n.AMOUNT].sum().groupby(n.PRODUCT).mean()
    others = daily.drop(row[n.PRODUCT])
    assert daily[row[n.PRODUCT]] > 2 * others.max()


def test_margin_tiers_and_margin_rates(ds: Dataset) -> None:
    assert set(ds.products[n.MARGIN_TIER]) == set(n.MARGIN_TIERS)
    sales = ds.sales.loc[ds.sales[n.AMOUNT] >= 1000]
    rate = (sales[n.MARGIN] / sales[n.AMOUNT]).groupby(sales[n.PRODUCT])
    assert (rate.max() - rate.min() < 1e-4).all()


def test_grade_productivity_ordered_a_to_e(ds: Dataset) -> None:
    seats = ds.seats
    ramped = seats.loc[(seats[n.START_DATE] <= pd.Timestamp("2025-06-01"))
                       & seats[n.END_DATE].isna()]
    trailing = _trailing(ds.sales)
    per_seat = trailing.groupby(n.SEAT)[n.AMOUNT].sum().reindex(ramped[n.SEAT], fill_value=0.0)
    by_grade = per_seat.groupby(ramped.set_index(n.SEAT)[n.GRADE]).mean()
    assert list(by_grade.index) == ["A", "B", "C", "D", "E"]
    assert by_grade.is_monotonic_decreasing and by_grade.is_unique
    assert 2.0 <= by_grade["A"] / by_grade["E"] <= 3.2
    cv = per_seat.groupby(ramped.set_index(n.SEAT)[n.GRADE]).agg(lambda s: s.std() / s.mean())
    assert (cv < 0.25).all()


def test_trailing_twelve_months_about_five_billion(ds: Dataset) -> None:
    total = _trailing(ds.sales)[n.AMOUNT].sum()
    assert 4e9 <= total <= 6e9


def test_best_segment_has_largest_and_most_variable_ticket(ds: Dataset) -> None:
    variable = ds.products.loc[ds.products[n.TICKET_MODE] == "variable", n.PRODUCT]
    sales = ds.sales.loc[ds.sales[n.PRODUCT].isin(variable)]
    stats = sales.groupby(n.SEGMENT)[n.AMOUNT].agg(["mean", "std"])
    assert len(stats) == 5
    assert stats["mean"].idxmax() == stats.index.min() == "S1_private"
    assert stats["std"].idxmax() == "S1_private"


def test_customers_repurchase_and_stock(ds: Dataset) -> None:
    sales = ds.sales
    assert sales.groupby(n.CUSTOMER_ID)[n.SEGMENT].nunique().max() == 1
    per_buyer = len(sales) / sales[n.CUSTOMER_ID].nunique()
    assert 1.1 <= per_buyer <= 1.6
    customers = ds.customers
    assert customers is not None
    assert customers[n.MONTH].nunique() == 22
    assert set(customers[n.SEGMENT]) == set(sales[n.SEGMENT])
    last = customers.loc[customers[n.MONTH] == customers[n.MONTH].max()].set_index(n.SEGMENT)
    buyers = _trailing(sales).groupby(n.SEGMENT)[n.CUSTOMER_ID].nunique()
    conversion = buyers / last[n.STOCK]
    assert (conversion < 0.15).all() and (conversion > 0.005).all()
    wide = customers.pivot(index=n.MONTH, columns=n.SEGMENT, values=[n.STOCK, n.NEW, n.ATTRITION])
    nxt = (wide[n.STOCK] + wide[n.NEW] - wide[n.ATTRITION]).iloc[:-1].to_numpy()
    np.testing.assert_array_equal(nxt, wide[n.STOCK].iloc[1:].to_numpy())
    assert (customers[n.AUM] > 0).all()


def test_seasonality_bonus_season_and_holidays(ds: Dataset) -> None:
    daily = ds.sales.groupby(n.DATE)[n.AMOUNT].sum()
    month = daily.groupby(daily.index.to_period("M")).mean()
    assert month[pd.Period("2026-01")] > 1.2 * month[pd.Period("2026-02")]
    assert month[pd.Period("2025-12")] > month[pd.Period("2025-11")]
    assert month[pd.Period("2025-09")] > month[pd.Period("2025-10")]


def test_write_sample_csv(ds: Dataset, sample_generated_once: None, tmp_path: Path) -> None:
    out = tmp_path / "new" / "sample"
    paths = write_sample(out, seed=7)
    assert [p.name for p in paths] == ["sales.csv", "seats.csv", "products.csv", "customers.csv"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)
    headers = {p.stem: p.read_text().splitlines()[0] for p in paths}
    assert headers["sales"] == ",".join(n.SALES_COLUMNS)
    assert headers["seats"] == ",".join(n.SEATS_COLUMNS)
    assert headers["products"] == ",".join(n.PRODUCTS_COLUMNS)
    assert headers["customers"] == ",".join(n.CUSTOMERS_COLUMNS)
    sales = pd.read_csv(out / "sales.csv", dtype=str)
    assert sales[n.DATE].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert len(sales) == len(ds.sales)
    customers = pd.read_csv(out / "customers.csv", dtype=str)
    assert customers[n.MONTH].str.fullmatch(r"\d{4}-\d{2}-01").all()
    products = (out / "products.csv").read_text().splitlines()
    assert "TRUST_A,fixed,1000000,high,,,TRUST_A" in products  # name: the code
    assert "UL_INS,variable,,high,3,5,UL_INS" in products


def test_write_sample_parquet(sample_generated_once: None, tmp_path: Path) -> None:
    paths = write_sample(tmp_path, seed=3, fmt="parquet")
    assert [p.name for p in paths] == [
        "sales.parquet", "seats.parquet", "products.parquet", "customers.parquet",
    ]
    sales = pd.read_parquet(paths[0])
    assert list(sales.columns) == list(n.SALES_COLUMNS)
    assert list(pd.read_parquet(paths[1]).columns) == list(n.SEATS_COLUMNS)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_write_sample_replaces_existing_files(sample_generated_once: None,
                                             tmp_path: Path) -> None:
    (tmp_path / "seats.csv").write_text("old\n")
    write_sample(tmp_path, seed=7)
    assert (tmp_path / "seats.csv").read_text().startswith(",".join(n.SEATS_COLUMNS))


def test_write_sample_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(
        OutputError, match=r"^unknown sample format 'xlsx': expected one of csv, parquet$"
    ):
        write_sample(tmp_path / "out", fmt="xlsx")
    assert not (tmp_path / "out").exists()
