"""What each allocation rule did to each team: the rules added one at a time.

Without any rule the allocation's optimum is its history-shaped reference (each
product's buffered target split over teams by their capacity-scaled history, phased by
season, events and working days): the deviation it minimises is zero there. Adding the
rules in the order of :data:`planner.explain.steps.RULE_STEPS` (weekly capacity, the
fairness band, partner supply, the margin mix) and re-solving after each, the change of a
team's amounts is what that rule moved. The last rule's level is the plan's own
solution, so the steps add up exactly to the plan. Only rules the scenario has are
solved for; a plan with capacity rules alone needs no extra solve.

A level is solved for only when it must be. Going back from the plan one rule at a time,
when every row of the rules taken off is strictly slack at the solution in hand (no
team at its fairness band's edge, no supply or mix rule reached), that solution is an
optimum of the smaller model too, and it is that level: by complementary slackness every
optimal dual of the larger model is zero on those rows, so the same primal-dual pair is
optimal without them (:func:`slack_rows_hold`). The allocation's optimum is seldom unique
(moving volume between two cells of a product at the same deviation weight costs
nothing), and a cold re-solve of the smaller model could land on another optimum of the
same objective, showing a rule that does not bind as moving volume; taking the plan's own
optimum shows it moving nothing. A rule that binds is re-solved, from HiGHS's cold start
as the plan is.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation import families as f
from planner.allocation.model import AllocationInputs, build_allocation, cells_of
from planner.allocation.solve import solve_allocation
from planner.explain import steps as st
from planner.explain.inputs import ExplainInputs

#: Capacity far above any plan: the capacity rule switched off.
_UNLIMITED = 1e3
#: The rows each rule step adds (capacity is never taken off: it is the first step).
_FAMILIES = {st.CAPACITY_RULE: (f.CAPACITY,), st.FAIRNESS: (f.FAIRNESS,),
             st.SUPPLY: (f.SUPPLY,), st.MIX: (f.MIX,)}
#: How far inside its bounds a row must be to count as strictly slack (relative to the
#: bound, in the model's units): well above HiGHS's primal feasibility tolerance (1e-7).
_MARGIN = 1e-6


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


def slack_rows_hold(inputs: AllocationInputs, amounts: np.ndarray, steps: list[str]) -> bool:
    """Whether every row of the rule ``steps`` is strictly slack at ``amounts``.

    Parameters
    ----------
    inputs : AllocationInputs
        The model the amounts are an optimum of.
    amounts : ndarray
        Each cell's amount, in the order of :func:`~planner.allocation.model.cells_of`.
    steps : list of str
        Rule steps (of :data:`~planner.explain.steps.RULE_STEPS`) to be taken off.

    Returns
    -------
    bool
        True when each of their rows holds with room to spare (more than ``1e-6`` of its
        bound, in the model's units), with every slack column at zero and each product's
        shortfall read from its total. Then every optimal dual of ``inputs``'s model is
        zero on those rows and ``amounts`` is also an optimum of the model without them.
    """
    lp, cells = build_allocation(inputs)
    s = inputs.scale
    x = np.zeros(lp.n_cols)
    deviation = (amounts - cells["reference"].to_numpy(float)) / s
    x[lp.blocks[f.UP].cols()] = np.maximum(deviation, 0.0)
    x[lp.blocks[f.DOWN].cols()] = np.maximum(-deviation, 0.0)
    short = lp.blocks[f.PRODUCT_SHORT]
    totals = pd.Series(amounts).groupby(cells[n.PRODUCT].to_numpy()).sum()
    target = inputs.products.set_index(n.PRODUCT)["target"]
    product = short.labels[n.PRODUCT]
    x[short.cols()] = np.maximum((target.reindex(product).to_numpy(float)
                                  - totals.reindex(product).fillna(0.0).to_numpy(float)) / s, 0.0)
    activity = lp.matrix() @ x
    bounds = lp.arrays()
    for step in steps:
        for name in _FAMILIES[step]:
            family = lp.families.get(name)
            if family is None:
                continue
            rows = slice(family.start, family.start + family.size)
            lower, upper, act = bounds["lower"][rows], bounds["upper"][rows], activity[rows]
            room = _MARGIN * np.maximum(1.0, np.maximum(
                np.abs(np.where(np.isfinite(lower), lower, 0.0)),
                np.abs(np.where(np.isfinite(upper), upper, 0.0))))
            if not (np.all(act - lower > room) and np.all(upper - act > room)):
                return False
    return True


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
        plan's exact amounts. Buffered amounts, as the allocation plans them. A level
        whose rules taken off are all strictly slack at the level after it is that
        level (see the module's note); the others are re-solved.
    """
    cached = ex.cache.get("rule_levels")
    if isinstance(cached, pd.DataFrame):
        return cached
    inputs = ex.allocation
    levels = {"reference": _totals(cells_of(inputs), "reference")}
    rules = present(inputs)
    solved: dict[str, pd.Series] = {}
    if rules:  # back from the plan: the last level is the plan's solution
        held = rules[-1]
        amounts = ex.raw[n.AMOUNT].to_numpy(float)
        solved[held] = _totals(ex.raw, n.AMOUNT)
        for k in range(len(rules) - 2, -1, -1):
            step, upto = rules[k], rules[:k + 1]
            taken_off = rules[k + 1:rules.index(held) + 1]
            if slack_rows_hold(with_rules(inputs, rules[:rules.index(held) + 1]), amounts,
                               taken_off):
                solved[step] = solved[held]
                continue
            raw, *_ = solve_allocation(with_rules(inputs, upto), ex.solver)
            solved[step], held, amounts = _totals(raw, n.AMOUNT), step, raw[n.AMOUNT].to_numpy(
                float)
    else:  # no rule: the plan is the reference (up to HiGHS's tolerances)
        solved[st.RULE_STEPS[-1]] = _totals(ex.raw, n.AMOUNT)
    previous = "reference"
    for step in st.RULE_STEPS:
        levels[step] = solved.get(step, levels[previous])
        previous = step
    out = pd.DataFrame(levels).fillna(0.0)
    ex.cache["rule_levels"] = out
    return out
