"""Seasonal peaks in last year's product months, told apart from candidate one-offs.

A product's *usual month* is the median rate per working day over the months of the
trailing window in which it sold (positive net amount). A month above
:data:`SPIKE_MONTH_RATIO` x the usual month is a *spike month*. With the months next to
it that are above :data:`PEAK_RATIO` x the usual month (consecutive calendar months;
December and January are neighbours when the window covers all twelve) it makes one
*peak*: a Christmas season of September to December is one peak, however its months
rank. A peak is *seasonal*, and kept as it is, when something besides the product
itself shows the same season:

* **it recurs**: one of its calendar months was a peak month of the product in an
  earlier year of the history (above :data:`PEAK_RATIO` x that year's usual month);
* **the company's season**: one of its months is a peak month of the rest of the
  company (every other product together, above :data:`PEAK_RATIO` x its usual month);
* **the group's season**: likewise for the rest of the product's margin tier.

A peak with none of these is a *candidate one-off*: :mod:`planner.baselines.spikes` applies the
scenario's ``[baselines] spikes`` policy to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import names as n

SPIKE_MONTH_RATIO = 3.0
PEAK_RATIO = 1.5
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
               "Dec")
#: Columns of :func:`find_peaks`.
PEAK_COLUMNS = (n.PRODUCT, "months", "run", "ratio", "support", "seasonal")


def month_list(months: object) -> str:
    """Calendar month numbers as names: ``(9, 10, 11)`` -> ``'Sep, Oct, Nov'``."""
    return ", ".join(MONTH_NAMES[int(m) - 1] for m in months)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class MonthGrid:
    """Each product's amounts over the window's calendar months, in window order.

    Attributes
    ----------
    products : list of str
        Row labels.
    tiers : ndarray
        Margin tier of each product.
    months : ndarray
        Calendar month numbers (1..12), as the window runs.
    first_days : ndarray
        First day of each month's part in the window (datetime64).
    working_days : ndarray
        Working days of each month in the window.
    amount : ndarray
        Products x months, net amounts.
    """

    products: list[str]
    tiers: np.ndarray
    months: np.ndarray
    first_days: np.ndarray
    working_days: np.ndarray
    amount: np.ndarray

    @classmethod
    def of(cls, product_months: pd.DataFrame, tiers: pd.Series) -> MonthGrid:
        """Build from the baselines' ``product_months`` and each product's tier."""
        order = product_months.drop_duplicates(n.MONTH).sort_values("first_day")
        wide = product_months.pivot(index=n.PRODUCT, columns=n.MONTH, values=n.AMOUNT)
        wide = wide.reindex(columns=order[n.MONTH]).fillna(0.0)
        products = [str(p) for p in wide.index]
        return cls(products, tiers.reindex(wide.index).fillna("standard").to_numpy(),
                   order[n.MONTH].to_numpy(int), order["first_day"].to_numpy("datetime64[D]"),
                   order[n.WORKING_DAYS].to_numpy(float), wide.to_numpy(float))

    @property
    def cyclic(self) -> bool:
        """Whether the window covers all twelve months (December meets January)."""
        return len(self.months) == 12

    def rates(self, amount: np.ndarray | None = None) -> np.ndarray:
        """Amounts per working day (NaN in a month without working days)."""
        amount = self.amount if amount is None else amount
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.working_days > 0, amount / self.working_days, np.nan)


def usual_month(rates: np.ndarray) -> np.ndarray:
    """Median of each row's positive rates (NaN for a row without any)."""
    masked = np.where(rates > 0, rates, np.nan)
    out = np.full(masked.shape[0], np.nan)
    some = np.isfinite(masked).any(axis=1)
    out[some] = np.nanmedian(masked[some], axis=1)
    return out


def peak_months(rates: np.ndarray, ratio: float = PEAK_RATIO) -> np.ndarray:
    """Per row, the months above ``ratio`` x the row's usual month."""
    usual = usual_month(rates)
    with np.errstate(invalid="ignore"):
        return (rates > 0) & (rates >= ratio * usual[:, None])


def runs(flags: np.ndarray, cyclic: bool) -> list[list[int]]:
    """Runs of consecutive true positions; the last joins the first when ``cyclic``.

    Examples
    --------
    >>> runs(np.array([True, False, True, True]), cyclic=True)
    [[2, 3, 0]]
    >>> runs(np.array([True, False, True, True]), cyclic=False)
    [[0], [2, 3]]
    """
    out: list[list[int]] = []
    current: list[int] = []
    for i, flag in enumerate(flags):
        if flag:
            current.append(i)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    if cyclic and len(out) > 1 and out[0][0] == 0 and out[-1][-1] == len(flags) - 1:
        out[0] = out.pop() + out[0]
    return out


def months_before(month_start: pd.Series, window_start: pd.Timestamp) -> np.ndarray:
    """How many months each month starts before the window's first month (0: that month).

    Examples
    --------
    >>> months_before(pd.Series(pd.to_datetime(["2010-11-01", "2011-12-01"])),
    ...               pd.Timestamp("2011-12-15")).tolist()
    [13, 0]
    """
    start = pd.to_datetime(month_start)
    return (window_start.year * 12 + window_start.month
            - (start.dt.year * 12 + start.dt.month)).to_numpy(int)


