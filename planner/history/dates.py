"""Checks on when the history happened: the plan year, stray dates and the window.

- History dated on or after the start of the plan year is refused: it is not history.
- A few sale dates far from all the others (more than :data:`GAP_DAYS` days, at most
  :data:`STRAY_SHARE` of the rows, in a history of at least :data:`MIN_ROWS` rows) are
  likely typos. Stray dates after the others are an error when the trailing window ends
  at the last sale (no ``window_end``): one typo such as ``2027-03-01`` would move the
  whole window and cut last year's sales. With a ``window_end`` they move nothing and
  only get a warning, as do stray dates before the others.
- A trailing window the history does not fill (one week of history for a 12-month
  window) gets a loud :class:`~planner.errors.DataWarning` naming the days covered:
  last year's baselines, and every target built on them, count only those days. The
  history counts in whole months (from the first sale's month to the last sale's), as
  the default window ends with the last sale's month: a history that starts on the
  first working day of a month, or a last month cut short, is not warned about.

Warnings are returned as text (for the load report) and emitted by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from planner.baselines.window import trailing_window
from planner.history.checks import Collector
from planner.scenario.schema import default

GAP_DAYS = 45
STRAY_SHARE = 0.01
MIN_ROWS = 20
MAX_TRAILING_MONTHS = 1200
LISTED_ROWS = 5

PLAN_YEAR = ("is on or after {start}, the start of the plan year {year}; history must "
             "end before the plan starts; fix the date, remove the row, or plan a later "
             "year ([calendar] year in the scenario)")
STRAY_LATE = ("is {gap:,} days after every other sale (the rest end {last}), likely a "
              "typo: as the last sale it would move the trailing window to {start} to "
              "{end} and leave out the sales before {start}; fix the date, remove the row, "
              "or set [data] window_end in the scenario to keep the window in place")
STRAY_LATE_KEPT = ("{file}: {n} sale{s} dated {span} ({rows}) {lie} at least {gap:,} days "
                   "after every other sale (the rest end {last}), likely a typo; window_end "
                   "{end} keeps the trailing window in place; check the date{s}")
STRAY_EARLY = ("{file}: {n} sale{s} dated {span} ({rows}) {lie} at least {gap:,} days "
               "before every other sale (the rest start {first}), likely a typo; check the date{s}")
SHORT_WINDOW = ("{file}: the history covers only {days:,} day{s} ({first} to {last}) of "
                "the {months}-month trailing window {start} to {end}; last year's "
                "baselines, and every target built on them, count only those days; add "
                "the missing history, or set [data] trailing_months (and window_end) to "
                "the months the history covers")


@dataclass(frozen=True)
class PlanDates:
    """What the plan needs of the history's dates.

    Attributes
    ----------
    plan_start : date or None
        First day of the plan year (None: not checked).
    window_end : date or None
        Last day of the trailing window (None: the end of the last sale's month).
    trailing_months : int
        Length of the trailing window in months.
    """

    plan_start: date | None = None
    window_end: date | None = None
    trailing_months: int = default("data", "trailing_months")


def check_plan_year(dates: pd.Series, raw: pd.Series, column: str, plan_start: date | None,
                    col: Collector) -> None:
    """Flag dates on or after ``plan_start`` (no check when it is None)."""
    if plan_start is None:
        return
    start = pd.Timestamp(plan_start)
    col.flag(column, dates >= start, raw,
             PLAN_YEAR.format(start=f"{start:%Y-%m-%d}", year=start.year))


@dataclass(frozen=True)
class Strays:
    """Sale dates far from all the others.

    Attributes
    ----------
    early, late : Series of bool
        Rows dated far before / after all the others.
    first, last : Timestamp or None
        First and last date of the other rows (None without dates).
    """

    early: pd.Series
    late: pd.Series
    first: pd.Timestamp | None
    last: pd.Timestamp | None


def find_strays(dates: pd.Series) -> Strays:
    """Find the stray dates of a sales table (see the module docstring).

    Examples
    --------
    >>> days = pd.Series(pd.date_range("2026-01-01", periods=30).append(
    ...     pd.DatetimeIndex(["2026-09-01"])))
    >>> strays = find_strays(days)
    >>> int(strays.late.sum()), int(strays.early.sum()), f"{strays.last:%Y-%m-%d}"
    (1, 0, '2026-01-30')
    """
    none = pd.Series(False, index=dates.index)
    known = dates.dropna()
    if known.empty:
        return Strays(none, none, None, None)
    late_from, early_to = stray_days(known.value_counts().sort_index())
    late = dates >= late_from if late_from is not None else none
    early = dates <= early_to if early_to is not None else none
    rest = known[~(late | early).loc[known.index]]
    return Strays(early.fillna(False), late.fillna(False), rest.min(), rest.max())


def stray_days(counts: pd.Series) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first late stray day and the last early one, from the rows per day.

    ``counts`` is indexed by day, in order. None when there is no such stray (or too
    few rows to tell). Shared by the pandas loader and the Spark one, which counts the
    rows per day on the engine.
    """
    days = counts.index
    total = int(counts.sum())
    if total < MIN_ROWS or len(days) < 2:
        return None, None
    gaps = np.flatnonzero(np.diff(days.to_numpy()) > np.timedelta64(GAP_DAYS, "D"))
    limit = max(1, int(STRAY_SHARE * total))
    before = counts.cumsum().to_numpy()
    late = next((days[i + 1] for i in gaps if total - before[i] <= limit), None)
    early = next((days[i] for i in gaps[::-1] if before[i] <= limit), None)
    return late, early


def check_strays(dates: pd.Series, raw: pd.Series, column: str, when: PlanDates,
                 col: Collector) -> tuple[Strays, list[str]]:
    """Flag stray late dates that would move the window; return warnings for the others."""
    strays = find_strays(dates)
    notes = []
    if strays.late.any() and strays.last is not None:
        last = strays.last
        if when.window_end is None:
            months = min(max(when.trailing_months, 1), MAX_TRAILING_MONTHS)

            def message(i: object) -> str:
                start, end = trailing_window(dates.loc[i], None, months)
                return STRAY_LATE.format(gap=(dates.loc[i] - last).days, last=_day(last),
                                         start=_day(start), end=_day(end))

            col.flag(column, strays.late, raw, message)
        else:
            notes.append(STRAY_LATE_KEPT.format(
                **_listed(dates, strays.late, col.file), last=_day(last),
                gap=(dates[strays.late].min() - last).days, end=_day(when.window_end)))
    if strays.early.any() and strays.first is not None:
        notes.append(STRAY_EARLY.format(**_listed(dates, strays.early, col.file),
                                        first=_day(strays.first),
                                        gap=(strays.first - dates[strays.early].max()).days))
    return strays, notes


def window_warning(strays: Strays, when: PlanDates, file: str) -> str | None:
    """Return the warning for a trailing window the history does not fill, or None."""
    first, last = strays.first, strays.last
    months = when.trailing_months
    if first is None or last is None or not 1 <= months <= MAX_TRAILING_MONTHS:
        return None
    try:
        start, end = trailing_window(last, when.window_end, months)
    except ValueError:  # a window_end out of pandas' range: the scenario's checks say so
        return None
    covered_from = max(first.to_period("M").start_time, start)
    covered_to = min(last + pd.offsets.MonthEnd(0), end)
    within_from, within_to = max(first, start), min(last, end)
    if within_from > within_to or (covered_from <= start and covered_to >= end):
        return None
    days = (within_to - within_from).days + 1
    return SHORT_WINDOW.format(file=file, days=days, s="s" if days != 1 else "",
                               first=_day(within_from), last=_day(within_to), months=months,
                               start=_day(start), end=_day(end))


def _listed(dates: pd.Series, mask: pd.Series, file: str) -> dict[str, object]:
    """Return the message fields describing the rows of ``mask``."""
    rows = [int(i) + 2 for i in mask.index[mask.to_numpy(dtype=bool)]]
    shown = ", ".join(map(str, rows[:LISTED_ROWS]))
    more = f" and {len(rows) - LISTED_ROWS:,} more" if len(rows) > LISTED_ROWS else ""
    picked = dates[mask]
    span = (_day(picked.min()) if picked.min() == picked.max()
            else f"{_day(picked.min())} to {_day(picked.max())}")
    one = len(rows) == 1
    return {"file": file, "n": len(rows), "s": "" if one else "s", "span": span,
            "rows": f"row{'' if one else 's'} {shown}{more}", "lie": "lies" if one else "lie"}


def _day(value: date | pd.Timestamp) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}"
