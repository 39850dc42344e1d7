"""Actuals to date from returned team workbooks or from plan-year transactions.

``--actuals`` names either ``.xlsx`` files (team workbooks as line managers return
them, monthly amounts) or folders of transactions in the history's format; one kind
per run. The actuals count up to the as-of date, over the week parts that are closed
then (:mod:`planner.tracking.periods`):

- transactions: the as-of date defaults to the last sale; sales in a week part that
  is still open on the as-of date are left for the next run (a note says how much);
- workbooks: a month is reported by a team when any of its cells holds a number
  (blank cells of a reported month count as 0, as the workbook's own totals do); the
  as-of date defaults to the end of the latest reported month and may not fall inside
  a reported month (monthly amounts cannot be cut); months after it are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from planner import names as n
from planner.errors import InputError, Problem
from planner.history.mapping import DatasetMapping
from planner.tracking.periods import closed_end, closed_mask, month_end, week_parts
from planner.tracking.plan_dir import PlanFolder
from planner.tracking.transactions import (
    dates_outside,
    part_sales,
    read_transactions,
    segment_sales,
)
from planner.tracking.workbooks import read_workbook_actuals

WORKBOOKS, TRANSACTIONS = "workbooks", "transactions"
AS_OF = "--as-of"


@dataclass
class Actuals:
    """What was sold to date, in the plan's terms.

    Attributes
    ----------
    kind : str
        ``"workbooks"`` or ``"transactions"``.
    as_of : date
        The as-of date.
    monthly : DataFrame
        ``team, product, month, amount, units`` over the closed week parts (``units``
        NaN for workbooks).
    reported : DataFrame
        ``team, month``: the months each team has actuals for.
    parts : DataFrame or None
        ``team, product, week, month, amount, units`` per closed week part
        (transactions only).
    segments : DataFrame or None
        ``team, product, month, segment, amount, units, buyers`` (transactions with
        customer ids and segments only).
    customers : DataFrame or None
        The customers table of the transactions (``month, segment, stock, ...``).
    sources : tuple of Path
        The files and folders read.
    notes : list of str
        What the reader left out or assumed, one line each.
    """

    kind: str
    as_of: date
    monthly: pd.DataFrame
    reported: pd.DataFrame
    parts: pd.DataFrame | None = None
    segments: pd.DataFrame | None = None
    customers: pd.DataFrame | None = None
    sources: tuple[Path, ...] = ()
    notes: list[str] = field(default_factory=list)


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError([Problem(AS_OF, None, None, value,
                                  "is not a date; write it as YYYY-MM-DD")]) from None


def _check_year(as_of: date, year: int) -> None:
    if as_of.year != year:
        raise InputError([Problem(AS_OF, None, None, f"{as_of:%Y-%m-%d}",
                                  f"is not in the plan year {year}; give a date from "
                                  f"{year}-01-01 to {year}-12-31")])


def kind_of(paths: list[Path]) -> str:
    """``workbooks`` or ``transactions``: what the paths hold (one kind per run).

    Raises
    ------
    InputError
        A path is missing, is neither an ``.xlsx`` file nor a folder, or the kinds mix.
    """
    problems, kinds = [], set()
    for path in paths:
        if path.is_dir():
            kinds.add(TRANSACTIONS)
        elif path.is_file() and path.suffix.lower() == ".xlsx":
            kinds.add(WORKBOOKS)
        else:
            problems.append(Problem(str(path), None, None, None,
                                    "is neither a team workbook (.xlsx) nor a folder of "
                                    "transactions" + ("" if path.exists() else
                                                      " (it does not exist)")))
    if not paths:
        problems.append(Problem("--actuals", None, None, None,
                                "names nothing; give team workbooks or a folder"))
    if len(kinds) > 1:
        problems.append(Problem("--actuals", None, None, None,
                                "mixes team workbooks and folders of transactions; give "
                                "one kind per run"))
    if problems:
        raise InputError(problems)
    return kinds.pop()


def load_actuals(paths: list[Path] | Path | str, folder: PlanFolder,
                 as_of: date | str | None = None,
                 mapping: DatasetMapping | Path | str | None = None) -> Actuals:
    """Read the actuals to date of a plan.

    Parameters
    ----------
    paths : list of Path
        Team workbooks, or folders of transactions.
    folder : PlanFolder
        The plan.
    as_of : date or str, optional
        The as-of date (defaults as the module says).
    mapping : DatasetMapping, Path or str, optional
        The column mapping of the transactions (the scenario's).

    Returns
    -------
    Actuals

    Raises
    ------
    InputError
        Every problem of the files at once (file, sheet and cell for workbooks).
    """
    paths = [Path(p) for p in ([paths] if isinstance(paths, str | Path) else paths)]
    day = _as_date(as_of)
    if kind_of(paths) == WORKBOOKS:
        return _from_workbooks(paths, folder, day)
    return _from_transactions(paths, folder, day, mapping)


def _from_workbooks(paths: list[Path], folder: PlanFolder, as_of: date | None) -> Actuals:
    problems: list[Problem] = []
    cells = read_workbook_actuals(paths, folder, problems)
    if problems:
        raise InputError(problems)
    if cells.empty:
        raise InputError([Problem(", ".join(p.name for p in paths), None, None, None,
                                  "hold no actuals: type the amounts into the yellow cells "
                                  "of the Actuals sheet")])
    reported = cells[[n.TEAM, n.MONTH]].drop_duplicates().reset_index(drop=True)
    ends = reported[n.MONTH].map(month_end)
    notes: list[str] = []
    if as_of is None:
        as_of = pd.Timestamp(ends.max()).date()
    _check_year(as_of, folder.year)
    stamp = pd.Timestamp(as_of)
    starts = pd.to_datetime(reported[n.MONTH] + "-01")
    inside = reported.loc[(starts <= stamp) & (ends > stamp)]
    if len(inside):
        month = inside[n.MONTH].iloc[0]
        raise InputError([Problem(AS_OF, None, None, f"{as_of:%Y-%m-%d}",
                                  f"falls inside {month}, which the workbooks report as one "
                                  f"amount (teams {', '.join(sorted(set(inside[n.TEAM])))}); "
                                  f"give {month_end(month):%Y-%m-%d} or the end of an "
                                  "earlier month")])
    later = reported.loc[starts > stamp]
    if len(later):
        notes.append(f"actuals of months after {as_of:%Y-%m-%d} left out "
                     f"({', '.join(sorted(set(later[n.MONTH])))})")
    reported = reported.loc[ends <= stamp].reset_index(drop=True)
    # every product of a reported month: a blank cell counts as 0, as in the workbook
    grid = reported.merge(folder.plan[[n.TEAM, n.PRODUCT]].drop_duplicates(), on=n.TEAM)
    monthly = grid.merge(cells, on=[n.TEAM, n.PRODUCT, n.MONTH], how="left")
    monthly[n.AMOUNT] = monthly[n.AMOUNT].fillna(0.0)
    monthly[n.UNITS] = np.nan
    return Actuals(WORKBOOKS, as_of, monthly[[n.TEAM, n.PRODUCT, n.MONTH, n.AMOUNT, n.UNITS]],
                   reported, sources=tuple(paths), notes=notes)


def _from_transactions(paths: list[Path], folder: PlanFolder, as_of: date | None,
                       mapping: DatasetMapping | Path | str | None) -> Actuals:
    if len(paths) != 1:
        raise InputError([Problem("--actuals", None, None, None,
                                  f"names {len(paths)} folders of transactions; give one "
                                  "folder (with the history's files and mapping)")])
    tx = read_transactions(paths[0], mapping)
    notes = list(tx.notes)
    year = folder.year
    if as_of is None:
        last = tx.last_sale
        as_of = min(last, date(year, 12, 31)) if last is not None else date(year, 1, 1)
    _check_year(as_of, year)
    outside = dates_outside(tx, year)
    if outside:
        notes.append(f"{outside:,} sales dated outside {year} left out")
    parts = week_parts(folder.plan)
    closed = parts.loc[closed_mask(parts, as_of)]
    through = closed_end(parts, as_of)
    sales = part_sales(tx, year, as_of)
    keys = [n.WEEK, n.MONTH]
    inside = sales.merge(closed[keys], on=keys)
    left = float(sales[n.AMOUNT].sum() - inside[n.AMOUNT].sum())
    if abs(left) > 0:
        notes.append(f"sales of {left:,.2f} in the week part still open on {as_of:%Y-%m-%d} "
                     "left for the next run (a week part counts once it has ended)")
    monthly = inside.groupby([n.TEAM, n.PRODUCT, n.MONTH], as_index=False)[
        [n.AMOUNT, n.UNITS]].sum()
    months = sorted(set(closed[n.MONTH]))
    reported = pd.DataFrame([(t, m) for t in folder.teams for m in months],
                            columns=[n.TEAM, n.MONTH])
    segments = None
    if tx.has_drivers and through is not None:
        segments = segment_sales(tx, year, through.date())
    unknown = sorted(set(inside[n.TEAM]) - set(folder.teams))
    if unknown:
        notes.append(f"sales of teams outside the plan: {', '.join(unknown)}")
    return Actuals(TRANSACTIONS, as_of, monthly, reported, parts=inside, segments=segments,
                   customers=tx.dataset.customers, sources=tuple(paths), notes=notes)


def closed_parts(folder: PlanFolder, actuals: Actuals) -> pd.DataFrame:
    """The plan's week parts that the actuals close: ``week, week_start, month, ...``.

    Transactions close every part ending by the as-of date; workbooks close the parts
    of the months every team reported.
    """
    parts = week_parts(folder.plan)
    closed = parts.loc[closed_mask(parts, actuals.as_of)]
    if actuals.kind == WORKBOOKS:
        closed = closed.loc[closed[n.MONTH].isin(set(actuals.reported[n.MONTH]))]
    return closed.reset_index(drop=True)


__all__ = ["AS_OF", "Actuals", "TRANSACTIONS", "WORKBOOKS", "closed_parts",
           "kind_of", "load_actuals"]
