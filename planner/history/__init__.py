"""History in: read the user's files, map their columns, check and clean them.

The flow is :mod:`~planner.history.readers` (raw frames) ->
:mod:`~planner.history.mapping` (canonical columns) -> :mod:`~planner.history.clean` ->
:mod:`~planner.history.checks`, :mod:`~planner.history.headers` and
:mod:`~planner.history.dates` (problems collected, all reported at once) ->
:mod:`~planner.history.tables` (defaults, derived tables), orchestrated by
:func:`planner.history.load.load_dataset`, which returns a
:class:`~planner.history.dataset.Dataset`.
"""
