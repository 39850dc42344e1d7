"""Which engine runs the history's SQL, and how to reach Spark."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from planner.errors import EngineError

DUCKDB = "duckdb"
SPARK = "spark"
#: The engines, default first.
ENGINES = (DUCKDB, SPARK)
#: Spark on this machine, two worker threads.
DEFAULT_MASTER = "local[2]"
#: Spark settings planner sets unless ``spark_conf`` says otherwise: no web UI or
#: progress bars, UTC dates, Arrow for shipping pandas frames.
SPARK_DEFAULTS: Mapping[str, str] = {
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


@dataclass(frozen=True)
class EngineSettings:
    """The engine and, for Spark, where it runs.

    Attributes
    ----------
    name : str
        ``"duckdb"`` (default) or ``"spark"``.
    spark_master : str
        Spark master URL: ``local[2]`` (default), ``spark://host:7077``, ``yarn``,
        ``k8s://...``; ignored by DuckDB. Under ``spark-submit`` the session it made wins.
    spark_conf : dict of str to str
        Extra Spark settings (``spark.executor.memory = "8g"``, the S3 credentials
        provider, ...), over :data:`SPARK_DEFAULTS`.
    """

    name: str = DUCKDB
    spark_master: str = DEFAULT_MASTER
    spark_conf: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse an unknown engine name."""
        if self.name not in ENGINES:
            raise EngineError(f"engine {self.name!r} is not one of {', '.join(ENGINES)}; "
                                "set [data] engine or --engine to one of them")

    def spark_settings(self) -> dict[str, str]:
        """Return the Spark settings: defaults, local tuning, then ``spark_conf``.

        On a ``local[N]`` master the shuffles use N partitions (every table after the
        first scans is small); on a cluster Spark's own defaults stay.

        Examples
        --------
        >>> EngineSettings("spark", "local[2]").spark_settings()["spark.sql.shuffle.partitions"]
        '2'
        """
        local = {}
        if self.spark_master.startswith("local"):
            cores = self.spark_master.partition("[")[2].rstrip("]")
            local["spark.sql.shuffle.partitions"] = cores if cores.isdigit() else "2"
        return {**SPARK_DEFAULTS, **local, **self.spark_conf}

    @property
    def is_spark(self) -> bool:
        """True when the history's SQL runs on Spark."""
        return self.name == SPARK


class _HasEngine(Protocol):
    @property
    def engine(self) -> EngineSettings: ...


S = TypeVar("S", bound=_HasEngine)


def with_engine(scenario: S, name: str | None) -> S:
    """Return ``scenario`` with its engine set to ``name`` (``--engine``); None keeps it.

    The scenario's ``spark_master`` and ``spark_conf`` stay.
    """
    if name is None or name == scenario.engine.name:
        return scenario
    return replace(scenario, engine=replace(scenario.engine, name=name))  # type: ignore[type-var]
