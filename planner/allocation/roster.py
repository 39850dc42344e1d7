"""The planned seat roster and each seat's capacity weight per week.

A seat's weight in a week is its grade's weekly productivity (last year, full-ramp
seats) x its ramp factor (new hires ramp linearly to full over ``ramp_months``) x the
expected share still on board (monthly attrition) x the week's working days while
the seat is active / 5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names as n
from planner.errors import ScenarioError
from planner.scenario.model import Hire

DAYS_PER_MONTH = 365.25 / 12


def planned_roster(seats: pd.DataFrame, hires: tuple[Hire, ...], year: int,
                   grades: list[str]) -> pd.DataFrame:
    """Seats active at the end of history plus the scenario's hires.

    Parameters
    ----------
    seats : DataFrame
        Baseline seats: ``seat, team, grade, start_date, end_date, active_at_end``.
    hires : tuple of Hire
        New seats by grade, team and start month.
    year : int
        Plan year.
    grades : list of str
        Grades with a known productivity.

    Returns
    -------
    DataFrame
        ``seat, team, grade, start_date, end_date, hired``.

    Raises
    ------
    ScenarioError
        When a hire's grade has no known productivity.
    """
    # seats on board at the end of history; a known end date (a leaver) is kept
    active = seats.loc[seats["active_at_end"].astype(bool),
                       [n.SEAT, n.TEAM, n.GRADE, n.START_DATE, n.END_DATE]].copy()
    active["hired"] = False
    rows = []
    for i, hire in enumerate(hires):
        if hire.grade not in grades:
            raise ScenarioError(f"hires[{i}].grade: {hire.grade!r} has no productivity in the "
                                f"history (known grades: {', '.join(grades)}); use one of them")
        start = pd.Timestamp(year=year, month=hire.month, day=1)
        for k in range(hire.count):
            rows.append({n.SEAT: f"{hire.team}-new-{hire.grade}-{hire.month:02d}-{k + 1:02d}",
                         n.TEAM: hire.team, n.GRADE: hire.grade, n.START_DATE: start,
                         n.END_DATE: pd.NaT, "hired": True})
    roster = pd.concat([active, pd.DataFrame(rows, columns=active.columns)], ignore_index=True)
    roster[n.START_DATE] = pd.to_datetime(roster[n.START_DATE])
    roster[n.END_DATE] = pd.to_datetime(roster[n.END_DATE])
    return roster.sort_values([n.TEAM, n.SEAT], kind="stable").reset_index(drop=True)


def seat_productivity(roster: pd.DataFrame, seats: pd.DataFrame, grade_weekly: dict[str, float],
                      basis: str = "grade") -> np.ndarray:
    """Weekly amount of each roster seat at full ramp, last year.

    Parameters
    ----------
    roster : DataFrame
        :func:`planned_roster`.
    seats : DataFrame
        Baseline seats with ``weekly_mean`` (the seat's own non-ramp weekly mean).
    grade_weekly : dict
        Weekly amount of a full-ramp seat of each grade.
    basis : {"grade", "seat"}
        ``grade``: every seat at its grade's mean (the story: grades are tight, and a
        weak seat is not rewarded with a small target); ``seat``: each seat at its own
        history (for data whose "seats" are whole shops or countries), hires at their
        grade's mean.

    Returns
    -------
    ndarray
    """
    by_grade = roster[n.GRADE].map(grade_weekly).to_numpy(float)
    if basis != "seat":
        return by_grade
    own = roster[n.SEAT].map(dict(zip(seats[n.SEAT], seats["weekly_mean"], strict=True)))
    own = own.to_numpy(float)
    return np.where(np.isfinite(own) & (own > 0), own, by_grade)


def seat_week_weights(roster: pd.DataFrame, days: pd.DataFrame, productivity: np.ndarray,
                      *, ramp_months: int, attrition_rate: float) -> pd.DataFrame:
    """Capacity weight of every seat in every (week, month) slot of the plan year.

    Parameters
    ----------
    roster : DataFrame
        :func:`planned_roster`.
    days : DataFrame
        Calendar days: ``date, is_working, week, month``.
    productivity : ndarray
        Weekly amount of each roster seat at full ramp (:func:`seat_productivity`).
    ramp_months : int
        Months a new hire takes to reach full productivity.
    attrition_rate : float
        Expected share of seats leaving per month.

    Returns
    -------
    DataFrame
        ``seat, team, grade, week, month, weight`` (amount at last year's productivity).
    """
    working = days.loc[days["is_working"].astype(bool), [n.DATE, n.WEEK, n.MONTH]]
    dates = working[n.DATE].to_numpy("datetime64[D]")
    year_start = dates.min() if len(dates) else np.datetime64("1970-01-01")
    long_ago = pd.Timestamp(year_start) - pd.DateOffset(years=10)  # no start date: tenured
    start = roster[n.START_DATE].fillna(long_ago).to_numpy("datetime64[D]")
    end = roster[n.END_DATE].fillna(pd.Timestamp.max.normalize()).to_numpy("datetime64[D]")
    # seat x working-day grid (seats ~ 10^4, working days ~ 250): vectorised
    active = (dates[None, :] >= start[:, None]) & (dates[None, :] <= end[:, None])
    tenure = (dates[None, :] - start[:, None]).astype(float) / DAYS_PER_MONTH
    ramp = np.clip((tenure + 0.5) / max(ramp_months, 1e-9), 0.0, 1.0) if ramp_months else 1.0
    elapsed = (dates - year_start).astype(float) / DAYS_PER_MONTH
    survive = (1.0 - attrition_rate) ** elapsed
    weekly = np.nan_to_num(np.asarray(productivity, float))
    per_day = np.where(active, ramp, 0.0) * survive[None, :] * (weekly[:, None] / 5.0)
    slot = working[n.WEEK] + "|" + working[n.MONTH]
    codes, labels = pd.factorize(slot)
    sums = np.zeros((len(roster), len(labels)))
    np.add.at(sums.T, codes, per_day.T)
    out = pd.DataFrame(sums, columns=labels)
    out[n.SEAT] = roster[n.SEAT].to_numpy()
    long = out.melt(id_vars=n.SEAT, var_name="slot", value_name="weight")
    long[[n.WEEK, n.MONTH]] = long["slot"].str.split("|", expand=True)
    long = long.merge(roster[[n.SEAT, n.TEAM, n.GRADE]], on=n.SEAT)
    return long[[n.SEAT, n.TEAM, n.GRADE, n.WEEK, n.MONTH, "weight"]]
