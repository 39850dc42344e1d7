"""Closed weeks frozen to actuals: the allocation re-solved over the weeks still open.

A re-plan keeps the allocation model and its rules (:mod:`planner.allocation.model`)
and changes only what the actuals settle:

- the history-shaped reference of a closed week part is 0 and each open part's is the
  team's remaining target (its year target less its actuals) phased over the open
  parts as the product's path says, so the model moves volume only where a rule binds;
- each closed cell's ``up`` and ``down`` columns are fixed so its amount is its actual
  (:func:`freeze`); ``week_split`` rows of weeks with a closed part are freed (an actual
  week need not split by working days);
- rules on closed weeks are history: a closed team-week's capacity and a closed
  month's supply hold the actuals, a partly closed one keeps its open share of the rule
  on top of them, and a team's fairness band stretches to hold what it already sold.

:func:`solve_frozen` then solves; when the year cannot be met it solves again with
capacity and supply hard, so the best plan breaks no physical rule and states its
shortfall per product (:class:`Replanned`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation import families as f
from planner.allocation.model import AllocationInputs, build_allocation
from planner.allocation.solve import binding_rows, shortfalls, solve_model
from planner.errors import ModelError
from planner.lp.highs import SolveStatus, require_solved
from planner.lp.program import LinearProgram, Solution
from planner.scenario.values import SolverOptions

#: Slack blocks that must stay at zero in the best plan of a re-plan that falls short.
HARD_SLACKS = (f.CAPACITY_OVER, f.SUPPLY_OVER)
CELL_KEYS = [n.TEAM, n.PRODUCT, "slot"]


@dataclass
class Replanned:
    """The re-solved allocation.

    Attributes
    ----------
    plan : DataFrame
        ``team, product, slot, week, month, amount`` (exact amounts; closed parts at
        their actuals).
    binding : DataFrame
        Binding rules of the open weeks (``family, label, slack, marginal_value,
        meaning``).
    problems : list of str
        What had to give, in the user's words (empty when the year is met).
    short : Series
        Shortfall of each product's year target (amount; 0 when met).
    """

    plan: pd.DataFrame
    binding: pd.DataFrame
    problems: list[str]
    short: pd.Series


def reshape_inputs(inputs: AllocationInputs, frozen: pd.DataFrame,
                   remaining: pd.DataFrame) -> AllocationInputs:
    """Allocation inputs for the open weeks.

    Parameters
    ----------
    inputs : AllocationInputs
        The plan's inputs (``products.target``: the year's buffered targets).
    frozen : DataFrame
        ``team, product, slot, amount``: the actuals of every closed cell.
    remaining : DataFrame
        ``team, product, remaining``: each team's target still to sell (>= 0).

    Returns
    -------
    AllocationInputs
    """
    closed = set(frozen["slot"])
    slots = inputs.slots.set_index("slot")
    products = inputs.products.copy()
    frozen_p = frozen.groupby(n.PRODUCT)[n.AMOUNT].sum()
    target = products["target"].to_numpy(float)
    products["target"] = np.maximum(target, products[n.PRODUCT].map(frozen_p).fillna(0.0))
    # paths: zero on closed parts, the open parts carry the remaining targets
    left = remaining.groupby(n.PRODUCT)["remaining"].sum()
    paths = inputs.paths.copy()
    is_open = ~paths["slot"].isin(closed)
    open_sum = paths["share"].where(is_open, 0.0).groupby(paths[n.PRODUCT]).transform("sum")
    goal = paths[n.PRODUCT].map(left).fillna(0.0) / paths[n.PRODUCT].map(
        products.set_index(n.PRODUCT)["target"])
    paths["share"] = np.where(is_open & (open_sum > 0),
                              paths["share"] / open_sum.where(open_sum > 0, 1.0) * goal, 0.0)
    share = inputs.team_share.merge(remaining, on=[n.TEAM, n.PRODUCT], how="left")
    left_tp = pd.to_numeric(share["remaining"], errors="coerce").fillna(0.0).astype(float)
    tiny = 1e-9 + left_tp.groupby(share[n.PRODUCT]).transform("sum").to_numpy(float) * 1e-9
    weight = np.where(share["share"].to_numpy(float) > 0, left_tp.to_numpy() + tiny, 0.0)
    totals = pd.Series(weight).groupby(share[n.PRODUCT].to_numpy()).transform("sum").to_numpy(
        float)
    share["share"] = np.divide(weight, totals, out=np.zeros(len(weight)), where=totals > 0)
    team_share = share[[n.TEAM, n.PRODUCT, "share"]]
    return replace(inputs, products=products, paths=paths, team_share=team_share,
                   capacity=_stretch(inputs.capacity, frozen, slots, [n.TEAM, n.WEEK],
                                     "capacity"),
                   supply=_stretch(inputs.supply, frozen, slots, [n.PRODUCT, n.MONTH], "cap"),
                   fairness=_fairness(inputs.fairness, frozen))


def _stretch(rules: pd.DataFrame, frozen: pd.DataFrame, slots: pd.DataFrame,
             keys: list[str], column: str) -> pd.DataFrame:
    """A rule over closed parts holds their actuals plus its open share on top."""
    if rules.empty:
        return rules
    parts = slots.reset_index()[["slot", n.WEEK, n.MONTH, n.WORKING_DAYS]]
    days = parts.groupby(keys[1:])[n.WORKING_DAYS].sum()
    closed_days = parts.loc[parts["slot"].isin(set(frozen["slot"]))].groupby(
        keys[1:])[n.WORKING_DAYS].sum()
    done = frozen.merge(parts[["slot", n.WEEK, n.MONTH]], on="slot").groupby(
        keys, as_index=False)[n.AMOUNT].sum()
    out = rules.merge(done, on=keys, how="left")
    period = out[keys[1]]
    total = period.map(days).fillna(0.0).to_numpy(float)
    shut = period.map(closed_days).fillna(0.0).to_numpy(float)
    open_share = np.divide(total - shut, total, out=np.ones(len(out)), where=total > 0)
    touched = out[n.AMOUNT].notna().to_numpy() | (shut > 0)
    rule = out[column].to_numpy(float)
    stretched = np.maximum(rule, out[n.AMOUNT].fillna(0.0).to_numpy() + rule * open_share)
    out[column] = np.where(touched, stretched, rule)
    return out.drop(columns=n.AMOUNT)


def _fairness(fairness: pd.DataFrame, frozen: pd.DataFrame) -> pd.DataFrame:
    """A team's band reaches at least what it has already sold."""
    if fairness.empty:
        return fairness
    sold = fairness[n.TEAM].map(frozen.groupby(n.TEAM)[n.AMOUNT].sum()).fillna(0.0)
    return fairness.assign(upper=np.maximum(fairness["upper"], sold))


