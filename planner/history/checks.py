"""Checks on loaded tables that collect :class:`planner.errors.Problem` objects.

Every check is vectorised and adds problems to a :class:`Collector`, which lists at most
:data:`MAX_ROWS` rows per kind of problem in a column and then one summary line, so a
file with a million bad rows still gives a readable report. A cell is reported once: the
first problem found in it (it is not a number, say) hides the later ones (it is not
positive). Row numbers are spreadsheet-style (header = row 1): frame index + 2.

Accepted values, checked on load:

- numbers are finite; amounts, margins, tickets, units and aum lie within
  ±:data:`MAX_VALUE` (1e15), customer counts (stock, new, attrition) between 0 and
  :data:`MAX_COUNT` (1e10); aum and tickets are not negative;
- dates lie between :data:`FIRST_DATE` (1990-01-01) and :data:`LAST_DATE` (2100-12-31);
  a seat's start and end dates from :data:`FIRST_SEAT_DATE` (1950-01-01), as people
  may have joined long before the history begins.

Checks on a file's columns are in :mod:`planner.history.headers`; checks on when the history
happened (the plan year, stray dates, the window) in :mod:`planner.history.dates`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner import names
from planner.errors import Problem

MAX_ROWS = 20
MAX_VALUE = 1e15
MAX_COUNT = 1e10
FIRST_DATE = pd.Timestamp("1990-01-01")
FIRST_SEAT_DATE = pd.Timestamp("1950-01-01")
LAST_DATE = pd.Timestamp("2100-12-31")
DATE_UNIT = "datetime64[us]"
DATE_COLUMNS = (names.DATE, names.START_DATE, names.END_DATE)
MONTH_COLUMNS = (names.MONTH,)
NUMBER_COLUMNS = (
    names.AMOUNT, names.UNITS, names.MARGIN, names.FIXED_TICKET, names.SELL_FROM_MONTH,
    names.SELL_TO_MONTH, names.STOCK, names.NEW, names.ATTRITION, names.AUM,
)
REQUIRED = {
    "sales": names.SALES_REQUIRED,
    "seats": names.SEATS_REQUIRED,
    "products": names.PRODUCTS_REQUIRED,
    "customers": names.CUSTOMERS_REQUIRED,
}

NOT_A_NUMBER = "is not a number; expected a number like 1234.5"
NOT_FINITE = "is not a finite number; expected a number like 1234.5"
TOO_LARGE = ("is above {limit}, the largest {what} accepted; fix the value (a typo, or "
             "the wrong unit?)")
TOO_SMALL = ("is below -{limit}, the smallest {what} accepted; fix the value (a typo, or "
             "the wrong unit?)")
BELOW_ZERO = "is negative; a {what} cannot be below 0; fix the row"
DATE_RANGE = "is outside the accepted dates {first} to {last}; fix the date"
END_DATE_RANGE = DATE_RANGE + ", or leave it empty while the seat is active"
NEGATIVE_TICKET = ("is negative; a ticket size is a positive amount; fix it, or leave it "
                   "empty for a variable ticket")
ALL_UNITS_ZERO = ("is 0 in every row, so no amount per unit (ticket) can be computed; fix "
                  "the column, or leave units out (unmapped) so each row counts as one unit")
NOT_A_MONTH = "is not a month; expected a month like 2026-03"
MISSING = "value is missing; fill it in or remove the row"
NEGATIVE = ("is negative; mark returns in the mapping ([sales.options] returns = true) "
            "or fix the row")
UNKNOWN = "is not a {what} in {file}; add it to {file} or fix the row"
DUPLICATE = "is a duplicate of row {first}; keep one row per {key}"
GRADE_MISSING = "value is missing; give every seat a grade (use 'all' when grades are not used)"
END_BEFORE_START = ("is before the start date {start!r}; fix the dates, or leave it empty "
                    "while the seat is active")
TICKET_MODE = "is not a ticket mode; use fixed or variable"
FIXED_TICKET = ("must be a positive number when ticket_mode is fixed; enter the ticket size "
                "or set ticket_mode to variable")
MARGIN_TIER = "is not a margin tier; use high, standard or low"
SELL_MONTH = "is not a month number; use 1 to 12, or leave it empty for all year"
SECOND_TEAM = ("gives seat {seat!r} a second team (row {first} has {team!r}); give each seat "
               "one team, or provide a seats file")
SECOND_TEAM_NAME = ("gives team {team!r} a second name (row {first} has {name!r}); give each "
                    "team one name")
MORE_ROWS = "and {n:,} more row{s} with the same problem"


@dataclass(frozen=True)
class Range:
    """The accepted values of a number column.

    Attributes
    ----------
    low : float or None
        The smallest value (None: down to ``-high``; negative amounts and units are
        checked apart, as returns the mapping may allow).
    high : float
        The largest value.
    what : str
        What the column holds, for messages.
    """

    low: float | None
    high: float
    what: str


RANGES = {
    names.AMOUNT: Range(None, MAX_VALUE, "amount"),
    names.UNITS: Range(None, MAX_VALUE, "number of units"),
    names.MARGIN: Range(None, MAX_VALUE, "margin"),
    names.FIXED_TICKET: Range(None, MAX_VALUE, "ticket size"),
    names.STOCK: Range(0.0, MAX_COUNT, "customer count"),
    names.NEW: Range(0.0, MAX_COUNT, "customer count"),
    names.ATTRITION: Range(0.0, MAX_COUNT, "customer count"),
    names.AUM: Range(0.0, MAX_VALUE, "value of assets (aum)"),
}


def missing_message(table: str, column: str) -> str:
    """Return the message for a missing required value in ``column``."""
    if table == "sales":
        return (f"value is missing; fill it in, remove the row, or drop such rows in the "
                f"mapping ([sales.options] drop_missing = [\"{column}\"])")
    return MISSING


def date_message(table: str, fmt: str | None) -> str:
    """Return the message for an unparsable date (with the expected form)."""
    if fmt is None:
        return (f"is not a date; expected a date like 2026-03-31, or set date_format in "
                f"the mapping's [{table}.options]")
    example = pd.Timestamp("2026-03-31").strftime(fmt)
    return f"is not a date; expected a date like {example} (date_format {fmt!r})"


@dataclass
class Collector:
    """Problems found in one file.

    Attributes
    ----------
    file : str
        The file's name as the user knows it.
    labels : dict of str to str
        Canonical column -> the column's name in the user's file (or expression).
    problems : list of Problem
        Problems found so far.
    flagged : dict of str to Index
        Column name -> rows already reported in it (a cell is reported once).
    """

    file: str
    labels: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    flagged: dict[str, pd.Index] = field(default_factory=dict)

    def label(self, column: str) -> str:
        """Return the user's name of canonical ``column``."""
        return self.labels.get(column, column)

    def whole(self, message: str) -> None:
        """Add a problem about the whole file."""
        self.problems.append(Problem(self.file, None, None, None, message))

    def column(self, column: str, message: str) -> None:
        """Add a problem about a whole column (``column`` as the user's file names it)."""
        self.problems.append(Problem(self.file, None, column, None, message))

    def flag(self, column: str, mask: pd.Series, values: pd.Series | None,
             message: str | Callable[[Any], str], *, label: str | None = None) -> None:
        """Add one problem per row where ``mask`` is true (at most :data:`MAX_ROWS`).

        Rows already reported in the same column are skipped.

        Parameters
        ----------
        column : str
            Canonical column (its user label is shown), unless ``label`` is given.
        mask : Series of bool
            Rows with the problem, indexed like the raw frame.
        values : Series or None
            The values to show (None: no value).
        message : str or callable
            Text after the value, or a function of the row's index label returning it.
        label : str, optional
            Column name to show instead of the canonical column's label.
        """
        name = label or self.label(column)
        rows = mask.index[mask.to_numpy(dtype=bool, na_value=False)]
        done = self.flagged.get(name)
        if done is not None:
            rows = rows[~rows.isin(done)]
        if len(rows) == 0:
            return
        self.flagged[name] = rows if done is None else done.append(rows)
        for i in rows[:MAX_ROWS]:
            value = None if values is None else plain(values.loc[i])
            text = message if isinstance(message, str) else message(i)
            self.problems.append(Problem(self.file, int(i) + 2, name, value, text))
        if len(rows) > MAX_ROWS:
            n = len(rows) - MAX_ROWS
            more = MORE_ROWS.format(n=n, s="s" if n > 1 else "")
            self.problems.append(Problem(self.file, None, name, None, more))


