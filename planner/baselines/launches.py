"""Products launched inside the trailing window: their history made a full year.

A product is *launched* inside the window when it was first sold (in all the history)
in a later month than both the window's first month and the company's first month
of history. Its baseline is annualised rather than cut short: the months of the window
before its first sale are filled at the product's level on the rest of the company's
months,

``level = sales since launch / (rest of the company's sales since launch)``,
``month m = level x rest of the company's sales in m``,

and the launch month itself gets the part before the first sale likewise (by working
days). The product so keeps its own size and its own months after launch, and is
planned in every month. A declared selling window (products file) limits the months
filled, so a product that opens its season in its first declared month is not a launch.
Windows longer than twelve months add up calendar months across years, so launches are
only filled in windows of at most twelve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import names as n
from planner.baselines.seasons import MonthGrid


@dataclass(frozen=True)
class Launch:
    """One launched product: where it sits in the grid and what its months get.

    Attributes
    ----------
    row : int
        The product's row in the grid.
    first_sale : Timestamp
        Its first sale.
    filled : ndarray
        Amount added per month of the grid (0 in the months it sold in).
    """

    row: int
    first_sale: pd.Timestamp
    filled: np.ndarray

    def months(self, grid: MonthGrid) -> tuple[int, ...]:
        """Calendar months that were filled, in window order."""
        return tuple(int(m) for m, f in zip(grid.months, self.filled, strict=True) if f > 0)


def _declared(products: pd.DataFrame, product: str, months: np.ndarray) -> np.ndarray:
    """Months inside the product's declared selling window (all when none is declared)."""
    row = products.loc[product]
    lo, hi = row[n.SELL_FROM_MONTH], row[n.SELL_TO_MONTH]
    if pd.isna(lo) or pd.isna(hi):
        return np.ones(len(months), dtype=bool)
    lo, hi = int(lo), int(hi)
    return (months >= lo) & (months <= hi) if lo <= hi else (months >= lo) | (months <= hi)


def _after(days: pd.DataFrame, first_sale: pd.Timestamp, first_day: np.datetime64) -> float:
    """Share of the launch month's working days in the window from the first sale on."""
    day = pd.to_datetime(days[n.DATE])
    month = day.dt.to_period("M") == first_sale.to_period("M")
    working = days["is_working"].astype(bool) & month & (day >= pd.Timestamp(first_day))
    total = int(working.sum())
    return float((working & (day >= first_sale)).sum() / total) if total else 1.0


def find_launches(grid: MonthGrid, amount: np.ndarray, history: pd.DataFrame,
                  products: pd.DataFrame, days: pd.DataFrame, window_months: int) -> list[Launch]:
    """Every product launched inside the window, with the months its history gets.

    Parameters
    ----------
    grid : MonthGrid
        The window's product months (raw amounts: the rest of the company).
    amount : ndarray
        The products' months to annualise (one-off spikes already normalised).
    history : DataFrame
        ``product, month_start, n_rows`` over all history up to the window's end.
    products : DataFrame
        Indexed by product: ``first_sale``, ``sell_from_month``, ``sell_to_month``
        (declared).
    days : DataFrame
        ``date, is_working`` over the window (at least).
    window_months : int
        Months the window spans (more than the grid's columns: calendar months repeat).

    Returns
    -------
    list of Launch
    """
    sold = history.loc[history["n_rows"] > 0]
    if window_months > len(grid.months) or len(grid.months) < 2 or sold.empty:
        return []
    first_month = pd.to_datetime(sold.groupby(n.PRODUCT)["month_start"].min())
    opens = max(pd.Timestamp(grid.first_days[0]).to_period("M").start_time,
                first_month.min())
    column = {m: j for j, m in enumerate(grid.first_days.astype("datetime64[M]"))}
    row = {p: i for i, p in enumerate(grid.products)}
    rest = grid.amount.sum(axis=0) - grid.amount
    out = []
    for product, month in first_month.loc[first_month > opens].items():
        i, j = row.get(str(product)), column.get(np.datetime64(month, "M"))
        first_sale = pd.Timestamp(products.at[product, "first_sale"])
        if i is None or j is None or pd.isna(first_sale) or amount[i].sum() <= 0:
            continue
        inside = _declared(products, product, grid.months)
        before = (np.arange(len(grid.months)) < j) & inside
        share = _after(days, first_sale, grid.first_days[j])
        seen = rest[i, j + 1:][inside[j + 1:]].sum() + share * rest[i, j]
        if not before.any() or seen <= 0:
            continue
        level = amount[i].sum() / seen
        filled = np.where(before, level * rest[i], 0.0)
        filled[j] = level * (1.0 - share) * rest[i, j] if inside[j] else 0.0
        out.append(Launch(i, first_sale, np.clip(filled, 0.0, None)))
    return out
