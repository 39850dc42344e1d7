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

Each model is built once: the plan's own is read when the plan is made
(``ExplainInputs.plan_slack``), a re-solved level's is the one its solve built, and every
rule family is tested on it at once (:mod:`planner.explain.slack`). The level right below
the plan, when it must be re-solved, was started in a background thread as soon as the
plan was solved (:mod:`planner.explain.levels`); its result is taken here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation.model import AllocationInputs, build_allocation, cell_reference
from planner.allocation.solve import solve_allocation
from planner.explain import steps as st
from planner.explain.inputs import ExplainInputs
from planner.explain.levels import Solved, present, with_rules
from planner.explain.slack import slack_at
from planner.lp.program import LinearProgram


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
    slack = slack_at(lp, inputs, cells["reference"].to_numpy(float),
                     cells[n.PRODUCT].to_numpy(), amounts)
    return all(slack[step] for step in steps)


def _totals(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Each column summed per team and product (one grouping for them all)."""
    return frame.groupby([n.TEAM, n.PRODUCT])[columns].sum()


def _reference(ex: ExplainInputs) -> np.ndarray:
    """Each cell's reference amount, in the order of ``ex.raw`` (the cells' order)."""
    if ex.reference is None:
        ex.reference = cell_reference(ex.allocation)
    return ex.reference


def _plan_slack(ex: ExplainInputs, rules: list[str]) -> dict[str, bool]:
    """Each rule step's slackness at the plan, in the plan's own model.

    Read when the plan was made; the model is built here only when the plan did not
    keep it (a result made before, or by another path).
    """
    if ex.plan_slack is None:
        lp, _ = build_allocation(with_rules(ex.allocation, rules))
        ex.plan_slack = slack_at(lp, ex.allocation, _reference(ex), ex.raw[n.PRODUCT].to_numpy(),
                                 ex.raw[n.AMOUNT].to_numpy(float))
    return ex.plan_slack


def _slack_once(lp: LinearProgram, model: AllocationInputs, reference: np.ndarray,
                raw: pd.DataFrame) -> Callable[[], dict[str, bool]]:
    """The slackness of a re-solved level in the model its solve built, read on first use."""
    found: list[dict[str, bool]] = []

    def read() -> dict[str, bool]:
        if not found:
            found.append(slack_at(lp, model, reference, raw[n.PRODUCT].to_numpy(),
                                  raw[n.AMOUNT].to_numpy(float)))
        return found[0]
    return read


def _solve_level(ex: ExplainInputs, model: AllocationInputs, upto: list[str]) -> Solved:
    """The level keeping the rules ``upto``: its solve started with the plan, or one now."""
    started = ex.ahead.pop(tuple(upto), None)
    if started is not None:
        return started.result()
    return solve_allocation(model, ex.solver)


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
    amounts = {"reference": _reference(ex), "plan": ex.raw[n.AMOUNT].to_numpy(float)}
    rules = present(inputs)
    solved: dict[str, str] = {}  # each rule step's level: the amounts it is
    if rules:  # back from the plan: the last level is the plan's solution
        held = rules[-1]
        solved[held] = "plan"
        slack: Callable[[], dict[str, bool]] = lambda: _plan_slack(ex, rules)  # noqa: E731
        for k in range(len(rules) - 2, -1, -1):
            step, upto = rules[k], rules[:k + 1]
            taken_off = rules[k + 1:rules.index(held) + 1]
            if all(slack()[s] for s in taken_off):
                solved[step] = solved[held]
                continue
            model = with_rules(inputs, upto)
            raw, _, lp, _ = _solve_level(ex, model, upto)  # the same cells, in order
            amounts[step] = raw[n.AMOUNT].to_numpy(float)
            solved[step], held = step, step
            slack = _slack_once(lp, model, _reference(ex), raw)
    else:  # no rule: the plan is the reference (up to HiGHS's tolerances)
        solved[st.RULE_STEPS[-1]] = "plan"
    totals = _totals(ex.raw[[n.TEAM, n.PRODUCT]].assign(**amounts), list(amounts))
    levels = {"reference": totals["reference"]}
    previous = "reference"
    for step in st.RULE_STEPS:
        levels[step] = totals[solved[step]] if step in solved else levels[previous]
        previous = step
    out = pd.DataFrame(levels).fillna(0.0)
    ex.cache["rule_levels"] = out
    return out
