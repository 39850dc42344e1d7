"""Why a team's target is what it is: a bridge from last year to the target.

:func:`~planner.explain.bridge.bridge` gives every team's steps per product in exact
cents (last year -> the company's levers on the team's mix -> capacity -> the
allocation's rules -> the buffer -> whole units -> the target);
:func:`~planner.explain.table.explain_table` the same with one plain sentence per step
(``explain.csv``); :mod:`~planner.explain.months` the per-month form;
:mod:`~planner.explain.team_sheet` a team's sheet as plain rows. Everything is computed
once per plan, for every team at once, and kept with the inputs, which are gathered
when the plan is made (:func:`~planner.explain.inputs.gather`, with the rules' slackness
at the plan read from the plan's own model: :mod:`~planner.explain.slack`).
"""
