"""Find and read a history's files with Spark: a local folder or a URI.

``[data] dir`` is a local folder or a URI Spark's file systems understand (``s3a://``,
``hdfs://``, ``file://``); each table's file is the mapping's ``file`` under it, or
``<table>.csv`` / ``.csv.gz`` / ``.parquet`` (a Parquet file or a folder of part
files). CSV is read as text (header row, comma separated, UTF-8; empty cells missing),
Parquet with its types. Excel workbooks are refused: Spark has no reader for them.
Column names lose their surrounding spaces, as in :mod:`planner.history.readers`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from planner.errors import InputError, Problem
from planner.history.mapping import TableMapping
from planner.history.readers import expected_names, suffix_of

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkFrame
    from pyspark.sql import SparkSession

#: Suffixes Spark reads.
SPARK_SUFFIXES = (".csv", ".csv.gz", ".parquet")
NO_EXCEL = ("is an Excel workbook, which Spark cannot read; save it as CSV or Parquet, or "
            "use engine = \"duckdb\"")


def join(location: str, name: str) -> str:
    """Return ``name`` under the folder ``location`` (a path or a URI)."""
    return f"{location.rstrip('/')}/{name}"


class Files:
    """The file system behind a data folder, through Spark's Hadoop configuration."""

    def __init__(self, spark: SparkSession, location: str) -> None:
        self.spark, self.location = spark, location
        jvm = spark.sparkContext._jvm  # noqa: SLF001 - Hadoop's FileSystem is only there
        assert jvm is not None
        self._path = jvm.org.apache.hadoop.fs.Path
        conf = spark.sparkContext._jsc.hadoopConfiguration()  # noqa: SLF001
        self.fs = self._path(location).getFileSystem(conf)

    def is_dir(self, location: str) -> bool:
        """True when ``location`` is a folder."""
        path = self._path(location)
        return bool(self.fs.exists(path) and self.fs.getFileStatus(path).isDirectory())

    def exists(self, location: str) -> bool:
        """True when ``location`` exists (file or folder)."""
        return bool(self.fs.exists(self._path(location)))

    def names(self, location: str) -> list[str]:
        """Return the names of the entries of the folder ``location``."""
        return sorted(str(s.getPath().getName()) for s in self.fs.listStatus(self._path(location)))


def locate(files: Files, tm: TableMapping, source: str) -> tuple[str, str] | None:
    """Return ``(label, location)`` of one table's file, or None for an absent optional one.

    Raises
    ------
    InputError
        When the sales file (or a file the mapping names) is missing, several files
        match, or the file is an Excel workbook.
    """
    folder = files.location
    if tm.derive is not None and tm.table == "seats":
        return None
    if tm.file is not None:
        location = join(folder, tm.file)
        if not files.exists(location):
            raise _problem(tm.file, f"not found in {folder} (named in [{tm.table}] file of "
                           f"{source}); check the file name or the folder")
        label = tm.file
    else:
        found = [name for name in files.names(folder)
                 if (s := suffix_of(name)) is not None and name[: -len(s)].lower() == tm.table]
        if len(found) > 1:
            raise InputError([Problem(folder, None, None, None,
                                      f"has several {tm.table} files ({' and '.join(found)}); "
                                      "keep only one of them")])
        if not found:
            if tm.table != "sales":
                return None
            raise InputError([Problem(folder, None, None, None,
                                      f"has no sales file; expected one of "
                                      f"{expected_names('sales')}, or a mapping naming it")])
        label, location = found[0], join(folder, found[0])
    if suffix_of(label) not in SPARK_SUFFIXES:
        raise _problem(label, NO_EXCEL if suffix_of(label) == ".xlsx" else
                       f"has an unsupported file type; use one of {', '.join(SPARK_SUFFIXES)}")
    return label, location


def read(spark: SparkSession, location: str, label: str) -> SparkFrame:
    """Read one CSV or Parquet file (or folder of Parquet parts) as a Spark frame.

    Raises
    ------
    InputError
        When Spark cannot read it, or its header repeats a name.
    """
    try:
        if suffix_of(label) == ".parquet":
            frame = spark.read.parquet(location)
        else:
            frame = (spark.read.option("header", "true").option("inferSchema", "false")
                     .option("mode", "PERMISSIVE").option("encoding", "UTF-8")
                     .csv(location))
        header = [c.strip() for c in frame.columns]
    except Exception as exc:  # noqa: BLE001 - Spark raises many kinds for a bad file
        kind = "Parquet" if suffix_of(label) == ".parquet" else "CSV"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _problem(label, f"cannot be read as {kind} ({reason}); save it again as "
                       f"{', '.join(SPARK_SUFFIXES)} and retry") from exc
    repeated = sorted({c for c in header if header.count(c) > 1}, key=header.index)
    if repeated:
        raise InputError([Problem(label, None, name, None,
                                  f"appears {header.count(name)} times in the header; keep "
                                  "one of them, or rename the others") for name in repeated])
    return frame.toDF(*header)


def collect_small(frame: SparkFrame) -> pd.DataFrame:
    """Collect a small table (seats, products, customers) as the pandas loader reads it.

    Text stays text (missing as None); Parquet's numbers and dates keep their types.
    """
    from pyspark.sql import types as T

    rows = frame.collect()
    out = {}
    for i, field in enumerate(frame.schema.fields):
        values = [row[i] for row in rows]
        if isinstance(field.dataType, T.StringType):
            out[field.name] = pd.Series(values, dtype="object")
        elif isinstance(field.dataType, T.DateType | T.TimestampType | T.TimestampNTZType):
            out[field.name] = pd.to_datetime(pd.Series(values, dtype="object"))
        elif isinstance(field.dataType, T.NumericType):
            out[field.name] = pd.Series([None if v is None else float(v) for v in values],
                                        dtype="float64")
        else:
            out[field.name] = pd.Series(values, dtype="object")
    return pd.DataFrame(out, columns=frame.columns, index=pd.RangeIndex(len(rows)))


def _problem(label: str, message: str) -> InputError:
    return InputError([Problem(label, None, None, None, message)])


__all__ = ["SPARK_SUFFIXES", "Files", "collect_small", "join", "locate", "read"]
