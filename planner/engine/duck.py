"""The DuckDB engine: embedded, in memory, the default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import duckdb
import pandas as pd

from planner.baselines import sql
from planner.engine.base import used


class DuckEngine:
    """Run the baselines' statements on an in-memory DuckDB connection."""

    name = "duckdb"

    def __init__(self) -> None:
        self.con = duckdb.connect(":memory:")
        self.con.execute("SET preserve_insertion_order = false")
        quiet(self.con)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make a pandas frame the relation ``name`` (no copy)."""
        self.con.register(name, frame)

    def sales_source(self, sales: object) -> tuple[str, str]:
        """Return ``(FROM item, label)``: a registered frame or a Parquet scan."""
        if isinstance(sales, pd.DataFrame):
            self.register("sales_src", sales)
            return "sales_src", "sales"
        path = os.fspath(sales)  # type: ignore[call-overload]
        return sql.parquet_source(path), path

    def columns(self, source: str) -> list[str]:
        """Return the column names of ``source``."""
        return self.con.execute(sql.describe(source)).df()["column_name"].tolist()

    def run(self, statement: str, params: Mapping[str, Any] | None = None) -> None:
        """Execute ``statement`` with only the parameters it names."""
        self.con.execute(statement, used(statement, params))

    def query(self, statement: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Execute ``statement`` and fetch its result."""
        self.run(statement, params)
        return self.con.fetchdf()

    def close(self) -> None:
        """Close the connection (its temp tables go with it)."""
        self.con.close()


def quiet(con: duckdb.DuckDBPyConnection) -> None:
    """Keep DuckDB's progress bar off the terminal (a long query would draw one).

    Under Jupyter DuckDB refuses to change the setting without ipywidgets; there it
    draws no terminal bar anyway, so the refusal is ignored.
    """
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.InvalidInputException:
        pass
