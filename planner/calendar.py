"""Working-day calendar for the plan year: holidays, make-up days, ISO weeks.

A day is a working day when it is Monday to Friday and not a public holiday, or
when it is a make-up working day (China moves weekend days to make long holidays).
Public holidays and make-up days come from the ``holidays`` package; scenario
overrides come on top. Weeks are ISO weeks (Monday first); a week that straddles
the year boundary keeps only its days inside the year, and a week that straddles
a month is split by working days (``week_months``), so weeks sum to months and
months sum to the year exactly.

A country may be narrowed to a subdivision (``GB`` with ``ENG`` for England, also
written ``"GB-ENG"``, ISO 3166-2 style): its regional holidays (Easter Monday and the
Summer bank holiday in England) are added.

The ``holidays`` package silently extrapolates years it has no official data for. The
calendar is **official** only when the package's data for that country and subdivision
is official for the year (:func:`official_status`):

* the year lies within the years the package covers for the country;
* a country that moves days by decree (China's make-up working days, Russia's
  transfers: the package has substituted days for some years) is official only from
  the first to the last year with published substitutions; outside that span the
  package guesses (lunar holidays by rule, no make-up days);
* the package does not warn while computing the year (India: "Requested Holidays are
  available only from 2001 to 2035.");
* no holiday of the year carries the package's "estimated" label (lunar or Islamic
  dates computed beyond the package's tables).

Otherwise the calendar is marked ``estimated`` and comes with a loud
:class:`CalendarWarning` saying why; it is never presented as the schedule.

Examples
--------
>>> cal = build_calendar(2026, "CN")
>>> cal.estimated, int(cal.months["working_days"].sum())
(False, 248)
>>> cal.weeks.iloc[0]["week"]
'2026-W01'
>>> england = build_calendar(2013, "GB", subdivision="ENG")
>>> england.region, england.estimated, int(england.days["is_working"].sum())
('GB-ENG', False, 253)
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
REGION_SEPARATOR = "-"  # "GB-ENG": country and subdivision, ISO 3166-2 style


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
    subdivision : str or None
        Subdivision code as used (e.g. ``"ENG"``), None for the whole country.
    basis : str
        Why the calendar is official or estimated, in words.
    """

    year: int
    country: str
    days: pd.DataFrame
    weeks: pd.DataFrame
    week_months: pd.DataFrame
    months: pd.DataFrame
    estimated: bool
    warnings: list[str] = field(default_factory=list)
    subdivision: str | None = None
    basis: str = ""

    @property
    def region(self) -> str:
        """``country`` or ``country-subdivision`` (e.g. ``"GB-ENG"``)."""
        return region_code(self.country, self.subdivision)

    @property
    def status(self) -> str:
        """``"official"`` or ``"ESTIMATED"`` (what a summary's calendar line says)."""
        return "ESTIMATED" if self.estimated else "official"


def region_code(country: str, subdivision: str | None) -> str:
    """Return ``country`` or ``country-subdivision``.

    Examples
    --------
    >>> region_code("GB", "ENG"), region_code("CN", None)
    ('GB-ENG', 'CN')
    """
    return f"{country}{REGION_SEPARATOR}{subdivision}" if subdivision else country


def _country_code(country: object, shown: object = None) -> str:
    """Return the upper-case code or raise CalendarError (naming ``shown``)."""
    code = country.strip().upper() if isinstance(country, str) else ""
    if code and code in holidays.list_supported_countries():
        return code
    raise CalendarError(
        f"unknown calendar country {country if shown is None else shown!r}: use an ISO 3166 "
        "code supported by the holidays package, e.g. CN, US, GB, DE (full list: "
        "holidays.list_supported_countries())"
    )


