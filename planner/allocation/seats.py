"""Split each team's monthly targets over its seats, exactly.

Each seat's share of its team's month is its capacity weight in that month (grade
productivity x ramp x attrition x working days while active). Amounts are split in
cents with the largest-remainder rule, so seats sum exactly to the team.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names as n


def split_to_seats(team_month: pd.DataFrame, seat_month: pd.DataFrame) -> pd.DataFrame:
    """Per-seat monthly targets summing exactly (to the cent) to the team's.

    Parameters
    ----------
    team_month : DataFrame
        ``team, product, month, amount, units``.
    seat_month : DataFrame
        ``seat, team, grade, month, weight``.

    Returns
    -------
    DataFrame
        ``seat, team, grade, product, month, amount, units``.
    """
    joined = team_month.merge(seat_month, on=[n.TEAM, n.MONTH], how="left")
    joined["weight"] = joined["weight"].fillna(0.0)
    group = [n.TEAM, n.PRODUCT, n.MONTH]
    total = joined.groupby(group)["weight"].transform("sum")
    count = joined.groupby(group)["weight"].transform("size")
    # seats not on board that month (weight 0) get nothing, unless no seat is
    joined = joined.loc[(joined["weight"] > 0) | (total <= 0)].reset_index(drop=True)
    total = joined.groupby(group)["weight"].transform("sum")
    count = joined.groupby(group)["weight"].transform("size")
    share = np.where(total > 0, joined["weight"] / total.where(total > 0, 1.0), 1.0 / count)
    joined["amount"] = _split_exact(joined, group, joined[n.AMOUNT].to_numpy(), share)
    joined["units"] = joined[n.UNITS].to_numpy() * share
    joined = joined.loc[joined[n.SEAT].notna()]
    return joined[list(n.PLAN_SEATS_COLUMNS)].reset_index(drop=True)


def _split_exact(frame: pd.DataFrame, group: list[str], totals: np.ndarray,
                 share: np.ndarray) -> np.ndarray:
    """Largest-remainder split in cents of each group's total by ``share``."""
    cents_total = np.round(totals * 100).astype(np.int64)
    raw = cents_total * share
    base = np.floor(raw).astype(np.int64)
    remainder = raw - base
    key = frame.groupby(group, sort=False).ngroup().to_numpy()
    missing = cents_total - pd.Series(base).groupby(key).transform("sum").to_numpy()
    order = pd.DataFrame({"key": key, "r": -remainder}).groupby("key")["r"].rank(
        method="first").to_numpy()
    extra = (order <= missing).astype(np.int64)
    return (base + extra) / 100.0
