"""The Spark engine: the same statements on a Spark session (local or a cluster).

The session is made once per process (``SparkSession.builder.getOrCreate``, so under
``spark-submit`` the submitted session is used) with
:data:`~planner.engine.settings.SPARK_DEFAULTS` and the scenario's ``spark_conf``. Each
``CREATE TEMP TABLE`` is computed once and kept by the executors (memory, then disk), as
DuckDB keeps its temp tables; the ``sales`` view is kept too the first time it is read,
as several statements scan it. Small pandas tables (seats, products, customers, days)
are shipped to the session; only query results, all aggregates, come back.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlglot import expressions as exp

from planner.engine import dialect
from planner.engine.settings import EngineSettings
from planner.errors import EngineError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkFrame
    from pyspark.sql import SparkSession

NO_PYSPARK = ("engine 'spark' needs pyspark, which is not installed; install it with "
              "pip install -e \".[spark]\" (or use engine = \"duckdb\")")
NO_JAVA = ("engine 'spark' needs Java 17 or later, and no java was found; install a JDK "
           "(apt-get install default-jdk-headless) or set JAVA_HOME")
NO_SESSION = ("engine 'spark' could not start a Spark session on master {master!r} "
              "({reason}); check [data] spark_master and that the cluster can be reached")


def java_available() -> bool:
    """True when a ``java`` executable is on PATH or under ``JAVA_HOME``."""
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return True
    return shutil.which("java") is not None


def session(settings: EngineSettings) -> SparkSession:
    """Return the process's Spark session, made on first use.

    Raises
    ------
    EngineError
        When pyspark or Java is missing, or the session cannot start.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineError(NO_PYSPARK) from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if not java_available():
        raise EngineError(NO_JAVA)
    builder = SparkSession.builder.master(settings.spark_master).appName("planner")
    for key, value in settings.spark_settings().items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - py4j and Spark raise many kinds
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineError(NO_SESSION.format(master=settings.spark_master,
                                            reason=reason)) from exc
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkEngine:
    """Run the baselines' statements on Spark (see the module docstring)."""

    name = "spark"

    def __init__(self, settings: EngineSettings) -> None:
        self.spark = session(settings)
        self.views: list[str] = []
        self.cached: list[SparkFrame] = []

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Ship a small pandas table to the session as the view ``name``."""
        self._view(name, to_spark_frame(self.spark, frame))

    def sales_source(self, sales: object) -> tuple[str, str]:
        """Return ``(view, label)`` for a pandas frame, a Parquet path or a Spark frame."""
        from pyspark.sql import DataFrame as SparkFrame

        if isinstance(sales, SparkFrame):
            self._view("sales_src", sales)
            return "sales_src", "sales"
        if isinstance(sales, pd.DataFrame):
            self._view("sales_src", self._keep(self.spark.createDataFrame(arrow_ready(sales))))
            return "sales_src", "sales"
        path = os.fspath(sales)  # type: ignore[call-overload]
        self._view("sales_src", self.spark.read.parquet(path))
        return "sales_src", path

    def columns(self, source: str) -> list[str]:
        """Return the column names of the view ``source``."""
        return list(self.spark.table(source).columns)

    def run(self, statement: str, params: Mapping[str, Any] | None = None) -> None:
        """Execute a statement: temp tables are cached, views named, the rest run."""
        tree = dialect.portable(dialect.bind(dialect.parse(statement), params))
        if isinstance(tree, exp.Create):
            frame = self._keep(self.spark.sql(dialect.spark_sql(tree.expression)))
            if str(tree.args.get("kind", "")).upper() == "TABLE":
                frame.count()  # computed now, as DuckDB does
            self._view(tree.this.name, frame)
            return
        self.spark.sql(dialect.spark_sql(tree)).collect()

    def query(self, statement: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Execute a query and return its result with DuckDB's pandas types."""
        frame = self.spark.sql(dialect.to_spark(statement, params))
        return to_pandas(frame)

    def close(self) -> None:
        """Drop this run's views and cached tables (the session stays for the next run)."""
        for frame in self.cached:
            frame.unpersist()
        for name in self.views:
            self.spark.catalog.dropTempView(name)
        self.cached, self.views = [], []

    def _keep(self, frame: SparkFrame) -> SparkFrame:
        """Persist ``frame`` (memory, then disk) until :meth:`close`."""
        from pyspark import StorageLevel

        kept = frame.persist(StorageLevel.MEMORY_AND_DISK)
        self.cached.append(kept)
        return kept

    def _view(self, name: str, frame: SparkFrame) -> None:
        frame.createOrReplaceTempView(name)
        if name not in self.views:
            self.views.append(name)


