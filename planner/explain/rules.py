"""What each allocation rule did to each team: the rules added one at a time.

Without any rule the allocation's optimum is its history-shaped reference (each
product's buffered target split over teams by their capacity-scaled history, phased by
season, events and working days): the deviation it minimises is zero there. Adding the
rules in the order of :data:`planner.explain.steps.RULE_STEPS` (weekly capacity, the
fairness band, partner supply, the margin mix) and re-solving after each, the change of a
team's amounts is what that rule moved. The last rule's level is the plan's own
solution, so the steps add up exactly to the plan. Only rules the scenario has are
solved for; a plan with capacity rules alone needs no extra solve.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from planner import names as n
from planner.allocation.model import AllocationInputs, cells_of
from planner.allocation.solve import solve_allocation
from planner.explain import steps as st
from planner.explain.inputs import ExplainInputs

#: Capacity far above any plan: the capacity rule switched off.
_UNLIMITED = 1e3


def present(inputs: AllocationInputs) -> list[str]:
    """The rule steps this allocation has, in order."""
    have = {st.CAPACITY_RULE: len(inputs.capacity) > 0, st.FAIRNESS: len(inputs.fairness) > 0,
            st.SUPPLY: len(inputs.supply) > 0, st.MIX: len(inputs.mix) > 0}
    return [s for s in st.RULE_STEPS if have[s]]


def with_rules(inputs: AllocationInputs, rules: list[str]) -> AllocationInputs:
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


def _totals(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame.groupby([n.TEAM, n.PRODUCT])[column].sum()


def rule_levels(ex: ExplainInputs) -> pd.DataFrame:
    """Each team x product's amount with no rule, then after each rule is added.

    Parameters
    ----------
    ex : ExplainInputs

    Returns
    -------
    DataFrame
        Indexed by ``(team, product)``; column ``reference`` (no rule) and one column
        per rule step of :data:`~planner.explain.steps.RULE_STEPS` (cumulative; a rule
        the plan does not have repeats the level before it). The last column equals the
        plan's exact amounts. Buffered amounts, as the allocation plans them.
    """
    cached = ex.cache.get("rule_levels")
    if isinstance(cached, pd.DataFrame):
        return cached
    inputs = ex.allocation
    levels = {"reference": _totals(cells_of(inputs), "reference")}
    rules = present(inputs)
    final = _totals(ex.raw, n.AMOUNT)
    previous = "reference"
    for step in st.RULE_STEPS:
        if step not in rules:
            levels[step] = levels[previous]
        elif step == rules[-1]:
            levels[step] = final
        else:
            upto = rules[:rules.index(step) + 1]
            raw, *_ = solve_allocation(with_rules(inputs, upto), ex.solver)
            levels[step] = _totals(raw, n.AMOUNT)
        previous = step
    if not rules:
        levels[st.RULE_STEPS[-1]] = final
    out = pd.DataFrame(levels).fillna(0.0)
    ex.cache["rule_levels"] = out
    return out
