"""Baselines: last year's empirical values, computed in SQL (DuckDB).

:mod:`~planner.baselines.sql` and :mod:`~planner.baselines.season_sql` hold the
statements; :mod:`~planner.baselines.compute` runs them into a
:class:`~planner.baselines.compute.Baselines`; :mod:`~planner.baselines.seasons`,
:mod:`~planner.baselines.spikes` and :mod:`~planner.baselines.launches` make last year a
normal year; :mod:`~planner.baselines.repeatable` rounds aggregates so runs repeat.
"""
