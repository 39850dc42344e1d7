"""Empirical baselines a planner reads off last year's history.

:func:`compute_baselines` runs the SQL of :mod:`planner.baselines.sql` and
:mod:`planner.baselines.season_sql` in an embedded, in-memory DuckDB connection and returns a
:class:`Baselines` of plain DataFrames. Sales can be a DataFrame or a Parquet path
that DuckDB scans without pandas.

Normal year
-----------
Last year is made a normal year by :mod:`planner.baselines.spikes`: a peak of a product's months
that recurs in an earlier year, or falls in the season of the rest of the company or of
its margin tier, is seasonality and kept (in ``normalised_amount`` and in the months'
``seasonality``); a peak without such support, or a jump far above the same months a
year earlier, is a one-off that the ``spikes`` policy normalises or keeps; a product
launched inside the window gets a full year. Every step is a row of the ``spikes``
table, and every normalisation and launch a warning.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import pandas as pd

from planner import names as n
from planner.atomic import atomic_write
from planner.baselines import season_sql
from planner.baselines import sql as sql
from planner.baselines.repeatable import steady, steady_value
from planner.baselines.spikes import DEFAULT_POLICY, THRESHOLDS, NormalYear, normal_year
from planner.calendar import day_table
from planner.errors import InputError, LaunchWarning, Problem, SpikeWarning
from planner.history.dataset import Dataset

#: Files written by :meth:`Baselines.write`: ``baselines_<table>.csv`` and the workbook.
CSV_PREFIX = "baselines_"
_MAX_NAMES = 20
#: The frames of :class:`Baselines`, in the order :meth:`Baselines.tables` gives them.
TABLES = ("products", "product_months", "spikes", "segments", "product_segments",
          "productivity_grade", "productivity_team", "seats", "teams", "report")

SalesSource: TypeAlias = pd.DataFrame | str | os.PathLike[str]


@dataclass
class Baselines:
    """Last year's empirical values, one DataFrame per topic.

    Attributes
    ----------
    window_start, window_end : Timestamp
        The trailing window (both days inclusive).
    total_amount, total_units : float
        Net sales in the window.
    products, product_months, segments, product_segments : DataFrame
        Per product, per product x calendar month, per customer segment and per
        product x segment (``customers * conversion * repurchase * ticket == amount``).
        ``products.normalised_amount`` and ``product_months.seasonality`` are the
        normal year's (:mod:`planner.baselines.spikes`).
    productivity_grade, productivity_team : DataFrame
        Weekly figures per seat by grade (or team) and product (``"*"``: all).
    seats, teams : DataFrame
        Per seat and per team.
    team_products : DataFrame
        Window sales per team and product (``team, product, amount, units``).
    report : DataFrame
        Data-quality report (``item``, ``value``).
    settings : dict
        Window, ramp months, country, the spikes policy and the thresholds used.
    spikes : DataFrame
        Seasonal peaks kept, one-offs normalised or kept, launches annualised
        (:data:`planner.baselines.spikes.SPIKE_COLUMNS`).
    warnings : list of (str, str)
        ``(kind, text)`` of every normalisation (``"spike"``) and the launches
        (``"launch"``), as also emitted.
    """

    window_start: pd.Timestamp
    window_end: pd.Timestamp
    total_amount: float
    total_units: float
    products: pd.DataFrame
    product_months: pd.DataFrame
    segments: pd.DataFrame
    product_segments: pd.DataFrame
    productivity_grade: pd.DataFrame
    productivity_team: pd.DataFrame
    seats: pd.DataFrame
    teams: pd.DataFrame
    team_products: pd.DataFrame
    report: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    spikes: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return every table by name, settings and totals first, report last."""
        rows = list(self.settings.items())
        rows += [("total_amount", self.total_amount), ("total_units", self.total_units)]
        settings = pd.DataFrame(rows, columns=["item", "value"])
        return {"settings": settings, **{name: getattr(self, name) for name in TABLES}}

    def write(self, out_dir: Path, csv_safe: bool = False) -> list[Path]:
        """Write ``baselines_<table>.csv`` per table and ``baselines.xlsx``, atomically.

        Parameters
        ----------
        out_dir : Path
            Directory, created when missing. Each file is replaced only once written.
        csv_safe : bool
            Escape CSV text that a spreadsheet would run as a formula
            (:func:`planner.outputs.csv_writer.write_csv`).

        Returns
        -------
        list of Path
            The files written, CSVs first.
        """
        from planner.outputs.baseline_workbook import write_baselines_workbook
        from planner.outputs.csv_writer import write_csv

        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        tables = self.tables()
        paths = []
        for name, frame in tables.items():
            def write(path: Path, frame: pd.DataFrame = frame) -> None:
                write_csv(frame, path, csv_safe=csv_safe)

            paths.append(atomic_write(out_dir / f"{CSV_PREFIX}{name}.csv", write))
        paths.append(atomic_write(out_dir / n.BASELINES_XLSX,
                                  lambda p: write_baselines_workbook(tables, p)))
        return paths


