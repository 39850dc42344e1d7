"""What the loader of :mod:`planner.history.lake` asks of the engine it loads on.

The loader writes its statements once, in Spark's dialect (:mod:`planner.history.lake_sql`);
a :class:`Backend` runs them: :class:`planner.history.lake_spark.SparkBackend` on Spark,
:class:`planner.history.lake_duck.DuckBackend` on DuckDB (through
:func:`planner.engine.dialect.to_duckdb`). The raw sales rows are the relation
``lake_raw``.
"""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd


class GiveWay(Exception):  # noqa: N818 - not an error: the pandas loader takes over
    """The rows need the pandas loader: a problem to report with its row numbers.

    Raised by the loader on an engine that does not word problems itself
    (:attr:`Backend.reports` false, DuckDB): the pandas loader then loads the files again
    and reports every problem as it words them, or loads them.
    """


class Backend(Protocol):
    """An engine the history's sales rows are loaded on.

    Attributes
    ----------
    reports : bool
        True when problems are reported from the engine's aggregates (Spark: no row
        numbers); False when any problem gives way to the pandas loader
        (:class:`GiveWay`).
    """

    reports: bool

    def rows(self, statement: str) -> list[tuple[Any, ...]]:
        """Run a (small) query; return its rows."""

    def frame(self, statement: str) -> pd.DataFrame:
        """Run a (small) query; return it as pandas with DuckDB's result types."""

    def view(self, name: str, statement: str) -> None:
        """Name a query (replacing an earlier one of that name)."""

    def keep_raw(self, name: str, statement: str) -> None:
        """Name the filtered raw rows, which the cell checks scan (the engine may keep them)."""

    def keep_sales(self, name: str, statement: str) -> None:
        """Name the canonical columns, which the table checks scan (the engine may keep them)."""

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make a small pandas table the relation ``name``."""

    def columns(self, name: str) -> list[str]:
        """Return the column names of a relation."""

    def kinds(self, name: str) -> dict[str, str]:
        """Return each column's kind (:data:`planner.history.lake_sql.STRING`, ...)."""

    def canonical(self, statement: str) -> Any:
        """Keep the canonical sales rows for the baselines; return what ``Lake.frame`` holds."""

    def release(self) -> None:
        """Drop the rows kept while loading (the canonical rows stay)."""


__all__ = ["Backend", "GiveWay"]
