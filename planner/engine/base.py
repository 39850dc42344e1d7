"""What an engine does for the baselines: hold relations, run statements, return frames."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pandas as pd


class Engine(Protocol):
    """An SQL engine the baselines run on (:mod:`planner.engine.duck`, :mod:`planner.engine.spark`).

    Statements are in DuckDB's dialect with ``$name`` parameters
    (:mod:`planner.baselines.sql`); ``CREATE TEMP TABLE x AS ...`` materialises ``x``
    for the statements after it and ``CREATE VIEW x AS ...`` names a query.
    """

    name: str

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make a small pandas table the relation ``name``."""

    def sales_source(self, sales: object) -> tuple[str, str]:
        """Return ``(FROM item, label)`` for a sales source this engine reads.

        A pandas DataFrame, a Parquet path (or glob) and, on Spark, a Spark DataFrame.
        """

    def columns(self, source: str) -> list[str]:
        """Return the column names of a FROM item."""

    def run(self, statement: str, params: Mapping[str, Any] | None = None) -> None:
        """Execute a statement, binding the ``$name`` parameters it uses."""

    def query(self, statement: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Execute a query and return its (small) result."""

    def close(self) -> None:
        """Drop what the engine holds for this run."""


def used(statement: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the parameters ``statement`` names (``$name``), longest names first.

    Examples
    --------
    >>> used("SELECT $ws, $we", {"ws": 1, "we": 2, "ramp": 3})
    {'ws': 1, 'we': 2}
    """
    found = {k: v for k, v in (params or {}).items() if f"${k}" in statement}
    return dict(sorted(found.items(), key=lambda kv: -len(kv[0])))
