"""Open the engine the settings name."""

from __future__ import annotations

from planner.engine.base import Engine
from planner.engine.settings import EngineSettings


def open_engine(settings: EngineSettings) -> Engine:
    """Return a fresh engine for one computation (close it when done).

    Raises
    ------
    EngineError
        When Spark is asked for and cannot start (pyspark or Java missing, master
        unreachable).
    """
    if settings.is_spark:
        from planner.engine.spark import SparkEngine

        return SparkEngine(settings)
    from planner.engine.duck import DuckEngine

    return DuckEngine()