def subdivisions(country: str) -> dict[str, str]:
    """Return the subdivisions the ``holidays`` package knows for ``country``.

    Returns
    -------
    dict of str to str
        Code -> code, plus each alias (e.g. ``"England"``) -> its code.

    Raises
    ------
    CalendarError
        Unknown country.

    Examples
    --------
    >>> subdivisions("GB")["England"]
    'ENG'
    """
    code = _country_code(country)
    out = {s: s for s in holidays.list_supported_countries()[code]}
    aliases = getattr(type(holidays.country_holidays(code)), "subdivisions_aliases", {})
    out |= {str(alias): str(sub) for alias, sub in aliases.items()}
    return out


def subdivision_problem(country: str, subdivision: object) -> str | None:
    """Return why ``subdivision`` is not one of ``country``'s, or None when it is.

    The text follows the value (``'XYZ' is not ...``) and lists the valid codes.

    Examples
    --------
    >>> subdivision_problem("GB", "England") is None
    True
    >>> subdivision_problem("GB", "XYZ")
    "'XYZ' is not a subdivision of GB in the holidays package: use one of ENG, NIR, SCT, WLS"
    """
    code = _country_code(country)
    known = subdivisions(code)
    if isinstance(subdivision, str) and _match(subdivision, known) is not None:
        return None
    codes = holidays.list_supported_countries()[code]
    if not codes:
        return (f"{subdivision!r} is not a subdivision of {code}: the holidays package has "
                f"none for {code}; remove the subdivision")
    return (f"{subdivision!r} is not a subdivision of {code} in the holidays package: use "
            f"one of {', '.join(codes)}")


def _match(subdivision: str, known: dict[str, str]) -> str | None:
    """The code ``subdivision`` names (exact, then ignoring case), or None."""
    text = subdivision.strip()
    if text in known:
        return known[text]
    folded = {k.casefold(): v for k, v in known.items()}
    return folded.get(text.casefold())


def calendar_region(country: str, subdivision: str | None = None) -> str:
    """Return the validated calendar code: ``"GB"``, or ``"GB-ENG"`` with a subdivision.

    Raises
    ------
    CalendarError
        Unknown country, or a subdivision the package does not know for it.

    Examples
    --------
    >>> calendar_region("gb", "england"), calendar_region("CN")
    ('GB-ENG', 'CN')
    """
    return region_code(*_region(country, subdivision))


def _region(country: object, subdivision: object = None) -> tuple[str, str | None]:
    """Return the validated (country, subdivision) of ``"GB"`` + ``"ENG"`` or ``"GB-ENG"``.

    Raises
    ------
    CalendarError
        Unknown country, or a subdivision the package does not know for it.
    """
    shown = country
    if isinstance(country, str) and REGION_SEPARATOR in country and subdivision is None:
        country, _, subdivision = country.partition(REGION_SEPARATOR)
    code = _country_code(country, shown)
    if subdivision is None:
        return code, None
    problem = subdivision_problem(code, subdivision)
    if problem is not None:
        raise CalendarError(f"unknown calendar subdivision: {problem}")
    return code, _match(str(subdivision), subdivisions(code))


def _source(code: str, years: Iterable[int], subdivision: str | None = None
            ) -> holidays.HolidayBase:
    """Holidays of ``years`` for a validated country (and subdivision), names in English."""
    source, _ = _source_and_warnings(code, years, subdivision)
    return source


