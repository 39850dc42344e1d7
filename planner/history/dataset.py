"""The tidy, validated history that every later step reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner import names


@dataclass
class LoadReport:
    """What loading did to the user's rows, for the data-quality report.

    Attributes
    ----------
    rows_read : dict of str to int
        Rows read per table name.
    counts : dict of str to int
        Named counts such as ``returns_netted``, ``duplicates_dropped``,
        ``excluded_rows``, ``zero_amount_rows``, ``missing_customer_id``.
    notes : list of str
        Human-readable notes (one line each).
    warnings : list of str
        What loaded but needs a look (a history shorter than the trailing window, stray
        dates), one line each; also emitted as :class:`~planner.errors.DataWarning`.
    """

    rows_read: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, name: str, n: int) -> None:
        """Add ``n`` to the named count."""
        self.counts[name] = self.counts.get(name, 0) + int(n)

    def to_frame(self) -> pd.DataFrame:
        """Return the report as a two-column frame (``item``, ``value``)."""
        rows: list[tuple[str, object]] = [(f"rows read: {k}", v)
                                          for k, v in self.rows_read.items()]
        rows += list(self.counts.items())
        rows += [("note", n) for n in self.notes]
        rows += [("warning", w) for w in self.warnings]
        return pd.DataFrame(rows, columns=["item", "value"])


@dataclass
class Dataset:
    """Validated history in canonical columns (see :mod:`planner.names`).

    Attributes
    ----------
    sales : DataFrame
        ``date`` (datetime64, day), ``seat``, ``team`` (filled from seats), ``product``,
        ``segment``, ``amount`` (float), ``units`` (float), ``customer_id`` (string,
        may be missing), ``margin`` (float, may be missing). Returns are already
        netted when the mapping allowed them (negative rows kept as negative amounts).
        For a history loaded on an engine (``lake`` set: Spark, or DuckDB by
        ``planner plan``) it is a small aggregate computed on the engine instead of the
        rows: one row per month x team x product (sales on or before the window end when
        it was given), ``date`` the group's first sale date in the month, ``amount``,
        ``units`` and ``margin`` summed, ``seat``, ``segment`` and ``customer_id``
        missing. Monthly totals per team or product read from it equal those of the
        rows (to the last bits of the sums).
    seats : DataFrame
        ``seat``, ``team``, ``grade``, ``start_date``, ``end_date`` (NaT while active).
    products : DataFrame
        ``product``, ``ticket_mode`` (fixed/variable), ``fixed_ticket`` (NaN for
        variable), ``margin_tier`` (high/standard/low), ``sell_from_month``,
        ``sell_to_month`` (1..12; NaN means all year), ``name`` (display name; the
        code when none is given; added when absent).
    customers : DataFrame or None
        ``month`` (first day of month), ``segment``, ``stock``, ``new``,
        ``attrition``, ``aum`` (NaN when unknown).
    report : LoadReport
        What loading did.
    source : str
        Where the data came from (directory or description).
    teams : DataFrame
        ``team``, ``name`` (display name; the code when none is given), one row per
        team of ``seats``, sorted; built from ``seats`` when not given.
    lake : planner.history.lake.Lake or None
        For a history loaded on an engine (:func:`planner.history.lake.load_lake`,
        :func:`planner.history.lake_duck.load_duck`): the canonical sales rows (a Spark
        relation, or a :class:`~planner.engine.duck.DuckTable`: ``.frame``) and the
        engine settings (``.settings``), which
        :func:`planner.baselines.compute.compute_baselines` scans; None for a history
        loaded with pandas.
    """

    sales: pd.DataFrame
    seats: pd.DataFrame
    products: pd.DataFrame
    customers: pd.DataFrame | None = None
    report: LoadReport = field(default_factory=LoadReport)
    source: str = ""
    teams: pd.DataFrame = field(default=None)  # type: ignore[assignment]
    lake: Any = None

    def __post_init__(self) -> None:
        """Give every product and team a display name (default: the code)."""
        if names.NAME not in self.products:
            self.products = self.products.assign(
                **{names.NAME: self.products[names.PRODUCT].astype("str")})
        if self.teams is None:
            teams = sorted(self.seats[names.TEAM].dropna().astype("str").unique())
            self.teams = pd.DataFrame({names.TEAM: pd.Series(teams, dtype="str"),
                                       names.NAME: pd.Series(teams, dtype="str")})
