"""Load a history on DuckDB: the sales file scanned, mapped and checked in SQL.

The default loader of ``planner plan`` (``[data] engine = "duckdb"``, a local folder).
:func:`load_duck` runs the statements of :mod:`planner.history.lake` on DuckDB
(:class:`DuckBackend`, through :func:`planner.engine.dialect.to_duckdb`), so the sales
rows never become a pandas frame: the returned :class:`~planner.history.dataset.Dataset`
is the one :func:`planner.history.load.load_dataset` returns for the same files, except
that its ``lake`` holds the canonical rows (a :class:`~planner.engine.duck.DuckTable`
of the connection they were loaded on, which
:func:`planner.baselines.compute.compute_baselines` scans) and its ``sales`` is the small
monthly aggregate described in the Dataset's docstring.

When each loader runs:

- the SQL path, for a sales file ``.csv``, ``.csv.gz`` (UTF-8, comma separated, a
  header of distinct names) or ``.parquet`` (one file) without ``date_format``, whose
  every check passes. A Parquet file is scanned where it lies (the canonical relation is
  a view over it); a CSV file is read once into the connection and the canonical rows
  are kept as a table. The seats, products and customers files are read by pandas
  (:func:`planner.history.readers.read_table`), as small as they are;
- the pandas loader (:func:`~planner.history.load.load_dataset`) for everything else:
  Excel files, other encodings, a file DuckDB cannot read as pandas does, a date format,
  a text column stored as numbers or dates in Parquet, and as soon as any problem or
  stray date is found (:class:`~planner.history.lake_backend.GiveWay`): its messages,
  with row numbers, are the ones reported, and it decides whether the files load.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from planner.engine.dialect import to_duckdb
from planner.engine.duck import DuckTable, quiet
from planner.engine.settings import EngineSettings
from planner.errors import InputError, MappingError
from planner.history import lake_sql as q
from planner.history import load as pl
from planner.history.dataset import Dataset, LoadReport
from planner.history.dates import PlanDates
from planner.history.lake import load_rows
from planner.history.lake_backend import GiveWay
from planner.history.mapping import DatasetMapping, TableMapping, resolve_mapping
from planner.history.readers import check_regular_file, find_table_file, read_table, suffix_of
from planner.scenario.schema import default

#: Sales files the SQL path reads.
SQL_SUFFIXES = (".csv", ".csv.gz", ".parquet")
#: DuckDB column types and their kinds for :mod:`planner.history.lake_sql`.
INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT")
KINDS = {"VARCHAR": q.STRING, **dict.fromkeys(INTEGERS, q.INTEGER), "FLOAT": q.FLOAT,
         "DOUBLE": q.FLOAT, "DATE": q.DATE, "TIMESTAMP": q.DATE, "TIMESTAMP_S": q.DATE,
         "TIMESTAMP_MS": q.DATE, "TIMESTAMP_NS": q.DATE}
#: The relation that holds the canonical rows (and, from a CSV file, the raw rows).
CANONICAL, RAW_ROWS = "lake_canonical", "lake_rows"


class DuckBackend:
    """Run the loader's Spark SQL on a DuckDB connection (see the module docstring).

    Problems are not worded here: the pandas loader reports them (:attr:`reports`).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection (its main schema holds the relations, for the baselines' cursor).
    table : bool
        Keep the canonical columns as a table (computed once), else a view (computed
        by every statement that reads them, from the file or the raw rows).
    """

    reports = False

    def __init__(self, con: duckdb.DuckDBPyConnection, table: bool = True) -> None:
        self.con, self.table = con, table

    def rows(self, statement: str) -> list[tuple[Any, ...]]:
        """Run a query; fetch its rows."""
        return self.con.execute(to_duckdb(statement)).fetchall()

    def frame(self, statement: str) -> pd.DataFrame:
        """Run a query; fetch it as pandas."""
        return self.con.execute(to_duckdb(statement)).df()

    def view(self, name: str, statement: str) -> None:
        """Name a query as a view."""
        self.con.execute(f"CREATE OR REPLACE VIEW {_ident(name)} AS {to_duckdb(statement)}")

    def keep_raw(self, name: str, statement: str) -> None:
        """Name the filtered raw rows (a table or a Parquet file: scanned once by the checks)."""
        self.view(name, statement)

    def keep_sales(self, name: str, statement: str) -> None:
        """Name the canonical columns: a table (see :attr:`table`) or a view."""
        kind = "TABLE" if self.table else "VIEW"
        self.con.execute(f"CREATE OR REPLACE {kind} {_ident(name)} AS {to_duckdb(statement)}")

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Copy a small pandas table into the connection as the table ``name``."""
        self.con.register("lake_frame", frame)
        try:
            self.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM lake_frame')
        finally:
            self.con.unregister("lake_frame")

    def columns(self, name: str) -> list[str]:
        """Return the columns of a relation."""
        return [row[0] for row in self._describe(name)]

    def kinds(self, name: str) -> dict[str, str]:
        """Return each column's kind (:data:`KINDS`; others are ``other``)."""
        return {row[0]: KINDS.get(str(row[1]), q.OTHER) for row in self._describe(name)}

    def canonical(self, statement: str) -> DuckTable:
        """Name the canonical rows (a view over the kept columns); return them as a DuckTable."""
        self.con.execute(f"CREATE OR REPLACE VIEW {CANONICAL} AS {to_duckdb(statement)}")
        return DuckTable(self.con, CANONICAL)

    def release(self) -> None:
        """Drop the raw rows read from a CSV file once the canonical columns are a table."""
        if self.table:
            self.con.execute(f"DROP TABLE IF EXISTS {RAW_ROWS}")

    def _describe(self, name: str) -> list[tuple[Any, ...]]:
        return self.con.execute(f'DESCRIBE SELECT * FROM "{name}"').fetchall()


def load_duck(data_dir: Path | str, mapping: DatasetMapping | Path | str | None = None, *,
              plan_start: date | None = None, window_end: date | None = None,
              trailing_months: int = default("data", "trailing_months"),
              settings: EngineSettings | None = None) -> Dataset:
    """Load, clean and validate a history on DuckDB, or with pandas (see the module).

    Parameters are those of :func:`planner.history.load.load_dataset`, plus the engine
    ``settings`` kept with the history (default: DuckDB's).

    Returns
    -------
    Dataset
        With ``lake`` set when the SQL path loaded it.

    Raises
    ------
    InputError
        Listing every problem found in the files (by the pandas loader).
    MappingError
        When the mapping is invalid or names columns in a way that cannot work.
    """
    try:
        return _load(Path(data_dir), resolve_mapping(mapping),
                     PlanDates(plan_start, window_end, trailing_months),
                     settings or EngineSettings())
    except (GiveWay, InputError, MappingError, duckdb.Error):
        return pl.load_dataset(data_dir, mapping, plan_start=plan_start, window_end=window_end,
                               trailing_months=trailing_months)


def sales_file(data_dir: Path, tm: TableMapping) -> Path:
    """Return the sales file the SQL path reads.

    Raises
    ------
    GiveWay
        When there is none (or several) or it is not a file the SQL path reads.
    """
    if not data_dir.is_dir():
        raise GiveWay("not a folder")
    try:
        path = data_dir / tm.file if tm.file is not None else find_table_file(data_dir, "sales")
        if path is None:
            raise GiveWay("no sales file")
        check_regular_file(path, path.name)
    except InputError as exc:
        raise GiveWay("the sales file cannot be read") from exc
    if suffix_of(path) not in SQL_SUFFIXES:
        raise GiveWay(f"{path.name} is not {', '.join(SQL_SUFFIXES)}")
    return path


def _load(data_dir: Path, dm: DatasetMapping, when: PlanDates,
          settings: EngineSettings) -> Dataset:
    """The SQL path; raises :class:`GiveWay` (or an error) for the pandas loader."""
    if dm["sales"].options.date_format is not None:
        raise GiveWay("date_format: DuckDB parses dates by other rules than pandas")
    path = sales_file(data_dir, dm["sales"])
    con = duckdb.connect(":memory:")
    con.execute("SET preserve_insertion_order = false")
    quiet(con)
    csv = suffix_of(path) != ".parquet"
    _raw(con, path, csv)
    report = LoadReport()
    raws: dict[str, tuple[str, pd.DataFrame]] = {}
    for table in ("seats", "products", "customers"):
        found = read_table(data_dir, dm[table], dm.source)  # InputError: the pandas loader
        if found is not None:
            raws[table] = found
            report.rows_read[table] = len(found[1])
            if found[1].attrs.get("encoding"):
                raise GiveWay("a file is not UTF-8 (noted by the pandas loader)")
    tables = {table: pl._build(raw, dm[table], label, when, report, dm.source)
              for table, (label, raw) in raws.items()}
    label = dm["sales"].file or path.name
    backend = DuckBackend(con, table=csv)
    return load_rows(backend, tables, [], dm, label, report, when, settings, str(data_dir))


def _raw(con: duckdb.DuckDBPyConnection, path: Path, csv: bool) -> None:
    """Create ``lake_raw``: the file's columns (names stripped) as the pandas reader has them.

    Raises
    ------
    GiveWay
        When the header repeats a name, has an empty name, or holds a pandas index.
    """
    where = _text(str(path))
    if csv:
        try:
            header = pd.read_csv(path, header=None, nrows=1, dtype=str, index_col=False,
                                 encoding="utf-8-sig", keep_default_na=False).iloc[0].tolist()
        except (UnicodeError, ValueError, OSError) as exc:  # the pandas reader words it
            raise GiveWay("the header cannot be read as UTF-8 CSV") from exc
        found = [str(c) for c in header]
    else:
        found = [row[0] for row in con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({where})").fetchall()]
    stripped = [c.strip() for c in found]
    if len(set(stripped)) < len(stripped) or "" in stripped \
            or any(c.startswith("__index_level_") for c in stripped):
        raise GiveWay("the header needs the pandas reader's words")
    if csv:
        columns = ", ".join(f"{_text(c)}: 'VARCHAR'" for c in stripped)
        con.execute(f"CREATE TABLE {RAW_ROWS} AS SELECT * FROM read_csv({where}, header = true, "
                    "delim = ',', quote = '\"', escape = '\"', auto_detect = false, "
                    f"columns = {{{columns}}}, strict_mode = true, null_padding = false, "
                    "encoding = 'utf-8')")
        con.execute(f"CREATE VIEW lake_raw AS SELECT * FROM {RAW_ROWS}")
        return
    items = ", ".join(f"{_ident(c)} AS {_ident(s)}" for c, s in zip(found, stripped,
                                                                     strict=True))
    con.execute(f"CREATE VIEW lake_raw AS SELECT {items} FROM read_parquet({where})")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


__all__ = ["DuckBackend", "load_duck", "sales_file"]

