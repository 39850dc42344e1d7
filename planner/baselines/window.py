"""The trailing window the baselines read: the last months before the plan."""

from __future__ import annotations

from datetime import date

import pandas as pd


def trailing_window(last_sale: date | pd.Timestamp, window_end: date | None,
                    months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the trailing window ``(start, end)``, both inclusive.

    Parameters
    ----------
    last_sale : date
        Date of the last sale; the default end is the end of its month.
    window_end : date or None
        Last day of the window, taken as given.
    months : int
        Window length in months.

    Examples
    --------
    >>> [str(d.date()) for d in trailing_window(date(2026, 10, 9), None, 12)]
    ['2025-11-01', '2026-10-31']
    """
    if months < 1:
        raise ValueError(f"trailing_months must be at least 1, not {months}")
    if window_end is None:
        end = pd.Timestamp(last_sale).normalize() + pd.offsets.MonthEnd(0)
    else:
        end = pd.Timestamp(window_end).normalize()
    return end + pd.Timedelta(days=1) - pd.DateOffset(months=months), end