def trailing_window(last_sale: date | pd.Timestamp, window_end: date | None,
                    months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the trailing window ``(start, end)``, both inclusive.

    Parameters
    ----------
    last_sale : date
        Date of the last sale; the default end is the end of its month.
    window_end : date or None
        Last day of the window, taken as given.
    months : int
        Window length in months.

    Examples
    --------
    >>> [str(d.date()) for d in trailing_window(date(2026, 10, 9), None, 12)]
    ['2025-11-01', '2026-10-31']
    """
    if months < 1:
        raise ValueError(f"trailing_months must be at least 1, not {months}")
    if window_end is None:
        end = pd.Timestamp(last_sale).normalize() + pd.offsets.MonthEnd(0)
    else:
        end = pd.Timestamp(window_end).normalize()
    return end + pd.Timedelta(days=1) - pd.DateOffset(months=months), end


def _frame(df: pd.DataFrame | None, columns: tuple[str, ...], dates: tuple[str, ...] = (),
           numbers: tuple[str, ...] = ()) -> pd.DataFrame:
    """Reindex a small table to ``columns`` with stable dtypes for DuckDB."""
    out = (df if df is not None else pd.DataFrame()).reindex(columns=list(columns))
    conv = {c: pd.to_datetime(out[c]) for c in dates}
    conv |= {c: pd.to_numeric(out[c], errors="coerce").astype("float64") for c in numbers}
    conv |= {c: out[c].astype("str") for c in columns if c not in conv}
    return pd.DataFrame(conv, index=out.index).loc[:, list(columns)]


def _register(con: duckdb.DuckDBPyConnection, dataset: Dataset, sales: SalesSource) -> str:
    """Create the ``sales`` view and copy the small tables; return the sales label."""
    if isinstance(sales, pd.DataFrame):
        con.register("sales_src", sales)
        source, label = "sales_src", "sales"
    else:
        source, label = sql.parquet_source(os.fspath(sales)), os.fspath(sales)
    columns = con.execute(sql.describe(source)).df()["column_name"].tolist()
    missing = [c for c in n.SALES_REQUIRED if c not in columns]
    if missing:
        raise InputError(Problem(label, None, c, None, "column is missing: map a sales "
                                 "column to it") for c in missing)
    con.execute(sql.sales_view(source, columns))
    con.register("seats_src", _frame(dataset.seats, n.SEATS_COLUMNS,
                                     dates=(n.START_DATE, n.END_DATE)))
    con.register("products_src", _frame(dataset.products, n.PRODUCTS_COLUMNS, numbers=(
        n.FIXED_TICKET, n.SELL_FROM_MONTH, n.SELL_TO_MONTH)))
    con.register("customers_src", _frame(dataset.customers, n.CUSTOMERS_COLUMNS, dates=(
        n.MONTH,), numbers=(n.STOCK, n.NEW, n.ATTRITION, n.AUM)))
    con.execute(sql.copy_table("products"))
    con.execute(sql.copy_table("customers", (n.MONTH,)))
    return label


def _run(con: duckdb.DuckDBPyConnection, statement: str, params: dict[str, Any]) -> None:
    """Execute ``statement`` with only the parameters it names."""
    con.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})


def _query(con: duckdb.DuckDBPyConnection, statement: str,
           params: dict[str, Any]) -> pd.DataFrame:
    _run(con, statement, params)
    return con.fetchdf()


def compute_baselines(
    dataset: Dataset,
    *,
    window_end: date | None = None,
    trailing_months: int = n.TRAILING_MONTHS,
    ramp_months: int = n.DEFAULT_RAMP_MONTHS,
    country: str = "CN",
    sales: SalesSource | None = None,
    spikes: str = DEFAULT_POLICY,
    spike_overrides: Mapping[str, str] | None = None,
) -> Baselines:
    """Compute last year's baselines from a dataset.

    Parameters
    ----------
    dataset : Dataset
        Validated history. ``dataset.sales`` is used unless ``sales`` is given.
    window_end : date, optional
        Last day of the trailing window; default: the end of the last sale's month.
    trailing_months : int
        Window length in months.
    ramp_months : int
        A seat's weeks starting before ``start_date + ramp_months`` are ramp weeks,
        reported apart from the productivity mean and median.
    country : str
        Calendar country for working days.
    sales : DataFrame, str or PathLike, optional
        Sales to use instead of ``dataset.sales``: a DataFrame, or a Parquet file or
        glob that DuckDB scans directly (canonical column names; absent optional
        columns default as in :func:`planner.baselines.sql.sales_view`).
    spikes : str
        ``"normalise"`` (default) or ``"keep"``: what becomes of a one-off spike
        (:mod:`planner.baselines.spikes`); seasonal peaks are always kept.
    spike_overrides : mapping, optional
        Product -> ``"normalise"`` or ``"keep"``, over ``spikes``.

    Returns
    -------
    Baselines

    Raises
    ------
    InputError
        No sales at all, none in the window, or a Parquet source lacks a required column.
    CalendarError
        Unknown country.

    Warns
    -----
    SpikeWarning
        For each one-off spike normalised (product, months, factor, amount removed).
    LaunchWarning
        When products launched inside the window had their history annualised.
    """
    con = duckdb.connect(":memory:")
    try:
        con.execute(sql.SETUP)
        label = _register(con, dataset, dataset.sales if sales is None else sales)
        first, last, total_rows = con.execute(sql.BOUNDS).fetchall()[0]
        if not total_rows or first is None:
            raise InputError([Problem(label, None, None, None,
                                      "has no sales rows: baselines need last year's sales")])
        ws, we = trailing_window(last, window_end, trailing_months)
        history_from = pd.Timestamp(first).to_period("M").start_time  # whole months
        days = day_table(min(ws, history_from).date(), we.date(), country)
        con.register("days_src", days)
        n_months = len(set(pd.period_range(ws, we, freq="M").month))
        settings: dict[str, Any] = {
            "window": f"{ws:%Y-%m-%d}..{we:%Y-%m-%d}", "window_start": f"{ws:%Y-%m-%d}",
            "window_end": f"{we:%Y-%m-%d}", "trailing_months": trailing_months,
            "ramp_months": ramp_months, "country": country, "spikes": spikes,
            "spike_overrides": ", ".join(f"{k} = {v}" for k, v in
                                         sorted((spike_overrides or {}).items())),
            **THRESHOLDS}
        params: dict[str, Any] = {
            "ws": ws.date(), "we": we.date(), "ramp": ramp_months, "n_months": n_months,
            "unknown": sql.UNKNOWN_TEAM, "all": sql.ALL_PRODUCTS}
        for stmt in (sql.copy_table("seats", (n.START_DATE, n.END_DATE), sql.ACTIVE_AT_END),
                     sql.copy_table("days", (n.DATE, n.WEEK_START), sql.MONTH_START),
                     sql.HISTORY_MONTHS, sql.SEAT_WEEK_SALES,
                     sql.CUSTOMER_SALES, sql.TICKET_QUANTILES, sql.FACTS):
            _run(con, stmt, params)
        totals = _query(con, sql.TOTALS, params).iloc[0]
        if totals["n_rows"] == 0:
            raise InputError([Problem(
                label, None, n.DATE, None,
                f"has no sales in the window {settings['window']} (sales run from "
                f"{first:%Y-%m-%d} to {last:%Y-%m-%d}): pass --window-end with a date in "
                "that range")])
        need_ids = bool(con.execute(sql.SEGMENTS_WITHOUT_BASE).fetchall()[0][0])
        for stmt in (sql.HISTORY_IDS if need_ids else sql.EMPTY_HISTORY_IDS,
                     sql.PRODUCT_LIST, sql.SEAT_WEEKS, sql.CELLS, season_sql.PRODUCT_MONTHS,
                     sql.SEGMENTS):
            _run(con, stmt, params)
        frames = {name: _query(con, stmt, params) for name, stmt in (
            ("products", sql.PRODUCTS), ("product_months", season_sql.PRODUCT_MONTHS_TABLE),
            ("history", season_sql.PRODUCT_HISTORY), ("segments", sql.SEGMENTS_TABLE),
            ("product_segments", sql.PRODUCT_SEGMENTS),
            ("productivity_grade", sql.productivity(n.GRADE)),
            ("productivity_team", sql.productivity(n.TEAM)),
            ("seats", sql.SEATS_TABLE), ("teams", sql.TEAMS_TABLE),
            ("team_products", sql.TEAM_PRODUCTS_TABLE), ("quality", sql.QUALITY))}
    finally:
        con.close()
    year = normal_year(frames.pop("product_months"), frames.pop("products"),
                       frames.pop("history"), days, window_start=ws,
                       window_months=len(pd.period_range(ws, we, freq="M")), policy=spikes,
                       overrides=spike_overrides)
    for kind, text in year.warnings:
        warnings.warn(text, SpikeWarning if kind == "spike" else LaunchWarning, stacklevel=2)
    report = _report(dataset, settings, totals, frames.pop("quality").iloc[0], year,
                     frames["segments"])
    frames = {name: steady(frame) for name, frame in frames.items()}
    return Baselines(window_start=ws, window_end=we, total_amount=steady_value(totals["amount"]),
                     total_units=steady_value(totals["units"]),
                     products=steady(year.products.drop(columns=["undeclared"])),
                     product_months=steady(year.months.drop(columns=["first_day"])),
                     report=report, settings=settings, spikes=steady(year.spikes),
                     warnings=year.warnings, **frames)


def _names(values: Any) -> str:
    items = [str(v) for v in values]
    more = f", ... ({len(items) - _MAX_NAMES} more)" if len(items) > _MAX_NAMES else ""
    return ", ".join(items[:_MAX_NAMES]) + more


def _report(dataset: Dataset, settings: dict[str, Any], totals: pd.Series,
            quality: pd.Series, year: NormalYear, segments: pd.DataFrame) -> pd.DataFrame:
    """Return the load report followed by what computing the baselines found."""
    p = year.products
    kept = p["is_spike"] & p["spike_action"].str.startswith("kept")
    rows: list[tuple[str, object]] = [
        ("baselines window", settings["window"]),
        ("sales rows in the window", int(totals["n_rows"])),
        ("sales rows outside the window (ignored)", int(quality["outside_rows"])),
        ("sales amount outside the window (ignored)", round(float(quality["outside_amount"]), 2)),
        ("return rows in the window (negative amounts, netted)", int(totals["return_rows"])),
        ("sales rows before the seat's start date", int(quality["before_start"])),
        ("sales rows after the seat's end date", int(quality["after_end"])),
        ("sales rows of seats missing from the seats table",
         int(quality["unknown_seat_rows"])),
        ("seats active in the window without sales", len(quality["seats_without_sales"])),
    ]
    optional: list[tuple[str, object]] = [
        ("sales rows in the window without customer id (buyers estimated from units)",
         int(totals["rows_without_id"])),
        ("seats missing from the seats table (excluded from productivity)",
         _names(quality["unknown_seats"])),
        ("seats without sales in the window", _names(quality["seats_without_sales"])),
        ("products sold but missing from the products table (planned as variable ticket)",
         _names(p.loc[p["undeclared"], n.PRODUCT])),
        ("products without sales in the window",
         _names(p.loc[p["units"].eq(0) & p["amount"].eq(0), n.PRODUCT])),
        ("one-off spikes normalised (see the spikes table)",
         _names(p.loc[p["spike_action"] == "normalised", n.PRODUCT])),
        ("one-off spikes kept (spikes policy or override)", _names(p.loc[kept, n.PRODUCT])),
        ("seasonal peaks kept (see the spikes table)",
         _names(p.loc[p["seasonal_months"] != "", n.PRODUCT])),
        ("products launched inside the window (history annualised)",
         _names(p.loc[p["launched"], n.PRODUCT])),
        ("segments whose customer base is not from the customers table",
         _names(segments.loc[segments["base_source"] != "customers table", n.SEGMENT])),
        ("amount in product x segment cells with no units (ticket undefined)",
         float(quality["amount_without_units"])),
    ]
    rows += [(k, v) for k, v in optional if v not in ("", 0, 0.0)]
    frames = [dataset.report.to_frame(), pd.DataFrame(rows, columns=["item", "value"])]
    both = pd.concat([f.astype({"value": object}) for f in frames if not f.empty])
    return both.reset_index(drop=True)