def _source_and_warnings(code: str, years: Iterable[int], subdivision: str | None = None
                         ) -> tuple[holidays.HolidayBase, list[str]]:
    """:func:`_source` and what the package warned while computing the years."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            source = holidays.country_holidays(code, subdiv=subdivision, years=list(years),
                                               language="en_US")
        except NotImplementedError as exc:  # pragma: no cover - code already validated
            raise CalendarError(f"unknown calendar country {code!r}: {exc}") from exc
    # only the package runs in the block; its UserWarnings are about its data
    # (deprecations are DeprecationWarnings, not UserWarnings)
    told = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    return source, list(dict.fromkeys(told))


def _check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise CalendarError(
            f"calendar year {year!r} is not valid: use a whole year between "
            f"{MIN_YEAR} and {MAX_YEAR}, e.g. 2027"
        )
    return year


def _entries(value: object) -> tuple[tuple[object, ...], ...]:
    """A special-holidays entry as a tuple of tuples (one holiday may stand alone)."""
    if isinstance(value, tuple) and value and not isinstance(value[0], tuple):
        return (value,)
    return tuple(value) if isinstance(value, tuple | list) else ()


def decree_years(source: holidays.HolidayBase) -> tuple[int, int] | None:
    """First and last year with days moved by decree in the package, or None.

    A country whose holidays move by yearly decree (China's make-up working days,
    Russia's transfers) has "substituted" days in the package for the years whose
    notice was published; other countries are computed by rule.

    Examples
    --------
    >>> decree_years(holidays.country_holidays("CN"))[0]
    2001
    >>> decree_years(holidays.country_holidays("US")) is None
    True
    """
    if not getattr(source, "has_substituted_holidays", False):
        return None
    special = getattr(source, "special_public_holidays", {}) or {}
    years = [int(y) for y, v in special.items() if any(len(e) >= 4 for e in _entries(v))]
    return (min(years), max(years)) if years else None


def _estimated_names(source: holidays.HolidayBase, year: int) -> list[str]:
    """Holiday names of ``year`` that carry the package's "estimated" label."""
    patterns = []
    for attr in ("estimated_label", "observed_estimated_label"):
        label = getattr(source, attr, None)
        if isinstance(label, str) and "%s" in label:
            text = source.tr(label)
            patterns.append(re.compile(
                "^" + ".+".join(re.escape(part) for part in text.split("%s")) + "$"))
    return sorted({name for day in source if day.year == year for name in source.get_list(day)
                   if any(p.match(name) for p in patterns)})


def official_status(source: holidays.HolidayBase, year: int, region: str,
                    package_warnings: Iterable[str] = ()) -> str | None:
    """Return why the package's data for ``year`` is not official, or None when it is.

    Parameters
    ----------
    source : HolidayBase
        The package's holidays of the country (and subdivision), ``year`` included.
    year : int
        Calendar year.
    region : str
        ``country`` or ``country-subdivision``, for the text.
    package_warnings : iterable of str
        What the package warned while computing the year (India: "Requested Holidays
        are available only from 2001 to 2035.").

    Returns
    -------
    str or None
        A clause such as ``"the holidays package has no official 2027 schedule for CN
        (no make-up working days, holiday days guessed)"``.
    """
    first = int(getattr(type(source), "start_year", MIN_YEAR))
    last = int(getattr(type(source), "end_year", MAX_YEAR))
    if not first <= year <= last:
        return (f"the holidays package covers {region} only for {first}..{last}, so no "
                f"{year} holidays are known")
    span = decree_years(source)
    if span is not None and not span[0] <= year <= span[1]:
        return (f"the holidays package has no official {year} schedule for {region} (no "
                "make-up working days, holiday days guessed)")
    told = [w.strip().rstrip(".") for w in package_warnings if w.strip()]
    if told:
        return f"the holidays package warns for {region} {year}: {'; '.join(told)}"
    guessed = _estimated_names(source, year)
    if guessed:
        shown = ", ".join(repr(n) for n in guessed[:3])
        more = f" and {len(guessed) - 3} more" if len(guessed) > 3 else ""
        return (f"the holidays package estimates {len(guessed)} holiday "
                f"name{'s' if len(guessed) != 1 else ''} of {year} for {region} "
                f"({shown}{more}), pending the official dates")
    return None


def schedule_is_known(year: int, country: str = "CN", subdivision: str | None = None) -> bool:
    """Whether the ``holidays`` package's data for ``year`` is official.

    See :func:`official_status`: within the years the package covers, for a country
    whose days move by decree only in the years with published substitutions (China:
    make-up working days), and with no holiday dates the package marks as estimated.

    Parameters
    ----------
    year : int
        Calendar year.
    country : str
        ISO 3166 country code supported by the ``holidays`` package (or
        ``"country-subdivision"``).
    subdivision : str, optional
        A subdivision of the country in the package (e.g. ``"ENG"`` for GB).

    Returns
    -------
    bool

    Raises
    ------
    CalendarError
        Unknown country or subdivision, or invalid year.

    Examples
    --------
    >>> schedule_is_known(2026), schedule_is_known(2027), schedule_is_known(2027, "US")
    (True, False, True)
    """
    year = _check_year(year)
    code, sub = _region(country, subdivision)
    source, told = _source_and_warnings(code, [year], sub)
    return official_status(source, year, region_code(code, sub), told) is None


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


def day_table(start: date | str, end: date | str, country: str = "CN",
              subdivision: str | None = None) -> pd.DataFrame:
    """Working-day flags for every day from ``start`` to ``end`` inclusive.

    Same columns as :attr:`Calendar.days`, over any range (history spans years).
    No scenario overrides and no estimated-schedule warning: meant for counting
    working days in history.

    Parameters
    ----------
    start, end : date or str
        First and last day (``YYYY-MM-DD`` strings accepted).
    country : str
        ISO 3166 country code supported by the ``holidays`` package, or
        ``"country-subdivision"`` (``"GB-ENG"``).
    subdivision : str, optional
        A subdivision of the country in the package (e.g. ``"ENG"`` for GB).

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
    code, sub = _region(country, subdivision)
    return _days(first, last, _source(code, range(first.year, last.year + 1), sub))


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


def estimated_message(year: int, country: str, reason: str | None = None) -> str:
    """Return the warning text for an estimated (not official) schedule.

    ``reason`` is a clause from :func:`official_status` (default: no official schedule).
    """
    reason = reason or (f"the holidays package has no official {year} schedule for "
                        f"{country} (no make-up working days, holiday days guessed)")
    return (
        f"calendar {country} {year} is ESTIMATED: {reason}. "
        "Set [calendar] extra_holidays and extra_working_days in the scenario from the "
        "official notice, then official = true."
    )


def build_calendar(
    year: int,
    country: str = "CN",
    *,
    subdivision: str | None = None,
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
        ISO 3166 country code supported by the ``holidays`` package, or
        ``"country-subdivision"`` (``"GB-ENG"``).
    subdivision : str, optional
        A subdivision of the country in the package (``"ENG"``, or its name
        ``"England"``); its regional holidays are added.
    extra_holidays : iterable of date or str
        Days of ``year`` that become non-working (named ``"holiday (scenario)"``).
    extra_working_days : iterable of date or str
        Days of ``year`` that become working days (make-up days when on a weekend,
        named ``"working day (scenario)"``).
    official : bool or None
        True: the user vouches that the package plus the overrides give the
        official schedule (no warning). None or False: the package decides (see
        :func:`official_status`).

    Returns
    -------
    Calendar
        ``estimated`` is True, with a warning in ``warnings`` and a
        :class:`CalendarWarning` emitted, when the schedule is a guess.

    Raises
    ------
    CalendarError
        Unknown country or subdivision, invalid year, an override outside the year,
        an unparseable override, or a date in both override lists.
    """
    year = _check_year(year)
    code, sub = _region(country, subdivision)
    region = region_code(code, sub)
    off, on = _overrides(year, extra_holidays, extra_working_days)
    source, told = _source_and_warnings(code, [year], sub)
    days = _apply_overrides(_days(date(year, 1, 1), date(year, 12, 31), source), off, on)
    weeks, week_months, months = _rollups(days)
    reason = official_status(source, year, region, told)
    estimated = official is not True and reason is not None
    notes: list[str] = []
    if estimated:
        notes.append(estimated_message(year, region, reason))
        warnings.warn(notes[-1], CalendarWarning, stacklevel=2)
        basis = f"ESTIMATED: {reason}"
    elif reason is not None:
        basis = f"official: vouched for by the scenario (official = true); {reason}"
    else:
        basis = f"official: the holidays package's data for {region} {year}"
    return Calendar(
        year=year,
        country=code,
        days=days,
        weeks=weeks,
        week_months=week_months,
        months=months,
        estimated=estimated,
        warnings=notes,
        subdivision=sub,
        basis=basis,
    )
