"""What one more seat, or one more unit of supply, is worth to the plan (from the duals)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation import families as f
from planner.lp.program import LinearProgram, Solution

COLUMNS = ["family", "label", "slack", "marginal_value", "meaning"]


def seat_values(lp: LinearProgram, solution: Solution, scale: float,
                seat_weights: pd.DataFrame, roster: pd.DataFrame, factor: float,
                headroom: float) -> pd.DataFrame:
    """Value of one more tenured seat of each grade in each team whose capacity binds.

    The value is the sum over the team's weeks of the capacity dual (per unit of
    amount) times the capacity a tenured seat of that grade adds in the week; it is in
    the objective's unit (weighted deviation from the history-shaped targets, in
    amount, divided by the product's typical cell): negative means the extra seat lets
    the plan follow history more closely.

    Parameters
    ----------
    lp, solution : LinearProgram, Solution
        The solved allocation.
    scale : float
        Amount unit of the LP.
    seat_weights : DataFrame
        ``seat, team, grade, week, month, weight``.
    roster : DataFrame
        ``seat, hired`` (hires are left out of the per-grade average).
    factor, headroom : float
        Planned amount per unit of weight, and the capacity headroom.

    Returns
    -------
    DataFrame
        ``family ("seat"), label, slack, marginal_value, meaning``.
    """
    if f.CAPACITY not in lp.families:
        return pd.DataFrame(columns=COLUMNS)
    rows = solution.rows(lp, f.CAPACITY)
    rows = rows.loc[rows["dual"].abs() > 1e-12]
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    tenured = set(roster.loc[~roster["hired"].astype(bool), n.SEAT])
    weekly = seat_weights.loc[seat_weights[n.SEAT].isin(tenured)].groupby(
        [n.SEAT, n.GRADE, n.WEEK], as_index=False)["weight"].sum()
    per_seat = weekly.groupby([n.GRADE, n.WEEK])["weight"].mean() * factor * (1 + headroom)
    grades = sorted(per_seat.index.get_level_values(0).unique())
    # grade x week capacity of one seat, with a last column of zeros for weeks it lacks
    table = per_seat.unstack(n.WEEK)
    weeks = pd.Index(table.columns)
    grid = np.zeros((len(grades), len(weeks) + 1))
    grid[:, :-1] = table.reindex(grades).to_numpy(float)
    grid = np.where(np.isnan(grid), 0.0, grid)
    at = weeks.get_indexer(rows[n.WEEK])
    at = np.where(at >= 0, at, len(weeks))
    duals = rows["dual"].to_numpy(float) / scale
    teams, first, which = np.unique(rows[n.TEAM].to_numpy(object), return_index=True,
                                    return_inverse=True)
    out = []
    for t in np.argsort(first, kind="stable"):  # teams in order of first appearance
        mine = np.flatnonzero(which.ravel() == t)
        for g, grade in enumerate(grades):  # the same products summed in the same order
            value = float(np.sum(duals[mine] * grid[g, at[mine]]))
            out.append({"family": "seat",
                        "label": f"one more grade {grade} seat in team {teams[t]}",
                        "slack": 0.0, "marginal_value": value,
                        "meaning": "change in the plan's deviation from its history-shaped "
                                   "targets (in typical cells); negative = the seat relieves "
                                   "binding capacity"})
    return pd.DataFrame(out, columns=COLUMNS)


def supply_values(lp: LinearProgram, solution: Solution, scale: float,
                  products: pd.DataFrame) -> pd.DataFrame:
    """Value of one more unit of partner supply of a product in a month where it binds.

    The supply dual (per unit of amount) times the product's planned ticket; in the
    objective's unit, as :func:`seat_values`.
    """
    if f.SUPPLY not in lp.families:
        return pd.DataFrame(columns=COLUMNS)
    rows = solution.rows(lp, f.SUPPLY)
    rows = rows.loc[rows["dual"].abs() > 1e-12]
    ticket = dict(zip(products[n.PRODUCT], products["ticket"], strict=True))
    out = [{"family": "supply_unit",
            "label": f"one more unit of supply of {r[n.PRODUCT]} in {r[n.MONTH]}",
            "slack": 0.0, "marginal_value": r["dual"] / scale * ticket.get(r[n.PRODUCT], 0.0),
            "meaning": "change in the plan's deviation from its history-shaped targets (in "
                       "typical cells); negative = more supply lets the plan follow history"}
           for _, r in rows.iterrows()]
    return pd.DataFrame(out, columns=COLUMNS)
