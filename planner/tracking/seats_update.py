"""An updated seats file for a re-plan: leavers, moves and joiners since the plan.

The file has the history's seats columns (``seat, team, grade, start_date, end_date``,
CSV or Excel). Each row replaces the plan's seat of that name (a move changes its team,
a leaver gets an end date) or adds a seat that joined since (rated at its grade, as a
hire). Seats the file does not list stay as planned. Every problem is reported at once
with the file, row and column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner import names as n
from planner.errors import InputError, Problem

COLUMNS = (n.SEAT, n.TEAM, n.GRADE, n.START_DATE, n.END_DATE)


def read_seats_update(path: Path | str, teams: list[str], grades: list[str]) -> pd.DataFrame:
    """Read and check an updated seats file.

    Parameters
    ----------
    path : Path or str
        CSV or ``.xlsx`` file.
    teams : list of str
        Teams of the plan (a seat may only move between them).
    grades : list of str
        Grades with a productivity.

    Returns
    -------
    DataFrame
        ``seat, team, grade, start_date, end_date`` (dates as Timestamps or NaT).

    Raises
    ------
    InputError
        Every problem found.
    """
    path = Path(path)
    try:
        raw = (pd.read_excel(path, dtype=str) if path.suffix.lower() == ".xlsx"
               else pd.read_csv(path, dtype=str, keep_default_na=False))
    except (OSError, ValueError) as exc:
        raise InputError([Problem(str(path), None, None, None,
                                  f"cannot be read ({exc}); give a CSV or .xlsx seats file")]
                         ) from exc
    problems = [Problem(path.name, None, col, None, "column is missing; the seats file needs "
                        f"{', '.join(COLUMNS[:3])} (and may have start_date, end_date)")
                for col in COLUMNS[:3] if col not in raw.columns]
    if problems:
        raise InputError(problems)
    out = pd.DataFrame({c: raw[c].fillna("").astype(str).str.strip() if c in raw else ""
                        for c in COLUMNS})
    for i, row in out.iterrows():
        line = int(str(i)) + 2
        if not row[n.SEAT]:
            problems.append(Problem(path.name, line, n.SEAT, None, "is empty; name the seat"))
        if row[n.TEAM] not in teams:
            problems.append(Problem(path.name, line, n.TEAM, row[n.TEAM],
                                    f"is not a team of the plan ({', '.join(teams)}); fix "
                                    "the team"))
        if row[n.GRADE] not in grades:
            problems.append(Problem(path.name, line, n.GRADE, row[n.GRADE],
                                    f"has no productivity in the history (grades: "
                                    f"{', '.join(grades)}); use one of them"))
        for col in (n.START_DATE, n.END_DATE):
            if row[col] and pd.isna(pd.to_datetime(row[col], errors="coerce")):
                problems.append(Problem(path.name, line, col, row[col],
                                        "is not a date; write it as YYYY-MM-DD"))
    dupes = out.loc[out[n.SEAT].duplicated() & (out[n.SEAT] != ""), n.SEAT]
    problems += [Problem(path.name, int(str(i)) + 2, n.SEAT, seat, "is listed twice; keep "
                         "one row per seat") for i, seat in dupes.items()]
    if problems:
        raise InputError(problems)
    for col in (n.START_DATE, n.END_DATE):
        out[col] = pd.to_datetime(out[col].replace("", None), errors="coerce")
    return out


def update_roster(roster: pd.DataFrame, update: pd.DataFrame) -> pd.DataFrame:
    """The plan's roster with the file's seats replaced or added (``hired`` for new ones)."""
    keep = roster.loc[~roster[n.SEAT].isin(set(update[n.SEAT]))]
    known = set(roster[n.SEAT])
    added = update.assign(hired=~update[n.SEAT].isin(known))
    out = pd.concat([keep, added[list(roster.columns)]], ignore_index=True)
    return out.sort_values([n.TEAM, n.SEAT], kind="stable").reset_index(drop=True)


def leavers(roster: pd.DataFrame, update: pd.DataFrame, year: int) -> pd.DataFrame:
    """Seats the update gives an end date in the plan year that the plan did not have.

    Returns ``seat, team, end_date`` (the seat's team in the plan).
    """
    planned = roster.set_index(n.SEAT)[n.END_DATE]
    rows = []
    for seat, end in zip(update[n.SEAT], update[n.END_DATE], strict=True):
        if pd.isna(end) or end.year != year or seat not in planned.index:
            continue
        before = planned.loc[seat]
        if pd.isna(before) or pd.Timestamp(before) > end:
            team = roster.loc[roster[n.SEAT] == seat, n.TEAM].iloc[0]
            rows.append((seat, team, pd.Timestamp(end)))
    return pd.DataFrame(rows, columns=[n.SEAT, n.TEAM, n.END_DATE])
