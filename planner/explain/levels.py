"""The rule sets of the explanation's levels, and the plan read for them once.

The bridge adds the allocation's rules one at a time (:mod:`planner.explain.rules`):
a level is the allocation with only some of its rules (:func:`with_rules`). Going back
from the plan, a level is the plan's own solution while every rule taken off has all its
rows strictly slack there, and must be re-solved from the first one that does not. Which
level that is, is known as soon as the plan's model is solved, so :func:`read_plan` reads
it then and starts its solve at once (:func:`first_to_solve`), in a background thread
(:func:`start_level`): HiGHS releases the interpreter's lock, so the solve runs on
another core while the plan is split over seats and weeks, and the explanation takes
its result when it needs it. Only that level is started ahead: whether a lower one must
be re-solved depends on the solution of the level above it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation.model import AllocationInputs, cell_reference
from planner.allocation.solve import solve_allocation
from planner.background import InThread
from planner.explain import steps as st
from planner.explain.slack import slack_at
from planner.lp.program import LinearProgram, Solution
from planner.scenario.values import SolverOptions

#: Capacity far above any plan: the capacity rule switched off.
_UNLIMITED = 1e3

#: What :func:`~planner.allocation.solve.solve_allocation` returns.
Solved = tuple[pd.DataFrame, pd.DataFrame, LinearProgram, Solution]


def present(inputs: AllocationInputs) -> list[str]:
    """The rule steps this allocation has, in order."""
    have = {st.CAPACITY_RULE: len(inputs.capacity) > 0, st.FAIRNESS: len(inputs.fairness) > 0,
            st.SUPPLY: len(inputs.supply) > 0, st.MIX: len(inputs.mix) > 0}
    return [s for s in st.RULE_STEPS if have[s]]


def with_rules(inputs: AllocationInputs, rules: Sequence[str]) -> AllocationInputs:
    """``inputs`` keeping only ``rules`` (the others switched off)."""
    changes: dict[str, object] = {}
    if st.CAPACITY_RULE not in rules:
        total = float(inputs.products["target"].sum())
        changes["capacity"] = inputs.capacity.assign(capacity=_UNLIMITED * max(total, 1.0))
    if st.FAIRNESS not in rules:
        changes["fairness"] = inputs.fairness.iloc[0:0]
    if st.SUPPLY not in rules:
        changes["supply"] = inputs.supply.iloc[0:0]
    if st.MIX not in rules:
        changes["mix"] = inputs.mix.iloc[0:0]
    return replace(inputs, **changes)  # type: ignore[arg-type]


#: A level's allocation solving in a background thread: its ``result()`` is what
#: :func:`~planner.allocation.solve.solve_allocation` returned, or raises what it raised.
LevelSolve = InThread[Solved]


def start_level(model: AllocationInputs, solver: SolverOptions) -> LevelSolve:
    """Start solving one level's allocation (``model``: :func:`with_rules`) in a thread."""
    return InThread(partial(solve_allocation, model, solver), name="planner-explain-level")


@dataclass
class PlanReading:
    """What the explanation reads off the plan's own model, once, when the plan is made.

    Attributes
    ----------
    reference : ndarray
        Each cell's history-shaped reference amount, in the order of the plan's cells.
    slack : dict of str to bool
        Per rule step, whether its rows are all strictly slack at the plan's amounts
        (:func:`planner.explain.slack.slack_at`).
    ahead : dict
        Rule steps kept (a tuple) -> the :class:`LevelSolve` of that level, started when
        the plan was read because the explanation will need it.
    """

    reference: np.ndarray
    slack: dict[str, bool]
    ahead: dict[tuple[str, ...], LevelSolve] = field(default_factory=dict)


def read_plan(inputs: AllocationInputs, raw: pd.DataFrame, lp: LinearProgram,
              solver: SolverOptions, *, ahead: bool = True) -> PlanReading:
    """Read the plan's slackness; start the first level below it that must be solved.

    Parameters
    ----------
    inputs : AllocationInputs
        The allocation's inputs, as solved.
    raw : DataFrame
        The allocation's solution (``product`` and ``amount`` per cell, in the cells'
        order).
    lp : LinearProgram
        The model ``raw`` solves.
    solver : SolverOptions
    ahead : bool
        Start the first level that must be re-solved (:func:`first_to_solve`) in a
        background thread (else it is solved when the explanation is made).

    Returns
    -------
    PlanReading
    """
    reference = cell_reference(inputs)
    slack = slack_at(lp, inputs, reference, raw[n.PRODUCT].to_numpy(),
                     raw[n.AMOUNT].to_numpy(float))
    reading = PlanReading(reference, slack)
    below = first_to_solve(present(inputs), slack)
    if ahead and below is not None:
        reading.ahead[below] = start_level(with_rules(inputs, below), solver)
    return reading


def first_to_solve(rules: Sequence[str], slack: Mapping[str, bool]) -> tuple[str, ...] | None:
    """The rules of the highest level below the plan that is not the plan's own solution.

    Going back from the plan, a level whose rules taken off are all strictly slack at the
    plan is the plan's solution; the first level that takes off a rule that is not
    slack must be solved. Levels below that one depend on its solution, not the plan's.

    Examples
    --------
    >>> first_to_solve(["capacity_rule", "fairness", "mix"],
    ...                {"capacity_rule": False, "fairness": False, "mix": True})
    ('capacity_rule',)
    >>> first_to_solve(["capacity_rule", "fairness"], {"capacity_rule": False, "fairness": True})
    """
    for k in range(len(rules) - 2, -1, -1):
        if not all(slack[rule] for rule in rules[k + 1:]):
            return tuple(rules[:k + 1])
    return None
