"""Empirical baselines a planner reads off last year's history.

:func:`compute_baselines` runs the statements of :mod:`planner.baselines.sql` on an
engine (:mod:`planner.engine`: in-process DuckDB by default, or Spark) and returns a
:class:`~planner.baselines.result.Baselines` of plain DataFrames. Sales can be a
DataFrame, a Parquet path the engine scans without pandas, or the Spark relation of a
history loaded on Spark (:mod:`planner.history.lake`).

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
from datetime import date
from typing import Any, TypeAlias

import pandas as pd

from planner import names as n
from planner.baselines import sql
from planner.baselines.buyers import count_buyers
from planner.baselines.inputs import copy_seats_and_days, register_sales, register_tables
from planner.baselines.productivity import split_productivity
from planner.baselines.repeatable import steady, steady_value
from planner.baselines.report import baselines_report
from planner.baselines.result import TABLES, Baselines
from planner.baselines.spikes import DEFAULT_POLICY, THRESHOLDS, normal_year
from planner.baselines.window import trailing_window
from planner.calendar import day_table
from planner.engine.base import Engine
from planner.engine.open import open_engine
from planner.engine.settings import EngineSettings
from planner.errors import InputError, LaunchWarning, Problem, SpikeWarning
from planner.history.dataset import Dataset
from planner.scenario.schema import default

__all__ = ["TABLES", "Baselines", "SalesSource", "compute_baselines",
           "trailing_window"]

SalesSource: TypeAlias = pd.DataFrame | str | os.PathLike[str]

#: Temp tables built from ``sales`` and the small tables, in order (``ids`` after
#: ``customer_sales``: :func:`planner.baselines.buyers.count_buyers`).
SCANS = ("history_months", "seat_week_sales", "customer_sales")
SCANS_AFTER_IDS = ("ticket_quantiles", "facts")
#: Temp tables built from the scans' results, in order (``history_ids`` goes first).
BUILDS = ("product_list", "seat_weeks", "cells", "product_months", "segments")
#: The result tables and their statements (productivity by grade and team apart).
RESULTS = (("products", "products"), ("product_months", "product_months_table"),
           ("history", "product_history"), ("segments", "segments_table"),
           ("product_segments", "product_segments"))
TAIL = (("seats", "seats_table"), ("teams", "teams_table"),
        ("team_products", "team_products_table"))


def compute_baselines(
    dataset: Dataset,
    *,
    window_end: date | None = None,
    trailing_months: int = default("data", "trailing_months"),
    ramp_months: int = default("allocation", "ramp_months"),
    country: str = "CN",
    sales: SalesSource | None = None,
    spikes: str = DEFAULT_POLICY,
    spike_overrides: Mapping[str, str] | None = None,
    engine: EngineSettings | None = None,
) -> Baselines:
    """Compute last year's baselines from a dataset.

    Parameters
    ----------
    dataset : Dataset
        Validated history. ``dataset.sales`` is used unless ``sales`` is given (or the
        history was loaded on Spark: then its Spark relation, ``dataset.lake``).
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
        glob that the engine scans directly (canonical column names; absent optional
        columns default as in :func:`planner.baselines.sql.sales_view`).
    spikes : str
        ``"normalise"`` (default) or ``"keep"``: what becomes of a one-off spike
        (:mod:`planner.baselines.spikes`); seasonal peaks are always kept.
    spike_overrides : mapping, optional
        Product -> ``"normalise"`` or ``"keep"``, over ``spikes``.
    engine : EngineSettings, optional
        Where the SQL runs (default: DuckDB; Spark when the history was loaded on Spark).

    Returns
    -------
    Baselines

    Raises
    ------
    InputError
        No sales at all, none in the window, or a Parquet source lacks a required column.
    CalendarError
        Unknown country.
    EngineError
        When Spark is asked for and cannot start.

    Warns
    -----
    SpikeWarning
        For each one-off spike normalised (product, months, factor, amount removed).
    LaunchWarning
        When products launched inside the window had their history annualised.
    """
    lake = getattr(dataset, "lake", None)
    if sales is None and lake is not None:
        sales, engine = lake.frame, lake.settings
    eng = (lake.open_engine() if lake is not None and sales is lake.frame
           else open_engine(engine or EngineSettings()))
    try:
        label = register_sales(eng, dataset.sales if sales is None else sales)
        register_tables(eng, dataset)
        first, last, total_rows = eng.query(sql.statement("bounds")).iloc[0]
        if not total_rows or pd.isna(first):
            raise InputError([Problem(label, None, None, None,
                                      "has no sales rows: baselines need last year's sales")])
        ws, we = trailing_window(last, window_end, trailing_months)
        history_from = pd.Timestamp(first).to_period("M").start_time  # whole months
        days = day_table(min(ws, history_from).date(), we.date(), country)
        settings = _settings(ws, we, trailing_months, ramp_months, country, spikes,
                             spike_overrides)
        params: dict[str, Any] = {
            "ws": ws.date(), "we": we.date(), "ramp": ramp_months,
            "unknown": sql.UNKNOWN_TEAM, "all": sql.ALL_PRODUCTS}
        copy_seats_and_days(eng, days, params)
        for name in SCANS:
            eng.run(sql.statement(name), params)
        count_buyers(eng, params)
        for name in SCANS_AFTER_IDS:
            eng.run(sql.statement(name), params)
        totals = eng.query(sql.statement("totals"), params).iloc[0]
        if totals["n_rows"] == 0:
            raise InputError([Problem(
                label, None, n.DATE, None,
                f"has no sales in the window {settings['window']} (sales run from "
                f"{pd.Timestamp(first):%Y-%m-%d} to {pd.Timestamp(last):%Y-%m-%d}): pass "
                "--window-end with a date in that range")])
        frames = _tables(eng, params)
        quality = _quality(eng, params)
    finally:
        eng.close()
    year = normal_year(frames.pop("product_months"), frames.pop("products"),
                       frames.pop("history"), days, window_start=ws,
                       window_months=len(pd.period_range(ws, we, freq="M")), policy=spikes,
                       overrides=spike_overrides)
    for kind, text in year.warnings:
        warnings.warn(text, SpikeWarning if kind == "spike" else LaunchWarning, stacklevel=2)
    report = baselines_report(dataset, settings, totals, quality, year, frames["segments"])
    frames = {name: steady(frame) for name, frame in frames.items()}
    return Baselines(window_start=ws, window_end=we, total_amount=steady_value(totals["amount"]),
                     total_units=steady_value(totals["units"]),
                     products=steady(year.products.drop(columns=["undeclared"])),
                     product_months=steady(year.months.drop(columns=["first_day"])),
                     report=report, settings=settings, spikes=steady(year.spikes),
                     warnings=year.warnings, **frames)


def _settings(ws: pd.Timestamp, we: pd.Timestamp, trailing_months: int, ramp_months: int,
              country: str, spikes: str,
              spike_overrides: Mapping[str, str] | None) -> dict[str, Any]:
    """Return the settings table's items: the window, the options and the thresholds."""
    return {
        "window": f"{ws:%Y-%m-%d}..{we:%Y-%m-%d}", "window_start": f"{ws:%Y-%m-%d}",
        "window_end": f"{we:%Y-%m-%d}", "trailing_months": trailing_months,
        "ramp_months": ramp_months, "country": country, "spikes": spikes,
        "spike_overrides": ", ".join(f"{k} = {v}" for k, v in
                                     sorted((spike_overrides or {}).items())),
        **THRESHOLDS}


def _tables(eng: Engine, params: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Build the temp tables after the scans and return every result table."""
    need_ids = bool(eng.query(sql.statement("segments_without_base")).iloc[0, 0])
    eng.run(sql.statement("history_ids" if need_ids else "empty_history_ids"))
    for name in BUILDS:
        eng.run(sql.statement(name), params)
    frames = {name: eng.query(sql.statement(stmt), params) for name, stmt in RESULTS}
    frames |= split_productivity(eng.query(sql.statement("seat_week_productivity"), params))
    frames |= {name: eng.query(sql.statement(stmt), params) for name, stmt in TAIL}
    return frames


def _quality(eng: Engine, params: dict[str, Any]) -> dict[str, Any]:
    """Return the data-quality counts and the seats they name."""
    quality: dict[str, Any] = dict(eng.query(sql.statement("quality"), params).iloc[0])
    for name in ("unknown_seats", "seats_without_sales"):
        quality[name] = eng.query(sql.statement(name), params)[n.SEAT].tolist()
    return quality
