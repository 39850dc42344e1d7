"""Baselines: last year's empirical values, computed in SQL (DuckDB or Spark).

``queries/*.sql`` hold the statements, one a file, read by :mod:`~planner.baselines.sql`
(which also builds the few statements made from names); :mod:`~planner.baselines.inputs`
puts the history on the engine (:mod:`planner.engine`); :mod:`~planner.baselines.compute`
runs the statements into a :class:`~planner.baselines.result.Baselines` over the
:mod:`~planner.baselines.window`; :mod:`~planner.baselines.seasons`,
:mod:`~planner.baselines.spikes` and :mod:`~planner.baselines.launches` make last year a
normal year; :mod:`~planner.baselines.report` is the data-quality report;
:mod:`~planner.baselines.repeatable` rounds aggregates so runs repeat.
"""