def freeze(lp: LinearProgram, cells: pd.DataFrame, frozen: pd.DataFrame, scale: float) -> None:
    """Fix the closed cells of a built allocation to their actuals.

    Each closed cell's ``up`` and ``down`` columns are fixed so that ``reference + up -
    down`` is its actual (at least 0: net returns of a cell stay outside the model), and
    the ``week_split`` rows of every week with a closed part are freed.
    """
    index = pd.MultiIndex.from_frame(cells[CELL_KEYS])
    where = index.get_indexer(pd.MultiIndex.from_frame(frozen[CELL_KEYS]))
    found = where >= 0
    pos = where[found]
    amount = np.maximum(frozen[n.AMOUNT].to_numpy(float)[found], 0.0)
    ref = cells["reference"].to_numpy(float)[pos]
    up = np.maximum(amount - ref, 0.0) / scale
    down = np.maximum(ref - amount, 0.0) / scale
    lp.set_col_bounds(f.UP, pos, up, up)
    lp.set_col_bounds(f.DOWN, pos, down, down)
    if f.WEEK_SPLIT in lp.families:
        labels = lp.families[f.WEEK_SPLIT].labels
        weeks = set(cells.loc[pos, n.WEEK]) if len(pos) else set()
        rows = np.flatnonzero(labels[n.WEEK].isin(weeks).to_numpy())
        lp.set_row_bounds(f.WEEK_SPLIT, rows, -np.inf, np.inf)


def _solve(inputs: AllocationInputs, frozen: pd.DataFrame, options: SolverOptions,
           hard: bool) -> tuple[LinearProgram, pd.DataFrame, Solution]:
    lp, cells = build_allocation(inputs)
    freeze(lp, cells, frozen, inputs.scale)
    if hard:
        for block in HARD_SLACKS:
            if block in lp.blocks:
                size = lp.blocks[block].size
                lp.set_col_bounds(block, np.arange(size), 0.0, 0.0)
    solution = solve_model(lp, cells, inputs, options)
    require_solved(solution.status, "re-plan allocation", options.time_limit)
    if solution.status is not SolveStatus.OPTIMAL:
        raise ModelError(f"re-plan allocation: HiGHS found the model {solution.status.value}; "
                         "run with --debug and report the scenario")
    return lp, cells, solution


def solve_frozen(inputs: AllocationInputs, frozen: pd.DataFrame,
                 options: SolverOptions | None = None) -> Replanned:
    """Re-solve the allocation with the closed cells frozen to their actuals.

    Parameters
    ----------
    inputs : AllocationInputs
        From :func:`reshape_inputs`.
    frozen : DataFrame
        ``team, product, slot, amount`` of the closed cells.
    options : SolverOptions, optional

    Returns
    -------
    Replanned
    """
    options = options or SolverOptions()
    s = inputs.scale
    lp, cells, solution = _solve(inputs, frozen, options, hard=False)
    problems = shortfalls(lp, solution, s, inputs)
    if problems:  # the best plan that breaks no capacity or supply rule
        lp, cells, solution = _solve(inputs, frozen, options, hard=True)
        problems = shortfalls(lp, solution, s, inputs)
    up = solution.x[lp.blocks[f.UP].cols()]
    down = solution.x[lp.blocks[f.DOWN].cols()]
    amount = np.maximum(cells["reference"].to_numpy() + (up - down) * s, 0.0)
    plan = cells.drop(columns="reference").assign(amount=amount)
    short = solution.values(lp, f.PRODUCT_SHORT).set_index(n.PRODUCT)["value"] * s
    return Replanned(plan, binding_rows(lp, solution, s), problems, short.clip(lower=0.0))
