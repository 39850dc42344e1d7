"""Split each team's monthly targets over its seats, exactly, in whole units.

Each seat's share of its team's month is its capacity weight in that month (grade
productivity x ramp x attrition x working days while active). The team's month is split
in whole quanta (units of a fixed-ticket product, cents of a variable-ticket one) with
the largest-remainder rule (:mod:`planner.whole_units`), so seats sum exactly to the team.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names as n
from planner.whole_units import UnitPrices, split_groups

QUANTA = "quanta"


def split_to_seats(team_month: pd.DataFrame, seat_month: pd.DataFrame,
                   prices: UnitPrices) -> pd.DataFrame:
    """Per-seat monthly targets summing exactly (in whole quanta) to the team's.

    Parameters
    ----------
    team_month : DataFrame
        ``team, product, month, quanta`` (whole quanta of the team's month).
    seat_month : DataFrame
        ``seat, team, grade, month, weight``.
    prices : UnitPrices
        The quantum and unit price of each product.

    Returns
    -------
    DataFrame
        ``seat, team, grade, product, month, amount, units``: whole units of fixed-ticket
        products, cents of the others; seats not on board in a month (weight 0) get
        nothing, unless no seat of the team is, when the month is spread evenly.
    """
    joined = team_month.merge(seat_month, on=[n.TEAM, n.MONTH], how="left")
    joined["weight"] = joined["weight"].fillna(0.0)
    group = [n.TEAM, n.PRODUCT, n.MONTH]
    total = joined.groupby(group)["weight"].transform("sum")
    joined = joined.loc[(joined["weight"] > 0) | (total <= 0)].reset_index(drop=True)
    codes = joined.groupby(group, sort=False).ngroup().to_numpy()
    first = np.full(int(codes.max()) + 1 if len(codes) else 0, -1, np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    totals = joined[QUANTA].to_numpy(np.int64)[first]
    counts = split_groups(joined["weight"].to_numpy(float), codes, totals)
    joined[n.AMOUNT] = prices.amount(joined[n.PRODUCT], counts)
    joined[n.UNITS] = prices.units(joined[n.PRODUCT], counts)
    joined = joined.loc[joined[n.SEAT].notna()]
    return joined[list(n.PLAN_SEATS_COLUMNS)].reset_index(drop=True)
