"""The plan year's week parts and which of them are closed at an as-of date.

A plan row is one week part: an ISO week, or its part in one month when the week
straddles two months (``plan.csv``: ``week, week_start, month``). Its days run from
the later of the week's Monday and the month's first day to the earlier of the week's
Sunday and the month's last day. A week part is *closed* when its last day is on or
before the as-of date: its actuals are final, and a re-plan freezes it.

Examples
--------
>>> plan = pd.DataFrame({"week": ["2026-W27", "2026-W27"],
...                      "week_start": ["2026-06-29", "2026-06-29"],
...                      "month": ["2026-06", "2026-07"]})
>>> parts = week_parts(plan)
>>> parts[["month", "first_day", "last_day"]].astype(str).values.tolist()
[['2026-06', '2026-06-29', '2026-06-30'], ['2026-07', '2026-07-01', '2026-07-05']]
>>> closed_mask(parts, date(2026, 6, 30)).tolist()
[True, False]
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from planner import names as n

FIRST_DAY, LAST_DAY = "first_day", "last_day"


def week_parts(plan: pd.DataFrame) -> pd.DataFrame:
    """Every week part of a plan, in calendar order.

    Parameters
    ----------
    plan : DataFrame
        Rows with ``week, week_start, month`` (``plan.csv``).

    Returns
    -------
    DataFrame
        ``week, week_start, month, first_day, last_day`` (Timestamps), one row per part.
    """
    parts = plan[[n.WEEK, n.WEEK_START, n.MONTH]].drop_duplicates([n.WEEK, n.MONTH])
    parts = parts.assign(**{n.WEEK_START: pd.to_datetime(parts[n.WEEK_START])})
    month_start = pd.to_datetime(parts[n.MONTH] + "-01")
    month_end = month_start + pd.offsets.MonthEnd(0)
    week_end = parts[n.WEEK_START] + pd.Timedelta(days=6)
    parts[FIRST_DAY] = np.maximum(parts[n.WEEK_START], month_start)
    parts[LAST_DAY] = np.minimum(week_end, month_end)
    return parts.sort_values([FIRST_DAY, n.WEEK], kind="stable").reset_index(drop=True)


def closed_mask(parts: pd.DataFrame, as_of: date) -> np.ndarray:
    """Whether each week part ended on or before ``as_of``."""
    return (parts[LAST_DAY] <= pd.Timestamp(as_of)).to_numpy(bool)


def month_end(month: str) -> pd.Timestamp:
    """Last day of a ``YYYY-MM`` month.

    Examples
    --------
    >>> f"{month_end('2026-02'):%Y-%m-%d}"
    '2026-02-28'
    """
    return pd.Timestamp(f"{month}-01") + pd.offsets.MonthEnd(0)


def closed_end(parts: pd.DataFrame, as_of: date) -> pd.Timestamp | None:
    """Last day of the last closed week part (None when none is closed)."""
    closed = parts.loc[closed_mask(parts, as_of), LAST_DAY]
    return None if closed.empty else pd.Timestamp(closed.max())