def plain(value: Any) -> Any:
    """Return ``value`` as a plain Python object for messages (NaN/NA -> None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat() if value != value.normalize() else str(value.date())
    return value.item() if isinstance(value, np.generic) else value


def present(raw: pd.Series) -> pd.Series:
    """Return a mask of cells that hold a value (not missing, not blank text)."""
    mask = raw.notna()
    if raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype):
        mask &= raw.astype("str").str.strip().ne("")
    return mask


def to_text(raw: pd.Series) -> pd.Series:
    """Return ``raw`` as stripped text (``str`` dtype), blanks as missing."""
    if pd.api.types.is_float_dtype(raw.dtype):
        whole = raw.dropna()
        if (whole == np.floor(whole)).all():
            raw = raw.astype("Int64")
    text = raw.astype("str").str.strip()
    return text.where(present(raw) & text.ne(""))


def to_numbers(raw: pd.Series, col: Collector, column: str, label: str | None = None
               ) -> pd.Series:
    """Parse numbers; flag cells that hold something else or are not finite.

    Returns float64, with NaN where a cell is not a finite number.
    """
    if pd.api.types.is_bool_dtype(raw.dtype):
        raw = raw.astype("str")
    if pd.api.types.is_numeric_dtype(raw.dtype):
        numbers = raw.astype("float64")
    else:
        numbers = pd.to_numeric(raw.astype("str").str.strip(), errors="coerce"
                                ).astype("float64")
        col.flag(column, numbers.isna() & present(raw), raw, NOT_A_NUMBER, label=label)
    infinite = np.isinf(numbers)
    col.flag(column, infinite, raw, NOT_FINITE, label=label)
    return numbers.mask(infinite)


def to_dates(raw: pd.Series, col: Collector, column: str, message: str,
             fmt: str | None = None, *, month: bool = False) -> pd.Series:
    """Parse dates (ISO 8601 unless ``fmt``); flag unparsable cells. Returns datetime64.

    Dates outside :data:`FIRST_DATE` (:data:`FIRST_SEAT_DATE` for a seat's dates) ..
    :data:`LAST_DATE` are flagged and returned as NaT.
    """
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        dates = raw
    else:
        text = raw.astype("str").str.strip()
        try:
            dates = pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce")
        except ValueError:  # mixed time zones: compare in UTC
            dates = pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce", utc=True)
        col.flag(column, dates.isna() & present(raw), raw, message)
    dates = dates.dt.tz_localize(None) if dates.dt.tz is not None else dates
    dates = dates.astype(DATE_UNIT).dt.normalize()
    first = FIRST_SEAT_DATE if column in (names.START_DATE, names.END_DATE) else FIRST_DATE
    outside = (dates < first) | (dates > LAST_DATE)
    text = END_DATE_RANGE if column == names.END_DATE else DATE_RANGE
    col.flag(column, outside, raw, text.format(first=f"{first:%Y-%m-%d}",
                                               last=f"{LAST_DATE:%Y-%m-%d}"))
    dates = dates.mask(outside)
    if month:
        dates = dates - pd.to_timedelta(dates.dt.day - 1, unit="D")
    return dates


def check_required_values(raw_present: dict[str, pd.Series], table: str,
                          col: Collector) -> None:
    """Flag missing values in the table's required columns (seats' grade has its own text)."""
    for column in REQUIRED[table]:
        if column in raw_present:
            message = GRADE_MISSING if column == names.GRADE else missing_message(table, column)
            col.flag(column, ~raw_present[column], None, message)


def check_duplicates(frame: pd.DataFrame, keys: list[str], col: Collector, raw: pd.Series,
                     key_name: str, extra: pd.Series | None = None) -> None:
    """Flag rows whose key repeats an earlier row's key, naming that first row.

    ``extra`` (e.g. the segment of a customers row) is shown in the message when the key
    has two columns.
    """
    sub = frame[keys].dropna()
    later = sub.duplicated(keep="first")
    if not later.any():
        return
    position = pd.Series(sub.index, index=sub.index)
    first = position.groupby([sub[k] for k in keys], sort=False).transform("min")

    def message(i: Any) -> str:
        text = DUPLICATE.format(first=int(first.loc[i]) + 2, key=key_name)
        if extra is None:
            return text
        return f"with {extra.name} {plain(extra.loc[i])!r} {text}"

    col.flag(keys[0], later.reindex(frame.index, fill_value=False), raw, message)


def check_ranges(frame: pd.DataFrame, raws: dict[str, pd.Series], col: Collector) -> None:
    """Flag numbers outside their column's :data:`RANGES`.

    The sign of amounts and units is :func:`check_negative`'s (the mapping may allow
    returns).
    """
    for column, accepted in RANGES.items():
        if column not in frame or column not in raws:
            continue
        values, raw = frame[column], raws[column]
        if accepted.low is not None:
            col.flag(column, values < accepted.low, raw, BELOW_ZERO.format(what=accepted.what))
        limit = f"1e{round(np.log10(accepted.high))}"
        col.flag(column, values > accepted.high, raw,
                 TOO_LARGE.format(limit=limit, what=accepted.what))
        col.flag(column, values < -accepted.high, raw,
                 TOO_SMALL.format(limit=limit, what=accepted.what))


def check_some_units(units: pd.Series, label: str, col: Collector) -> None:
    """Refuse a units column that is 0 in every row (tickets would be infinite)."""
    known = units.dropna()
    if len(known) and known.eq(0).all():
        col.column(label, ALL_UNITS_ZERO)


def check_negative(values: pd.Series, raw: pd.Series, column: str, col: Collector) -> None:
    """Flag negative values (returns not allowed by the mapping)."""
    col.flag(column, values < 0, raw, NEGATIVE)


def check_known(values: pd.Series, known: pd.Index, what: str, other_file: str,
                raw: pd.Series, column: str, col: Collector) -> None:
    """Flag values that are not in ``known`` (seats of seats.csv, products of ...)."""
    unknown = values.notna() & ~values.isin(known)
    col.flag(column, unknown, raw, UNKNOWN.format(what=what, file=other_file))


def check_seats(seats: pd.DataFrame, raws: dict[str, pd.Series], col: Collector) -> None:
    """Check a seats table: end dates not before start dates."""
    start, end = seats[names.START_DATE], seats[names.END_DATE]
    start_raw = raws.get(names.START_DATE, start)
    col.flag(names.END_DATE, end < start, raws.get(names.END_DATE, end),
             lambda i: END_BEFORE_START.format(start=plain(start_raw.loc[i])))


def check_products(products: pd.DataFrame, raws: dict[str, pd.Series], col: Collector) -> None:
    """Check a products table: ticket modes, fixed tickets, margin tiers, sell months."""
    mode = products[names.TICKET_MODE]
    col.flag(names.TICKET_MODE, mode.notna() & ~mode.isin(names.TICKET_MODES),
             raws.get(names.TICKET_MODE), TICKET_MODE)
    ticket = products[names.FIXED_TICKET]
    bad_ticket = mode.eq("fixed") & ~(ticket > 0)
    col.flag(names.FIXED_TICKET, bad_ticket, raws.get(names.FIXED_TICKET), FIXED_TICKET)
    col.flag(names.FIXED_TICKET, ticket < 0, raws.get(names.FIXED_TICKET), NEGATIVE_TICKET)
    tier = products[names.MARGIN_TIER]
    col.flag(names.MARGIN_TIER, tier.notna() & ~tier.isin(names.MARGIN_TIERS),
             raws.get(names.MARGIN_TIER), MARGIN_TIER)
    for column in (names.SELL_FROM_MONTH, names.SELL_TO_MONTH):
        month = products[column]
        bad = month.notna() & ~(month.between(1, 12) & (month == np.floor(month)))
        col.flag(column, bad, raws.get(column), SELL_MONTH)


def check_one_team(seat: pd.Series, team: pd.Series, raw: pd.Series, col: Collector) -> None:
    """Flag sales rows that give a seat another team than the seat's first row."""
    pair = pd.DataFrame({"seat": seat, "team": team}).dropna()
    by_seat = pair.groupby("seat", sort=False)
    first_team = by_seat["team"].transform("first")
    position = pd.Series(pair.index, index=pair.index)
    first_row = position.groupby(pair["seat"], sort=False).transform("first")
    bad = pair["team"].ne(first_team).reindex(seat.index, fill_value=False)
    col.flag(names.TEAM, bad, raw, lambda i: SECOND_TEAM.format(
        seat=pair.loc[i, "seat"], first=int(first_row.loc[i]) + 2, team=first_team.loc[i]))


def check_team_names(seats: pd.DataFrame, raws: dict[str, pd.Series], col: Collector) -> None:
    """Flag seats rows that give a team another name than the team's first named row."""
    if names.TEAM_NAME not in raws:
        return
    pair = pd.DataFrame({"team": seats[names.TEAM], "name": seats[names.TEAM_NAME]}).dropna()
    by_team = pair.groupby("team", sort=False)
    first_name = by_team["name"].transform("first")
    position = pd.Series(pair.index, index=pair.index)
    first_row = position.groupby(pair["team"], sort=False).transform("first")
    bad = pair["name"].ne(first_name).reindex(seats.index, fill_value=False)
    col.flag(names.TEAM_NAME, bad, raws[names.TEAM_NAME], lambda i: SECOND_TEAM_NAME.format(
        team=pair.loc[i, "team"], first=int(first_row.loc[i]) + 2, name=first_name.loc[i]))
