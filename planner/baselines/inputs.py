"""The relations the baselines' SQL reads, put on the engine.

``sales`` is a view over the sales source with canonical names and types (a DataFrame,
a Parquet path the engine scans, or a Spark DataFrame); ``seats``, ``products``,
``customers`` and ``days`` are the small tables, copied with stable types.
"""

from __future__ import annotations

import pandas as pd

from planner import names as n
from planner.baselines import sql
from planner.engine.base import Engine
from planner.errors import InputError, Problem
from planner.history.dataset import Dataset

#: The columns of the calendar's days the statements read.
DAY_COLUMNS = (n.DATE, "is_working", n.WEEK_START)


def small_table(df: pd.DataFrame | None, columns: tuple[str, ...], dates: tuple[str, ...] = (),
                numbers: tuple[str, ...] = ()) -> pd.DataFrame:
    """Reindex a small table to ``columns`` with stable dtypes for the engine.

    Dates become datetime64, ``numbers`` float64 and every other column text.

    Examples
    --------
    >>> t = small_table(None, ("seat", "start_date", "stock"), dates=("start_date",),
    ...                 numbers=("stock",))
    >>> [str(t[c].dtype)[:8] for c in t], len(t)
    (['str', 'datetime', 'float64'], 0)
    """
    out = (df if df is not None else pd.DataFrame()).reindex(columns=list(columns))
    conv = {c: pd.to_datetime(out[c]) for c in dates}
    conv |= {c: pd.to_numeric(out[c], errors="coerce").astype("float64") for c in numbers}
    conv |= {c: out[c].astype("str") for c in columns if c not in conv}
    return pd.DataFrame(conv, index=out.index).loc[:, list(columns)]


def register_sales(engine: Engine, sales: object) -> str:
    """Create the ``sales`` view over ``sales``; return its label for messages.

    Raises
    ------
    InputError
        When the source lacks a required canonical column.
    """
    source, label = engine.sales_source(sales)
    columns = engine.columns(source)
    missing = [c for c in n.SALES_REQUIRED if c not in columns]
    if missing:
        raise InputError(Problem(label, None, c, None, "column is missing: map a sales "
                                 "column to it") for c in missing)
    engine.run(sql.sales_view(source, columns))
    return label


def register_tables(engine: Engine, dataset: Dataset) -> None:
    """Copy the products and customers tables; register seats for :func:`copy_seats`."""
    engine.register("seats_src", small_table(dataset.seats, n.SEATS_COLUMNS,
                                             dates=(n.START_DATE, n.END_DATE)))
    engine.register("products_src", small_table(dataset.products, n.PRODUCTS_COLUMNS, numbers=(
        n.FIXED_TICKET, n.SELL_FROM_MONTH, n.SELL_TO_MONTH)))
    engine.register("customers_src", small_table(dataset.customers, n.CUSTOMERS_COLUMNS, dates=(
        n.MONTH,), numbers=(n.STOCK, n.NEW, n.ATTRITION, n.AUM)))
    engine.run(sql.copy_table("products", n.PRODUCTS_COLUMNS))
    engine.run(sql.copy_table("customers", n.CUSTOMERS_COLUMNS, (n.MONTH,)))


def copy_seats_and_days(engine: Engine, days: pd.DataFrame, params: dict[str, object]) -> None:
    """Copy seats (with ``active_at_end`` at the window's end) and the calendar's days."""
    engine.register("days_src", days.loc[:, list(DAY_COLUMNS)])
    engine.run(sql.copy_table("seats", n.SEATS_COLUMNS, (n.START_DATE, n.END_DATE),
                              sql.ACTIVE_AT_END), params)
    engine.run(sql.copy_table("days", DAY_COLUMNS, (n.DATE, n.WEEK_START), sql.MONTH_START),
               params)
