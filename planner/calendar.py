"""Working-day calendar for the plan year: holidays, make-up days, ISO weeks.

A day is a working day when it is Monday to Friday and not a public holiday, or
when it is a make-up working day (China moves weekend days to make long holidays).
Public holidays and make-up days come from the ``holidays`` package; scenario
overrides come on top. Weeks are ISO weeks (Monday first); a week that straddles
the year boundary keeps only its days inside the year, and a week that straddles
a month is split by working days (``week_months``), so weeks sum to months and
months sum to the year exactly.

The ``holidays`` package silently extrapolates Chinese years it has no official
schedule for (lunar holidays by rule, no make-up days). Such a calendar is marked
``estimated`` and comes with a loud :class:`CalendarWarning`; it is never
presented as the schedule.

Examples
--------
>>> cal = build_calendar(2026, "CN")
>>> cal.estimated, int(cal.months["working_days"].sum())
(False, 248)
>>> cal.weeks.iloc[0]["week"]
'2026-W01'
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import holidays
import pandas as pd

from planner.errors import CalendarError
from planner.names import DATE, MONTH, WEEK, WEEK_START, WORKING_DAYS

# Column names of the calendar tables that names.py does not (yet) define.
WEEKDAY = "weekday"
IS_WORKING = "is_working"
IS_HOLIDAY = "is_holiday"
IS_MAKEUP = "is_makeup"
NAME = "name"
DAYS_IN_YEAR = "days_in_year"
SHARE = "share"

DAY_COLUMNS = (DATE, WEEKDAY, IS_WORKING, IS_HOLIDAY, IS_MAKEUP, NAME, WEEK, WEEK_START, MONTH)
WEEK_COLUMNS = (WEEK, WEEK_START, WORKING_DAYS, DAYS_IN_YEAR)
WEEK_MONTH_COLUMNS = (WEEK, WEEK_START, MONTH, WORKING_DAYS, SHARE)
MONTH_COLUMNS = (MONTH, WORKING_DAYS)

SCENARIO_HOLIDAY = "holiday (scenario)"
SCENARIO_WORKING_DAY = "working day (scenario)"
MAKEUP_NAME = "make-up working day"
MIN_YEAR, MAX_YEAR = 1900, 2200
# Countries whose official schedule includes make-up working days, so a year the
# package has no make-up days for is a guess. Others are rule-based: always known.
MAKEUP_COUNTRIES = frozenset({"CN"})
_SUBSTITUTED = re.compile(r"^Day off \(substituted", re.IGNORECASE)


class CalendarWarning(UserWarning):
    """The calendar is estimated, not the official schedule."""


@dataclass
class Calendar:
    """The plan year's working days by day, ISO week, week x month and month.

    Attributes
    ----------
    year : int
        Plan year.
    country : str
        Country code as used (upper case, e.g. ``"CN"``).
    days : DataFrame
        One row per day of the year: ``date`` (datetime64[ns]), ``weekday``
        (0 = Monday), ``is_working``, ``is_holiday``, ``is_makeup`` (a weekend day
        that is a working day), ``name`` (holiday or make-up name, ``""``
        otherwise), ``week`` (ISO label such as ``"2027-W05"``), ``week_start``
        (the week's Monday, datetime64[ns]), ``month`` (``"YYYY-MM"``).
    weeks : DataFrame
        One row per ISO week touching the year, in order: ``week``,
        ``week_start``, ``working_days`` and ``days_in_year`` (both counting only
        days inside the year).
    week_months : DataFrame
        One row per (week, month) pair of days inside the year: ``week``,
        ``week_start``, ``month``, ``working_days`` and ``share`` (the pair's part
        of the week's working days; 0.0 when the week has none).
    months : DataFrame
        ``month`` and ``working_days``, twelve rows.
    estimated : bool
        True when the schedule is the package's guess, not the official one.
    warnings : list of str
        Human-readable warnings (the estimated-schedule warning).
    """

    year: int
    country: str
    days: pd.DataFrame
    weeks: pd.DataFrame
    week_months: pd.DataFrame
    months: pd.DataFrame
    estimated: bool
    warnings: list[str] = field(default_factory=list)


def _country_code(country: object) -> str:
    """Return the upper-case code or raise CalendarError."""
    code = country.strip().upper() if isinstance(country, str) else ""
    if code and code in holidays.list_supported_countries():
        return code
    raise CalendarError(
        f"unknown calendar country {country!r}: use an ISO 3166 code supported by the "
        "holidays package, e.g. CN, US, GB, DE (full list: "
        "holidays.list_supported_countries())"
    )


def _source(code: str, years: Iterable[int]) -> holidays.HolidayBase:
    """Holidays of ``years`` for a validated country code, names in English."""
    try:
        return holidays.country_holidays(code, years=list(years), language="en_US")
    except NotImplementedError as exc:  # pragma: no cover - code already validated
        raise CalendarError(f"unknown calendar country {code!r}: {exc}") from exc


def _check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise CalendarError(
            f"calendar year {year!r} is not valid: use a whole year between "
            f"{MIN_YEAR} and {MAX_YEAR}, e.g. 2027"
        )
    return year


def _known(source: holidays.HolidayBase, year: int, code: str) -> bool:
    if code not in MAKEUP_COUNTRIES:
        return True
    if any(d.year == year for d in source.weekend_workdays):
        return True
    return any(
        d.year == year and _SUBSTITUTED.match(name) is not None
        for d in source
        for name in source.get_list(d)
    )


def schedule_is_known(year: int, country: str = "CN") -> bool:
    """Whether the ``holidays`` package knows the official schedule of ``year``.

    For China the package extrapolates years without an official notice: it
    knows a year iff it gives at least one make-up working day or one
    ``"Day off (substituted ...)"`` holiday in it. Other countries' holidays are
    rule-based and always count as known.

    Parameters
    ----------
    year : int
        Calendar year.
    country : str
        ISO 3166 country code supported by the ``holidays`` package.

    Returns
    -------
    bool

    Raises
    ------
    CalendarError
        Unknown country or invalid year.

    Examples
    --------
    >>> schedule_is_known(2026), schedule_is_known(2027), schedule_is_known(2027, "US")
    (True, False, True)
    """
    year = _check_year(year)
    code = _country_code(country)
    return _known(_source(code, [year]), year, code)


def _to_date(value: object, what: str) -> date:
    """Parse a date, datetime or ``YYYY-MM-DD`` string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CalendarError(
        f"{what}: {value!r} is not a date: write it as YYYY-MM-DD, e.g. '2027-10-08'"
    )


def _days(start: date, end: date, source: holidays.HolidayBase) -> pd.DataFrame:
    """Build the day table from ``start`` to ``end`` inclusive, vectorised."""
    dates = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D").as_unit("ns")
    weekday = pd.Series(dates.day_of_week, dtype="int64")
    named = {pd.Timestamp(d): n for d, n in source.items() if start <= d <= end}
    names = pd.Series(named, dtype=str).reindex(dates).reset_index(drop=True)
    is_holiday = names.notna()
    makeup = pd.DatetimeIndex([d for d in source.weekend_workdays if start <= d <= end])
    is_makeup = pd.Series(dates.isin(makeup.as_unit("ns"))) & (weekday >= 5) & ~is_holiday
    iso = dates.isocalendar().reset_index(drop=True)
    return pd.DataFrame(
        {
            DATE: dates,
            WEEKDAY: weekday,
            IS_WORKING: ((weekday < 5) & ~is_holiday) | is_makeup,
            IS_HOLIDAY: is_holiday,
            IS_MAKEUP: is_makeup,
            NAME: names.fillna("").mask(is_makeup, MAKEUP_NAME).astype(str),
            WEEK: (iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)),
            WEEK_START: dates - pd.to_timedelta(weekday.to_numpy(), unit="D"),
            MONTH: pd.Series(dates.strftime("%Y-%m"), dtype=str),
        }
    )


def day_table(start: date | str, end: date | str, country: str = "CN") -> pd.DataFrame:
    """Working-day flags for every day from ``start`` to ``end`` inclusive.

    Same columns as :attr:`Calendar.days`, over any range (history spans years).
    No scenario overrides and no estimated-schedule warning: meant for counting
    working days in history.

    Parameters
    ----------
    start, end : date or str
        First and last day (``YYYY-MM-DD`` strings accepted).
    country : str
        ISO 3166 country code supported by the ``holidays`` package.

    Returns
    -------
    DataFrame
        Columns :data:`DAY_COLUMNS`, one row per day.

    Raises
    ------
    CalendarError
        Unknown country, unparseable dates, or ``end`` before ``start``.

    Examples
    --------
    >>> t = day_table("2026-02-14", "2026-02-16")
    >>> t["is_working"].tolist(), t["is_makeup"].tolist()
    ([True, False, False], [True, False, False])
    """
    first = _to_date(start, "day_table start")
    last = _to_date(end, "day_table end")
    if last < first:
        raise CalendarError(f"day_table: end {last} is before start {first}: swap them")
    _check_year(first.year)
    _check_year(last.year)
    code = _country_code(country)
    return _days(first, last, _source(code, range(first.year, last.year + 1)))


def _overrides(
    year: int, extra_holidays: Iterable[date | str], extra_working_days: Iterable[date | str]
) -> tuple[set[date], set[date]]:
    """Parse and check the overrides; every problem reported in one CalendarError."""
    off = {_to_date(v, "extra_holidays") for v in extra_holidays}
    on = {_to_date(v, "extra_working_days") for v in extra_working_days}
    problems = [
        f"{what} date {d} is outside the plan year {year}: remove it or use a date "
        f"in {year}-01-01..{year}-12-31"
        for what, dates in (("extra_holidays", off), ("extra_working_days", on))
        for d in sorted(dates)
        if d.year != year
    ]
    problems += [
        f"date {d} is in both extra_holidays and extra_working_days: keep it in only one of them"
        for d in sorted(off & on)
    ]
    if len(problems) == 1:
        raise CalendarError(problems[0])
    if problems:
        raise CalendarError(
            f"{len(problems)} problems in calendar overrides:\n"
            + "\n".join(f"  {p}" for p in problems)
        )
    return off, on


def _apply_overrides(days: pd.DataFrame, off: set[date], on: set[date]) -> pd.DataFrame:
    days = days.copy()
    if off:
        mask = days[DATE].isin(pd.DatetimeIndex(sorted(off)).as_unit("ns"))
        days.loc[mask, [IS_WORKING, IS_MAKEUP]] = False
        days.loc[mask, IS_HOLIDAY] = True
        days.loc[mask, NAME] = SCENARIO_HOLIDAY
    if on:
        mask = days[DATE].isin(pd.DatetimeIndex(sorted(on)).as_unit("ns"))
        days.loc[mask, IS_WORKING] = True
        days.loc[mask, IS_HOLIDAY] = False
        days.loc[mask, IS_MAKEUP] = days.loc[mask, WEEKDAY] >= 5
        days.loc[mask, NAME] = SCENARIO_WORKING_DAY
    return days


def _rollups(days: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Weeks, week x month pairs and months from the day table."""
    work = days.assign(**{WORKING_DAYS: days[IS_WORKING].astype("int64")})
    weeks = (
        work.groupby([WEEK_START, WEEK], sort=True)
        .agg(**{WORKING_DAYS: (WORKING_DAYS, "sum"), DAYS_IN_YEAR: (DATE, "size")})
        .reset_index()
    )
    weeks = weeks.loc[:, list(WEEK_COLUMNS)].astype({WORKING_DAYS: "int64", DAYS_IN_YEAR: "int64"})
    pairs = work.groupby([WEEK_START, WEEK, MONTH], sort=True)[WORKING_DAYS].sum().reset_index()
    week_total = pairs.groupby(WEEK_START)[WORKING_DAYS].transform("sum")
    share = (pairs[WORKING_DAYS] / week_total.where(week_total > 0)).fillna(0.0)
    pairs = pairs.assign(**{SHARE: share.astype("float64")})
    pairs = pairs.loc[:, list(WEEK_MONTH_COLUMNS)].astype({WORKING_DAYS: "int64"})
    months = work.groupby(MONTH, sort=True)[WORKING_DAYS].sum().reset_index()
    months = months.astype({WORKING_DAYS: "int64"})
    return weeks, pairs, months


def estimated_message(year: int, country: str) -> str:
    """Return the warning text for an estimated (not official) schedule."""
    return (
        f"calendar {country} {year} is ESTIMATED: the holidays package has no official "
        f"{year} schedule for {country} (no make-up working days, holiday days guessed). "
        "Set [calendar] extra_holidays and extra_working_days in the scenario from the "
        "official notice, then official = true."
    )


def build_calendar(
    year: int,
    country: str = "CN",
    *,
    extra_holidays: Iterable[date | str] = (),
    extra_working_days: Iterable[date | str] = (),
    official: bool | None = None,
) -> Calendar:
    """Build the plan year's calendar.

    Parameters
    ----------
    year : int
        Plan year.
    country : str
        ISO 3166 country code supported by the ``holidays`` package.
    extra_holidays : iterable of date or str
        Days of ``year`` that become non-working (named ``"holiday (scenario)"``).
    extra_working_days : iterable of date or str
        Days of ``year`` that become working days (make-up days when on a weekend,
        named ``"working day (scenario)"``).
    official : bool or None
        True: the user vouches that the package plus the overrides give the
        official schedule (no warning). None or False: the package decides (see
        :func:`schedule_is_known`).

    Returns
    -------
    Calendar
        ``estimated`` is True, with a warning in ``warnings`` and a
        :class:`CalendarWarning` emitted, when the schedule is a guess.

    Raises
    ------
    CalendarError
        Unknown country, invalid year, an override outside the year, an
        unparseable override, or a date in both override lists.
    """
    year = _check_year(year)
    code = _country_code(country)
    off, on = _overrides(year, extra_holidays, extra_working_days)
    source = _source(code, [year])
    days = _apply_overrides(_days(date(year, 1, 1), date(year, 12, 31), source), off, on)
    weeks, week_months, months = _rollups(days)
    estimated = official is not True and not _known(source, year, code)
    notes: list[str] = []
    if estimated:
        notes.append(estimated_message(year, code))
        warnings.warn(notes[-1], CalendarWarning, stacklevel=2)
    return Calendar(
        year=year,
        country=code,
        days=days,
        weeks=weeks,
        week_months=week_months,
        months=months,
        estimated=estimated,
        warnings=notes,
    )
