"""Checks on a file's header: missing columns, and columns read by nothing.

A required column that is absent is refused naming the columns found. A column that
nothing reads but that looks like an optional column the planner would read (``End
Date`` for ``end_date``, compared lower-case with other characters as ``_``, then by
:mod:`difflib` similarity of at least 0.8) is refused with a did-you-mean, so its values
are not silently left out. When the mapping names the file's columns one by one
(``[seats.columns]``), the user chose what to read, so a look-alike is only a warning.
Other unread columns are listed in the load report.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from planner import names
from planner.errors import Problem
from planner.history.checks import Collector

UNUSED_COLUMN = ("is not read, so no {canonical} is loaded; did you mean {canonical!r}? "
                 "rename the column to {canonical}, or map it in the mapping's "
                 "[{table}.columns] as {canonical} = \"{found}\"")
UNUSED_SEAT_COLUMN = ("is not read: without a seats file, seats are derived from sales with "
                      "{default}; did you mean {canonical!r}? map it in the mapping's [seats] "
                      "as derive = {{ {canonical} = \"{found}\" }}, or provide a seats file")


def missing_column_message(table: str, column: str, found: Iterable[str]) -> str:
    """Return the message for a required canonical column absent from the file."""
    return (f"missing column {column!r} (found: {_listing(found)}); rename it or map it in "
            f"the mapping's [{table}.columns]")


def mapped_column_message(table: str, source: str, canonical: str, found: Iterable[str],
                          mapping: str | None = None) -> str:
    """Return the message for a source column named by the mapping but absent.

    ``mapping`` is the mapping file's name (named in the message when given).
    """
    where = f"[{table}.columns]" + (f" of {mapping}" if mapping else "")
    return (f"missing column {source!r}, mapped to {canonical!r} in {where} "
            f"(found: {_listing(found)}); fix the mapping or the file's header")


def _listing(found: Iterable[str], limit: int = 15) -> str:
    found = list(found)
    more = f", ... ({len(found) - limit:,} more)" if len(found) > limit else ""
    return ", ".join(found[:limit]) + more


def _normal(name: str) -> str:
    """Return ``name`` lower-case with runs of other characters as one ``_``."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def close_column(found: str, candidates: Iterable[str]) -> str | None:
    """Return the candidate column ``found`` most likely means, or None.

    Examples
    --------
    >>> close_column("End Date", ["start_date", "end_date"])
    'end_date'
    >>> close_column("Customer-Id", ["customer_id"])
    'customer_id'
    >>> close_column("Description", ["margin"]) is None
    True
    >>> close_column("Tier", ["margin_tier", "window_start"])
    'margin_tier'
    """
    by_normal = {_normal(c): c for c in candidates}
    close = difflib.get_close_matches(_normal(found), list(by_normal), n=1, cutoff=0.8)
    if close:
        return by_normal[close[0]]
    # the last word of exactly one candidate ("tier" for "margin_tier")
    tails = [c for key, c in by_normal.items() if "_" in key and key.rsplit("_", 1)[1]
             == _normal(found)]
    return tails[0] if len(tails) == 1 else None


@dataclass
class Unread:
    """Columns of a file that nothing reads.

    Attributes
    ----------
    others : list of str
        Columns that look like nothing the planner reads (for the load report).
    warnings : list of str
        Look-alikes of absent optional columns in a file whose columns the mapping names
        one by one (the user chose them, so they are not refused).
    """

    others: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_unused_columns(columns: Iterable[str], used: set[str], absent: Iterable[str],
                         table: str, col: Collector, *, strict: bool = True) -> Unread:
    """Refuse unread columns that look like an absent optional column.

    Parameters
    ----------
    columns : iterable of str
        The file's columns.
    used : set of str
        Columns the mapping reads (sources, exclusion keys, derived seat columns).
    absent : iterable of str
        Canonical columns nothing provides.
    table : str
        The table (for the mapping section in the message).
    col : Collector
        Receives the problems.
    strict : bool
        True: a look-alike is a problem. False (the mapping names the file's columns):
        it is a warning.

    Returns
    -------
    Unread
        The other unread columns, and the warnings when not ``strict``.
    """
    absent = list(absent)
    unread = Unread()
    for found in columns:
        if found in used:
            continue
        canonical = close_column(found, absent)
        if canonical is None:
            unread.others.append(found)
            continue
        if table == "sales" and canonical in (names.TEAM, names.GRADE):
            default = ("each seat its own team" if canonical == names.TEAM
                       else f"grade {names.DEFAULT_GRADE!r}")
            message = UNUSED_SEAT_COLUMN.format(canonical=canonical, found=found,
                                                default=default)
        else:
            message = UNUSED_COLUMN.format(canonical=canonical, found=found, table=table)
        if strict:
            col.column(found, message)
        else:
            unread.warnings.append(str(Problem(col.file, None, found, None, message)))
    return unread
