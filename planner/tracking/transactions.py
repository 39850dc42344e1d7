"""Actuals from transactions of the plan year, in the history's format.

The folder is read by the history loader (:func:`planner.history.load.load_dataset`:
the same files, the same mapping, the same validation) and aggregated in DuckDB over
the baselines' ``sales`` view (:func:`planner.baselines.sql.sales_view`), with the
baselines' rules: a row's team is its seat's, buyers are distinct customer ids (the
units when there are none, scaled when only some rows have one), and amounts and units
are net of returns.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from planner import names as n
from planner.baselines import sql
from planner.engine.duck import quiet
from planner.history.dataset import Dataset
from planner.history.load import load_dataset
from planner.history.mapping import DatasetMapping

# Sales by team x product x week part (ISO week and month) up to the as-of date.
PART_SALES = """
SELECT coalesce(team, $unknown) AS team, product,
  printf('%d-W%02d', isoyear(date), weekofyear(date)) AS week,
  strftime(date, '%Y-%m') AS month, sum(amount) AS amount, sum(units) AS units
FROM sales WHERE date BETWEEN $start AND $as_of GROUP BY ALL
"""

# Sales by team x product x month x segment with buyers as the baselines count them.
SEGMENT_SALES = """
SELECT coalesce(team, $unknown) AS team, product, strftime(date, '%Y-%m') AS month, segment,
  sum(amount) AS amount, sum(units) AS units,
  CASE WHEN count(customer_id) = 0 THEN sum(units)
    WHEN count(customer_id) = count(*) OR sum(units) FILTER (customer_id IS NOT NULL) <= 0
    THEN count(DISTINCT customer_id)
    ELSE count(DISTINCT customer_id) * sum(units)
      / sum(units) FILTER (customer_id IS NOT NULL) END AS buyers,
  count(customer_id) AS with_id, count(*) AS n_rows
FROM sales WHERE date BETWEEN $start AND $as_of GROUP BY ALL
"""


@dataclass
class Transactions:
    """A plan year's transactions, loaded and validated.

    Attributes
    ----------
    dataset : Dataset
        The loaded tables (``sales`` with ``team`` from the seats).
    notes : list of str
        What loading said (warnings included), one line each.
    """

    dataset: Dataset
    notes: list[str]

    @property
    def last_sale(self) -> date | None:
        """Date of the last sale (None without sales)."""
        dates = self.dataset.sales[n.DATE]
        return None if dates.empty else pd.Timestamp(dates.max()).date()

    @property
    def has_drivers(self) -> bool:
        """Whether customer ids and segments are present (the driver split is possible)."""
        sales = self.dataset.sales
        if n.CUSTOMER_ID not in sales or n.SEGMENT not in sales:
            return False
        ids = sales[n.CUSTOMER_ID].notna() & (sales[n.CUSTOMER_ID].astype(str) != "")
        segments = set(sales[n.SEGMENT].dropna().astype(str))
        return bool(ids.any()) and bool(segments - {n.DEFAULT_SEGMENT})


def read_transactions(folder: Path, mapping: DatasetMapping | Path | str | None) -> Transactions:
    """Load a folder of plan-year transactions with the history's loader.

    The loader's warnings about the trailing window (a plan year's first months do not
    fill twelve months of history) are kept as notes, not raised.

    Raises
    ------
    InputError
        Listing every problem of the files (file, row, column, value, fix).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = load_dataset(folder, mapping)
    notes = [str(w.message) for w in caught
             if type(w.message).__module__.startswith("planner")
             and "trailing window" not in str(w.message)]
    return Transactions(dataset, notes)


def _query(sales: pd.DataFrame, statement: str, start: date, as_of: date) -> pd.DataFrame:
    con = duckdb.connect(":memory:")
    quiet(con)
    try:
        con.register("sales_src", sales)
        columns = con.execute(sql.describe("sales_src")).df()["column_name"].tolist()
        con.execute(sql.sales_view("sales_src", columns))
        params = {"start": start, "as_of": as_of, "unknown": sql.UNKNOWN_TEAM}
        return con.execute(statement, {k: v for k, v in params.items()
                                       if f"${k}" in statement}).df()
    finally:
        con.close()


def part_sales(tx: Transactions, year: int, as_of: date) -> pd.DataFrame:
    """``team, product, week, month, amount, units`` from 1 January to ``as_of``."""
    out = _query(tx.dataset.sales, PART_SALES, date(year, 1, 1), as_of)
    return out.astype({n.TEAM: str, n.PRODUCT: str, n.WEEK: str, n.MONTH: str})


def segment_sales(tx: Transactions, year: int, as_of: date) -> pd.DataFrame:
    """``team, product, month, segment, amount, units, buyers`` from 1 January to ``as_of``."""
    out = _query(tx.dataset.sales, SEGMENT_SALES, date(year, 1, 1), as_of)
    return out.astype({n.TEAM: str, n.PRODUCT: str, n.MONTH: str, n.SEGMENT: str})


def dates_outside(tx: Transactions, year: int) -> int:
    """Number of sales dated outside the plan year."""
    dates = tx.dataset.sales[n.DATE]
    return int(((dates < pd.Timestamp(year, 1, 1)) | (dates > pd.Timestamp(year, 12, 31))).sum())
