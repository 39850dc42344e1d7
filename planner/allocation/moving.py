"""The cells a plan is likely to move: where the restricted allocation solve starts.

:func:`planner.lp.restricted.solve_restricted` solves the allocation exactly whatever
columns it starts from; a start close to the optimum's moving cells saves it rounds and
keeps each round small. The allocation's optimum is shaped by capacity: in a team-week
whose history-shaped reference is over the seats' capacity, volume must leave, and the
cheapest way is the product whose unit deviation costs least (the deviation weight is
per product). That volume must go somewhere, most cheaply into the same product in
weeks with room. So the start is, for each team-week over capacity:

- the ``down`` columns of its cheapest products (in order of deviation cost, then
  product order), taken until their reference in that week covers the excess;
- the ``up`` columns of the same team x products in the team's weeks with room.

Nothing else (fairness, supply, mix, stretch, hiring, cross-team moves) needs a guess:
pricing adds whatever those rules call for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation import families as f
from planner.allocation.model import AllocationInputs
from planner.lp.program import LinearProgram


def likely_moving(lp: LinearProgram, cells: pd.DataFrame, inputs: AllocationInputs) -> np.ndarray:
    """Flag per column of ``lp``: the ``up`` and ``down`` columns the solve starts from.

    Parameters
    ----------
    lp : LinearProgram
        The allocation LP (:func:`planner.allocation.model.build_allocation`).
    cells : DataFrame
        Its cells, in ``up`` / ``down`` column order.
    inputs : AllocationInputs
        What it was built from (capacity per team-week).

    Returns
    -------
    ndarray of bool
        One flag per column of ``lp``; only ``up`` and ``down`` columns are flagged.
    """
    start = np.zeros(lp.n_cols, bool)
    if cells.empty:
        return start
    up, down = lp.blocks[f.UP].cols(), lp.blocks[f.DOWN].cols()
    weight = lp.arrays()["cost"][up]
    reference = cells["reference"].to_numpy(float)
    team, teams = pd.factorize(cells[n.TEAM])
    week, weeks = pd.factorize(cells[n.WEEK])
    product = pd.factorize(cells[n.PRODUCT])[0]
    team_week = team * len(weeks) + week
    excess = _excess(team_week, reference, inputs.capacity, teams, weeks)
    over = excess[team_week] > 0
    # one entry per over-capacity team-week x product, cheapest product first
    key = team_week.astype(np.int64) * (product.max() + 1) + product
    groups, first, which = np.unique(key[over], return_index=True, return_inverse=True)
    amount = np.bincount(which.ravel(), weights=reference[over], minlength=len(groups))
    group_week = team_week[over][first]
    order = np.lexsort((product[over][first], weight[over][first], group_week))
    taken = np.zeros(len(groups), bool)
    taken[order[_covering(group_week[order], amount[order], excess[group_week[order]])]] = True
    chosen = np.zeros(len(reference), bool)
    chosen[np.flatnonzero(over)[taken[which.ravel()]]] = True
    start[down[chosen]] = True
    team_product = team.astype(np.int64) * (product.max() + 1) + product
    moves = np.isin(team_product, np.unique(team_product[chosen]))
    start[up[moves & (excess[team_week] < 0)]] = True
    return start


def _excess(team_week: np.ndarray, reference: np.ndarray, capacity: pd.DataFrame,
            teams: pd.Index, weeks: pd.Index) -> np.ndarray:
    """Reference over capacity per team-week code (negative: room left)."""
    size = len(teams) * len(weeks)
    load = np.bincount(team_week, weights=reference, minlength=size)
    cap = np.zeros(size)
    t = teams.get_indexer(capacity[n.TEAM])
    w = weeks.get_indexer(capacity[n.WEEK])
    known = (t >= 0) & (w >= 0)
    np.add.at(cap, t[known] * len(weeks) + w[known],
              capacity["capacity"].to_numpy(float)[known])
    return load - cap


def _covering(group: np.ndarray, amount: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Entries taken in order within each group until their amounts cover its need.

    Examples
    --------
    >>> _covering(np.array([0, 0, 0, 1]), np.array([2.0, 2.0, 2.0, 1.0]),
    ...           np.array([3.0, 3.0, 3.0, 0.5])).tolist()
    [True, True, False, True]
    """
    if not len(group):
        return np.zeros(0, bool)
    total = np.cumsum(amount)
    starts = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]
    sizes = np.diff(np.r_[starts, len(group)])
    before = total - amount - np.repeat(total[starts] - amount[starts], sizes)
    return before < need