def earlier_peaks(history: pd.DataFrame, window_start: pd.Timestamp) -> pd.DataFrame:
    """Peak months of each product in the years of history before the window.

    Parameters
    ----------
    history : DataFrame
        ``product, month_start, in_window, amount, working_days`` over all history
        (``queries/product_history.sql``).
    window_start : Timestamp
        First day of the trailing window; earlier year *k* is the 12 months ending
        ``12 (k - 1)`` months before the window's first month.

    Returns
    -------
    DataFrame
        ``product, month (1..12), month_start``: one row per earlier peak month.
    """
    old = history.loc[~history["in_window"].astype(bool)]
    back = months_before(old["month_start"], window_start)
    old = old.loc[back >= 1].assign(year=(back[back >= 1] - 1) // 12)
    old["rate"] = old[n.AMOUNT] / old[n.WORKING_DAYS].where(old[n.WORKING_DAYS] > 0)
    positive = old["rate"].where(old["rate"] > 0)
    usual = positive.groupby([old[n.PRODUCT], old["year"]]).transform("median")
    peaks = old.loc[old["rate"].gt(0) & old["rate"].ge(PEAK_RATIO * usual)]
    return pd.DataFrame({n.PRODUCT: peaks[n.PRODUCT].astype(str),
                         n.MONTH: pd.to_datetime(peaks["month_start"]).dt.month,
                         "month_start": pd.to_datetime(peaks["month_start"])})


def _others(grid: MonthGrid) -> tuple[np.ndarray, np.ndarray | None]:
    """Peak months of the rest of the company and of the rest of the tier, per product.

    The tier is left out (None) when every product is in one tier: it is the company.
    """
    company = peak_months(grid.rates(grid.amount.sum(axis=0) - grid.amount))
    if len(set(grid.tiers)) < 2:
        return company, None
    labels, index = np.unique(grid.tiers.astype(str), return_inverse=True)
    totals = np.vstack([grid.amount[index == k].sum(axis=0) for k in range(len(labels))])
    return company, peak_months(grid.rates(totals[index] - grid.amount))


def _support(grid: MonthGrid, i: int, run: list[int], company: np.ndarray,
             tier: np.ndarray | None, recurring: dict[int, list[pd.Timestamp]]) -> str:
    """Why the run is seasonal, in words ("" when nothing supports it)."""
    parts = []
    again = sorted({stamp for j in run for stamp in recurring.get(int(grid.months[j]), [])})
    if again:
        parts.append("recurs: a peak in " + ", ".join(f"{s:%b %Y}" for s in again))
    for label, flags in (("the rest of the company", company),
                         (f"the rest of tier {grid.tiers[i]}", tier)):
        hit = [int(grid.months[j]) for j in run if flags is not None and flags[i, j]]
        if hit:
            verb = "is a peak month" if len(hit) == 1 else "are peak months"
            parts.append(f"{month_list(hit)} {verb} of {label}")
    return "; ".join(parts)


def find_peaks(grid: MonthGrid, earlier: pd.DataFrame) -> pd.DataFrame:
    """Every peak with a spike month, seasonal or not (see the module docstring).

    Parameters
    ----------
    grid : MonthGrid
        The window's product months.
    earlier : DataFrame
        :func:`earlier_peaks`.

    Returns
    -------
    DataFrame
        ``product, months`` (the spike months, tuple of calendar months), ``run`` (the
        peak's months), ``ratio`` (highest spike month over the usual month),
        ``support`` (why it is seasonal, "" for none) and ``seasonal``.
    """
    rates = grid.rates()
    usual = usual_month(rates)
    with np.errstate(invalid="ignore"):
        elevated = (rates > 0) & (rates >= PEAK_RATIO * usual[:, None])
        spike = (rates > 0) & (rates > SPIKE_MONTH_RATIO * usual[:, None])
    company, tier = _others(grid)
    recurring: dict[str, dict[int, list[pd.Timestamp]]] = {}
    for product, month, stamp in earlier[[n.PRODUCT, n.MONTH, "month_start"]].itertuples(
            index=False):
        recurring.setdefault(product, {}).setdefault(int(month), []).append(stamp)
    rows = []
    for i in np.flatnonzero(spike.any(axis=1)):
        product = grid.products[i]
        for run in runs(elevated[i], grid.cyclic):
            spikes = [j for j in run if spike[i, j]]
            if not spikes:
                continue
            support = _support(grid, int(i), run, company, tier, recurring.get(product, {}))
            rows.append((product, tuple(int(grid.months[j]) for j in spikes),
                         tuple(int(grid.months[j]) for j in run),
                         float(max(rates[i, j] for j in spikes) / usual[i]), support,
                         bool(support)))
    return pd.DataFrame(rows, columns=list(PEAK_COLUMNS))
