"""Split each team's monthly targets over its seats, exactly, in whole units.

Each seat's share of its team's month is its capacity weight in that month (grade
productivity x ramp x attrition x working days while active). The team's month is split
in whole quanta (units of a fixed-ticket product, cents of a variable-ticket one) with
the largest-remainder rule (:mod:`planner.whole_units`), so seats sum exactly to the team.

The team months are joined to their seats on integer codes (a team of 400 has a million
seat rows): the rows and their order are those of a pandas left merge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import names as n
from planner.grouping import KeyCodes, first_rows, group_sums
from planner.whole_units import UnitPrices, product_positions, split_groups

QUANTA = "quanta"


@dataclass(frozen=True)
class _Joined:
    """Rows of ``team_month`` left-joined to ``seat_month`` on team and month.

    Attributes
    ----------
    left : ndarray of int
        Each joined row's row in ``team_month``.
    right : ndarray of int
        Its row in ``seat_month`` (-1: the team has no seat that month).
    """

    left: np.ndarray
    right: np.ndarray


def _left_join(team_month: KeyCodes, seat_month: KeyCodes, rows: int) -> _Joined:
    """``team_month.merge(seat_month, on=[team, month], how="left")``'s rows, as positions.

    Each of the ``rows`` team-month rows in order, followed by its team's seat rows of
    that month in ``seat_month``'s order (one row without a seat when there are none).
    """
    months = len(team_month.values[n.MONTH])
    key_l = team_month.codes[n.TEAM] * months + team_month.codes[n.MONTH]
    team_r = team_month.values[n.TEAM].get_indexer(seat_month.values[n.TEAM])
    month_r = team_month.values[n.MONTH].get_indexer(seat_month.values[n.MONTH])
    team_r, month_r = team_r[seat_month.codes[n.TEAM]], month_r[seat_month.codes[n.MONTH]]
    key_r = np.where((team_r >= 0) & (month_r >= 0), team_r * months + month_r, -1)
    order = np.argsort(key_r, kind="stable")
    sorted_keys = key_r[order]
    lo = np.searchsorted(sorted_keys, key_l, side="left")
    matches = np.searchsorted(sorted_keys, key_l, side="right") - lo
    per_row = np.maximum(matches, 1)
    left = np.repeat(np.arange(rows, dtype=np.int64), per_row)
    offset = np.arange(len(left), dtype=np.int64) - np.repeat(np.cumsum(per_row) - per_row,
                                                              per_row)
    found = np.repeat(matches, per_row) > 0
    right = np.full(len(left), -1, np.int64)
    right[found] = order[np.repeat(lo, per_row)[found] + offset[found]]
    return _Joined(left, right)


def _on_board(weight: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """Rows kept: a seat with weight, or every row of a group whose weights sum to <= 0."""
    if (weight >= 0).all():  # a sum of non-negative weights is > 0 iff one of them is
        any_weight = np.bincount(group, weights=weight > 0, minlength=groups) > 0
        return (weight > 0) | ~any_weight[group]
    total = group_sums(weight, group, groups)
    return (weight > 0) | (total[group] <= 0)


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
    team_keys = KeyCodes.of(team_month, [n.TEAM, n.PRODUCT, n.MONTH])
    seat_keys = KeyCodes.of(seat_month, [n.TEAM, n.MONTH, n.SEAT, n.GRADE])
    joined = _left_join(team_keys, seat_keys, len(team_month))
    seated = joined.right >= 0
    weight = np.zeros(len(joined.left))
    weight[seated] = seat_month["weight"].to_numpy(float)[joined.right[seated]]
    weight = np.nan_to_num(weight, nan=0.0, posinf=np.inf, neginf=-np.inf)
    group_of_row = team_keys.first_seen([n.TEAM, n.PRODUCT, n.MONTH])
    groups = int(group_of_row.max()) + 1 if len(group_of_row) else 0
    group = group_of_row[joined.left]
    keep = _on_board(weight, group, groups)
    left, right, weight, group = (joined.left[keep], joined.right[keep], weight[keep],
                                  group[keep])
    first = first_rows(group, groups)
    totals = team_month[QUANTA].to_numpy(np.int64)[left[first[first >= 0]]]
    present = np.cumsum(first >= 0) - 1  # groups renumbered over those left
    counts = split_groups(weight, present[group], totals)
    at = product_positions(prices, team_keys)[left]
    amount = prices.amount_at(at, counts)
    units = prices.units_at(at, counts)
    seat_rows = np.where(right >= 0, right, 0)
    has_seat = (right >= 0) & seat_month[n.SEAT].notna().to_numpy()[seat_rows]
    left, seat_rows = left[has_seat], seat_rows[has_seat]
    out = {n.SEAT: _take(seat_keys, n.SEAT, seat_rows),
           n.TEAM: _take(team_keys, n.TEAM, left),
           n.GRADE: _take(seat_keys, n.GRADE, seat_rows),
           n.PRODUCT: _take(team_keys, n.PRODUCT, left),
           n.MONTH: _take(team_keys, n.MONTH, left),
           n.AMOUNT: amount[has_seat], n.UNITS: units[has_seat]}
    return pd.DataFrame(out)[list(n.PLAN_SEATS_COLUMNS)]


def _take(keys: KeyCodes, column: str, rows: np.ndarray) -> pd.Series:
    """A coded column's values at ``rows`` (from its distinct values: no text copied twice)."""
    return pd.Series(keys.values[column].take(keys.codes[column][rows]), name=column)
