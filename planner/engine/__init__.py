"""Where the history's SQL runs: DuckDB in process (default) or Apache Spark.

:class:`~planner.engine.settings.EngineSettings` says which (``[data] engine`` of the
scenario, ``--engine`` of the CLI); :func:`~planner.engine.open.open_engine` returns an
:class:`~planner.engine.base.Engine` that runs the statements of
:mod:`planner.baselines.sql` (written once, in DuckDB's dialect; Spark gets them through
:mod:`planner.engine.dialect`). Only aggregates come back to Python.
"""
