"""Checks on loaded tables that collect :class:`planner.errors.Problem` objects.

Every check is vectorised and adds problems to a :class:`Collector`, which lists at most
:data:`MAX_ROWS` rows per kind of problem in a column and then one summary line, so a
file with a million bad rows still gives a readable report. Row numbers are
spreadsheet-style (header = row 1): frame index + 2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner import names
from planner.errors import Problem

MAX_ROWS = 20
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
MORE_ROWS = "and {n:,} more row{s} with the same problem"


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


def missing_column_message(table: str, column: str, found: Iterable[str]) -> str:
    """Return the message for a required canonical column absent from the file."""
    return (f"missing column {column!r} (found: {_listing(found)}); rename it or map it in "
            f"the mapping's [{table}.columns]")


def mapped_column_message(table: str, source: str, canonical: str, found: Iterable[str]) -> str:
    """Return the message for a source column named by the mapping but absent."""
    return (f"missing column {source!r}, mapped to {canonical!r} in [{table}.columns] "
            f"(found: {_listing(found)}); fix the mapping or the file's header")


def _listing(found: Iterable[str], limit: int = 15) -> str:
    found = list(found)
    more = f", ... ({len(found) - limit:,} more)" if len(found) > limit else ""
    return ", ".join(found[:limit]) + more


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
    """

    file: str
    labels: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def label(self, column: str) -> str:
        """Return the user's name of canonical ``column``."""
        return self.labels.get(column, column)

    def whole(self, message: str) -> None:
        """Add a problem about the whole file."""
        self.problems.append(Problem(self.file, None, None, None, message))

    def flag(self, column: str, mask: pd.Series, values: pd.Series | None,
             message: str | Callable[[Any], str], *, label: str | None = None) -> None:
        """Add one problem per row where ``mask`` is true (at most :data:`MAX_ROWS`).

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
        rows = mask.index[mask.to_numpy(dtype=bool, na_value=False)]
        if len(rows) == 0:
            return
        name = label or self.label(column)
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
    """Parse numbers; flag cells that hold something else. Returns float64."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        raw = raw.astype("str")
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return raw.astype("float64")
    numbers = pd.to_numeric(raw.astype("str").str.strip(), errors="coerce").astype("float64")
    col.flag(column, numbers.isna() & present(raw), raw, NOT_A_NUMBER, label=label)
    return numbers


def to_dates(raw: pd.Series, col: Collector, column: str, message: str,
             fmt: str | None = None, *, month: bool = False) -> pd.Series:
    """Parse dates (ISO 8601 unless ``fmt``); flag unparsable cells. Returns datetime64."""
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
