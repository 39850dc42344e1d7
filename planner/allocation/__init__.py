"""Allocation: team x product x week targets under capacity, supply, mix and fairness.

:mod:`~planner.allocation.inputs` gathers the inputs, :mod:`~planner.allocation.phasing`
shapes each product's year, :mod:`~planner.allocation.model` builds the LP (a pure
function), :mod:`~planner.allocation.solve` solves it and reads the plan and binding
rules, :mod:`~planner.allocation.duals` prices one more seat or unit of supply and
:mod:`~planner.allocation.seats` splits team targets over seats.
"""
