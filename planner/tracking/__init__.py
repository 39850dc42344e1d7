"""Through the year: actuals in, attainment, the variance by driver, and the re-plan.

Modules follow the data flow: :mod:`~planner.tracking.plan_dir` reads a plan folder,
:mod:`~planner.tracking.workbooks` and :mod:`~planner.tracking.transactions` read the
actuals, :mod:`~planner.tracking.periods` says which week parts are closed,
:mod:`~planner.tracking.attainment` and :mod:`~planner.tracking.variance` compare them
with the targets, :mod:`~planner.tracking.track` and :mod:`~planner.tracking.replan`
are the two steps.
"""
