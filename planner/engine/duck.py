"""The DuckDB engine: embedded, in memory, the default.

A history loaded on DuckDB (:mod:`planner.history.lake_duck`) keeps its canonical sales
rows in the connection it was loaded on, as :class:`DuckTable`; the baselines then run
on a cursor of that connection (:meth:`DuckTable.open_engine`), whose temp tables and
views are its own, so several computations may share one history.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from planner.baselines import sql
from planner.engine.base import used


@dataclass(frozen=True, eq=False)
class DuckTable:
    """A relation of a DuckDB connection: the canonical sales of a history loaded there.

    Attributes
    ----------
    con : duckdb.DuckDBPyConnection
        The connection that holds it (open while the history is in use).
    name : str
        The relation's name in the connection's main schema.
    """

    con: duckdb.DuckDBPyConnection
    name: str

    def open_engine(self) -> DuckEngine:
        """Return an engine on a cursor of :attr:`con` (close it when done)."""
        return DuckEngine(self.con.cursor())


class DuckEngine:
    """Run the baselines' statements on an in-memory DuckDB connection.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection, optional
        A cursor of the connection holding a loaded history (:class:`DuckTable`); its
        views are made temporary so that they stay its own. Default: a new database.
    """

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection | None = None) -> None:
        self.shared = con is not None
        self.con = con if con is not None else duckdb.connect(":memory:")
        self.con.execute("SET preserve_insertion_order = false")
        quiet(self.con)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make a pandas frame the relation ``name`` (no copy)."""
        self.con.register(name, frame)

    def sales_source(self, sales: object) -> tuple[str, str]:
        """Return ``(FROM item, label)``: a registered frame, a loaded history or a Parquet scan."""
        if isinstance(sales, DuckTable):
            return sales.name, "sales"
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
        if self.shared and statement.lstrip().upper().startswith("CREATE VIEW "):
            statement = "CREATE OR REPLACE TEMP VIEW " + statement.lstrip()[len("CREATE VIEW "):]
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