def to_spark_frame(spark: SparkSession, frame: pd.DataFrame) -> SparkFrame:
    """Ship a pandas frame: datetimes as DATE, floats as DOUBLE (NaN as NULL), text.

    Dates in the frames planner ships are days (the history's dates are normalised).
    """
    from pyspark.sql import types as T

    fields, columns = [], {}
    for name in frame.columns:
        col = frame[name]
        kind = col.dtype
        if pd.api.types.is_datetime64_any_dtype(kind):
            spark_type: Any = T.DateType()
            values = [None if pd.isna(v) else v.date() for v in col]
        elif pd.api.types.is_bool_dtype(kind):
            spark_type, values = T.BooleanType(), [bool(v) for v in col]
        elif pd.api.types.is_integer_dtype(kind):
            spark_type, values = T.LongType(), [int(v) for v in col]
        elif pd.api.types.is_float_dtype(kind):
            spark_type = T.DoubleType()
            values = [None if pd.isna(v) else float(v) for v in col]
        else:
            spark_type = T.StringType()
            values = [None if _missing(v) else str(v) for v in col]
        fields.append(T.StructField(str(name), spark_type, True))
        columns[str(name)] = values
    rows = list(zip(*columns.values(), strict=True)) if columns else []
    return spark.createDataFrame(rows, T.StructType(fields))


def arrow_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with text as plain objects (None when missing) for Arrow."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if not (pd.api.types.is_numeric_dtype(col.dtype)
                or pd.api.types.is_datetime64_any_dtype(col.dtype)
                or pd.api.types.is_bool_dtype(col.dtype)):
            out[name] = pd.Series([None if _missing(v) else str(v) for v in col],
                                  index=col.index, dtype="object")
    return out


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def to_pandas(frame: SparkFrame) -> pd.DataFrame:
    """Collect a small Spark result as pandas with the types DuckDB's results have.

    Dates become ``datetime64[us]``, decimals and numbers ``float64`` (integers stay
    ``int64`` unless NULLs force ``float64``, as in DuckDB), text ``str``, arrays lists.
    """
    from pyspark.sql import types as T

    rows = frame.collect()
    out = {}
    for i, field in enumerate(frame.schema.fields):
        values = [row[i] for row in rows]
        kind = field.dataType
        if isinstance(kind, T.DateType | T.TimestampType | T.TimestampNTZType):
            out[field.name] = pd.Series(
                [pd.NaT if v is None else pd.Timestamp(v) for v in values],
                dtype="datetime64[us]")
        elif isinstance(kind, T.DecimalType | T.DoubleType | T.FloatType):
            out[field.name] = pd.Series([float("nan") if v is None else float(v)
                                         for v in values], dtype="float64")
        elif isinstance(kind, T.IntegralType):
            missing = any(v is None for v in values)
            out[field.name] = pd.Series([float("nan") if v is None else v for v in values],
                                        dtype="float64" if missing else "int64")
        elif isinstance(kind, T.BooleanType):
            out[field.name] = pd.Series(values, dtype="bool" if None not in values
                                        else "object")
        elif isinstance(kind, T.StringType):
            out[field.name] = pd.Series(values, dtype="str")
        else:
            out[field.name] = pd.Series(values, dtype="object")
    return pd.DataFrame(out, columns=[f.name for f in frame.schema.fields])

