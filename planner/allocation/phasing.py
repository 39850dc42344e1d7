"""Phasing: each product's path over the (week, month) slots of the plan year.

The path follows the product's seasonality (per working day, from last year) times
the working days of each slot, times the scenario's event multipliers; slots outside
the product's selling window get nothing, as do slots without working days. A week that
straddles two months is split between them by working days (:func:`by_working_days`).
Each product's path sums to 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names as n
from planner.scenario.values import Event


def slots_of(week_months: pd.DataFrame) -> pd.DataFrame:
    """The plan's slots: (week, month) parts with at least one working day, in order.

    Parameters
    ----------
    week_months : DataFrame
        Calendar ``week_months``: ``week, week_start, month, working_days, share``.

    Returns
    -------
    DataFrame
        ``slot`` (0..), ``week, week_start, month, month_num, working_days``.
    """
    slots = week_months.loc[week_months[n.WORKING_DAYS] > 0,
                            [n.WEEK, n.WEEK_START, n.MONTH, n.WORKING_DAYS]].copy()
    slots = slots.sort_values([n.WEEK_START, n.MONTH], kind="stable").reset_index(drop=True)
    slots["month_num"] = slots[n.MONTH].str[-2:].astype(int)
    slots.insert(0, "slot", np.arange(len(slots)))
    return slots


def event_factors(slots: pd.DataFrame, days: pd.DataFrame, products: list[str],
                  events: tuple[Event, ...]) -> np.ndarray:
    """Multiplier per product x slot: ``1 + (m - 1) x`` share of the slot's days in the event."""
    factors = np.ones((len(products), len(slots)))
    if not events:
        return factors
    working = days.loc[days["is_working"].astype(bool), [n.DATE, n.WEEK, n.MONTH]]
    key = working[n.WEEK] + "|" + working[n.MONTH]
    slot_of = dict(zip(slots[n.WEEK] + "|" + slots[n.MONTH], slots["slot"], strict=True))
    slot_ids = key.map(slot_of).to_numpy()
    totals = np.bincount(slot_ids, minlength=len(slots)).astype(float)
    for event in events:
        inside = ((working[n.DATE] >= pd.Timestamp(event.start))
                  & (working[n.DATE] <= pd.Timestamp(event.end))).to_numpy()
        share = np.bincount(slot_ids[inside], minlength=len(slots)) / np.maximum(totals, 1)
        for i, product in enumerate(products):
            if event.products == ("*",) or product in event.products:
                factors[i] *= 1.0 + (event.multiplier - 1.0) * share
    return factors


def by_working_days(weeks: np.ndarray, weight: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Re-split each week's total weight over its (week, month) parts by working days.

    A week that straddles two months keeps its total (from the seasonality of both
    months) but is cut between them by their working days, as the plan must be.

    Parameters
    ----------
    weeks : ndarray of int
        Week code of each slot.
    weight : ndarray of float
        Weight of each slot.
    days : ndarray of float
        Working days of each slot that count (0 outside the selling window).

    Returns
    -------
    ndarray of float
        Weights with the same week totals, each week's parts in proportion to ``days``.

    Examples
    --------
    >>> by_working_days(np.array([0, 1, 1]), np.array([5.0, 3.0, 0.0]),
    ...                 np.array([5.0, 3.0, 2.0])).round(6).tolist()
    [5.0, 1.8, 1.2]
    """
    k = int(weeks.max()) + 1 if len(weeks) else 0
    week_weight = np.bincount(weeks, weights=weight, minlength=k)
    week_days = np.bincount(weeks, weights=days, minlength=k)
    share = np.divide(days, week_days[weeks], out=np.zeros(len(days)),
                      where=week_days[weeks] > 0)
    return week_weight[weeks] * share


def product_paths(slots: pd.DataFrame, products: pd.DataFrame, seasonality: pd.DataFrame,
                  factors: np.ndarray) -> pd.DataFrame:
    """Share of each product's year in each slot.

    Parameters
    ----------
    slots : DataFrame
        :func:`slots_of`.
    products : DataFrame
        ``product, sell_from_month, sell_to_month``.
    seasonality : DataFrame
        ``product, month (1..12), seasonality`` (index per working day of the baselines'
        normal year, seasonal peaks kept; NaN = no data).
    factors : ndarray
        Event multipliers, products x slots.

    Returns
    -------
    DataFrame
        ``product, slot, share`` for slots in the product's window; shares sum to 1.
    """
    season = seasonality.pivot_table(index=n.PRODUCT, columns=n.MONTH, values="seasonality",
                                     aggfunc="first")
    frames = []
    month_num = slots["month_num"].to_numpy()
    week_codes = pd.factorize(slots[n.WEEK])[0]
    wd = slots[n.WORKING_DAYS].to_numpy(float)
    for i, row in enumerate(products.itertuples(index=False)):
        product = getattr(row, n.PRODUCT)
        lo, hi = getattr(row, n.SELL_FROM_MONTH), getattr(row, n.SELL_TO_MONTH)
        lo = 1 if pd.isna(lo) else int(lo)
        hi = 12 if pd.isna(hi) else int(hi)
        inside = (month_num >= lo) & (month_num <= hi) if lo <= hi else (
            (month_num >= lo) | (month_num <= hi))
        index = np.ones(12)
        if product in season.index:  # the normal year's: one-off spikes already cut
            values = season.loc[product].reindex(range(1, 13)).to_numpy(float)
            mean = np.nanmean(values) if np.isfinite(values).any() else 1.0
            index = np.where(np.isfinite(values), values, mean)
            index = np.where(index > 0, index, 0.0)
        weight = by_working_days(week_codes, index[month_num - 1] * wd * factors[i] * inside,
                                 wd * inside)
        if weight.sum() <= 0:
            weight = wd * inside
        if weight.sum() <= 0:
            continue
        frames.append(pd.DataFrame({n.PRODUCT: product, "slot": slots["slot"].to_numpy()[inside],
                                    "share": (weight / weight.sum())[inside]}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=[n.PRODUCT, "slot", "share"])
