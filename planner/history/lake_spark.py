"""The loader's statements on Spark (:class:`planner.history.lake_backend.Backend`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.engine.spark import to_pandas, to_spark_frame
from planner.history import lake_sql as q

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkFrame
    from pyspark.sql import SparkSession


class SparkBackend:
    """Run the loader's Spark SQL on a session; kept relations are persisted.

    Problems are reported from the aggregates (:attr:`reports`), without row numbers.
    """

    reports = True

    def __init__(self, spark: SparkSession, raw: SparkFrame) -> None:
        self.spark = spark
        self.kept: list[SparkFrame] = []
        raw.createOrReplaceTempView("lake_raw")

    def rows(self, statement: str) -> list[tuple[Any, ...]]:
        """Run a query; collect its rows."""
        return [tuple(row) for row in self.spark.sql(statement).collect()]

    def frame(self, statement: str) -> pd.DataFrame:
        """Run a query; collect it as pandas."""
        return to_pandas(self.spark.sql(statement))

    def view(self, name: str, statement: str) -> None:
        """Name a query as a temp view."""
        self.spark.sql(statement).createOrReplaceTempView(name)

    def keep_raw(self, name: str, statement: str) -> None:
        """Persist the filtered raw rows (memory, then disk) under ``name``."""
        self.kept.append(self._persisted(name, statement))

    def keep_sales(self, name: str, statement: str) -> None:
        """Name the canonical columns: a view over the persisted raw rows."""
        self.view(name, statement)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Ship a small pandas table as the view ``name``."""
        to_spark_frame(self.spark, frame).createOrReplaceTempView(name)

    def columns(self, name: str) -> list[str]:
        """Return the columns of a view."""
        return list(self.spark.table(name).columns)

    def kinds(self, name: str) -> dict[str, str]:
        """Return each column's kind, from the view's Spark schema."""
        return spark_kinds(self.spark.table(name))

    def canonical(self, statement: str) -> SparkFrame:
        """Persist the canonical rows; return the Spark relation."""
        return self._persisted("lake_canonical", statement)

    def release(self) -> None:
        """Unpersist the kept relations."""
        for frame in self.kept:
            frame.unpersist()
        self.kept = []

    def _persisted(self, name: str, statement: str) -> SparkFrame:
        from pyspark import StorageLevel

        frame = self.spark.sql(statement).persist(StorageLevel.MEMORY_AND_DISK)
        frame.createOrReplaceTempView(name)
        return frame


def spark_kinds(frame: SparkFrame) -> dict[str, str]:
    """Return each column's kind for :mod:`planner.history.lake_sql`."""
    from pyspark.sql import types as T

    kinds = {}
    for field in frame.schema.fields:
        kind = field.dataType
        if isinstance(kind, T.StringType):
            kinds[field.name] = q.STRING
        elif isinstance(kind, T.IntegralType):
            kinds[field.name] = q.INTEGER
        elif isinstance(kind, T.FractionalType):
            kinds[field.name] = q.FLOAT if not isinstance(kind, T.DecimalType) else q.INTEGER
        elif isinstance(kind, T.DateType | T.TimestampType | T.TimestampNTZType):
            kinds[field.name] = q.DATE
        else:
            kinds[field.name] = q.OTHER
    return kinds


__all__ = ["SparkBackend", "spark_kinds"]
