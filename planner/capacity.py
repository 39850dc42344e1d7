"""Seat capacity, last year and planned: both models read it from here, computed once.

:func:`capacity_of` is the one entry point: the planned roster (seats plus hires,
less leavers), each seat's capacity weight per (week, month) slot, and the totals the
driver model compares with last year's. The driver step reads its totals, the
allocation its weights.

A seat's weight in a week is its weekly productivity (last year, full-ramp seats) x its
ramp factor (new hires ramp linearly to full over ``ramp_months``) x the expected share
still on board (monthly attrition) x the week's working days while the seat is active /
5. The weekly productivity is the grade's, or under ``capacity_basis = "seat"`` the
seat's own; a seat without its own history (a hire) is then rated at its team's
per-seat productivity for its grade, and only when the team has no such seat at the
grade's (with a :class:`CapacityWarning` naming the team).
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from planner import names as n
from planner.errors import PlannerWarning, ScenarioError
from planner.scenario.values import Hire, Scenario

if TYPE_CHECKING:
    from planner.baselines.compute import Baselines
    from planner.calendar import Calendar

DAYS_PER_MONTH = 365.25 / 12
GRADE_FALLBACK = ("team {team!r} has no seat of grade {grade!r} with a productivity last "
                  "year, so its {count} seat{s} of that grade without a history (hires) "
                  "{are} rated at the grade's average over all teams ({weekly:,.2f} a "
                  "week); check that figure suits the team, or add [[hires]] of a grade "
                  "the team has")


class CapacityWarning(PlannerWarning):
    """A seat's productivity is a stand-in (its team has no seat of its grade)."""


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
        Baseline seats with ``team``, ``grade`` and ``weekly_mean`` (the seat's own
        non-ramp weekly mean).
    grade_weekly : dict
        Weekly amount of a full-ramp seat of each grade.
    basis : {"grade", "seat"}
        ``grade``: every seat at its grade's mean (the story: grades are tight, and a
        weak seat is not rewarded with a small target); ``seat``: each seat at its own
        history (for data whose "seats" are whole shops or countries); a seat without
        one (a hire) at its team's per-seat mean for its grade
        (:func:`team_grade_productivity`), else at the grade's mean.

    Returns
    -------
    ndarray

    Warns
    -----
    CapacityWarning
        Under ``seat``, for each team whose seats without a history fall back on the
        grade's mean (the team has no seat of that grade with a productivity).
    """
    by_grade = roster[n.GRADE].map(grade_weekly).to_numpy(float)
    if basis != "seat":
        return by_grade
    own = roster[n.SEAT].map(dict(zip(seats[n.SEAT], seats["weekly_mean"], strict=True)))
    own = own.to_numpy(float)
    has_own = np.isfinite(own) & (own > 0)
    team_rate = team_grade_productivity(seats)
    keys = pd.MultiIndex.from_arrays([roster[n.TEAM].astype("str"),
                                      roster[n.GRADE].astype("str")])
    by_team = team_rate.reindex(keys).to_numpy(float)
    fallback = ~has_own & ~np.isfinite(by_team)
    _warn_fallback(roster.loc[fallback], grade_weekly)
    return np.where(has_own, own, np.where(np.isfinite(by_team), by_team, by_grade))


def team_grade_productivity(seats: pd.DataFrame) -> pd.Series:
    """Mean weekly productivity of a team's seats of each grade (seats with a history).

    Returns
    -------
    Series
        Indexed by (team, grade); only pairs with at least one seat whose own weekly
        mean is positive.

    Examples
    --------
    >>> seats = pd.DataFrame({"team": ["N", "N", "S"], "grade": ["A", "A", "A"],
    ...                       "weekly_mean": [100.0, 300.0, float("nan")]})
    >>> team_grade_productivity(seats).to_dict()
    {('N', 'A'): 200.0}
    """
    weekly = pd.to_numeric(seats["weekly_mean"], errors="coerce")
    known = seats.loc[np.isfinite(weekly) & (weekly > 0)]
    rate = weekly.loc[known.index].groupby([known[n.TEAM].astype("str"),
                                            known[n.GRADE].astype("str")]).mean()
    return rate.rename_axis([n.TEAM, n.GRADE])


def _warn_fallback(seats: pd.DataFrame, grade_weekly: dict[str, float]) -> None:
    """One CapacityWarning per team and grade rated at the grade's mean."""
    counts = seats.groupby([n.TEAM, n.GRADE], sort=True).size()
    for (team, grade), count in counts.items():
        weekly = grade_weekly.get(str(grade), float("nan"))
        warnings.warn(GRADE_FALLBACK.format(
            team=team, grade=grade, count=int(count), s="s" if count != 1 else "",
            are="are" if count != 1 else "is", weekly=weekly), CapacityWarning, stacklevel=3)


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
    sums = _slot_sums(per_day, codes, len(labels))
    seats, slots = len(roster), len(labels)
    week, month = zip(*(str(label).split("|") for label in labels), strict=True) if slots \
        else ((), ())
    text = working[n.WEEK].dtype
    # slot by slot, every seat in roster order (seat ids are unique in a roster); the
    # labels are taken by position from their arrays, not made again from Python strings
    seat_rows = np.tile(np.arange(seats), slots)
    slot_rows = np.repeat(np.arange(slots), seats)
    return pd.DataFrame({
        **{key: pd.Series(roster[key].array.take(seat_rows), dtype=roster[key].dtype)
           for key in (n.SEAT, n.TEAM, n.GRADE)},
        n.WEEK: pd.Series(pd.array(week, dtype=text).take(slot_rows), dtype=text),
        n.MONTH: pd.Series(pd.array(month, dtype=text).take(slot_rows), dtype=text),
        "weight": sums.T.ravel(),
    })


def _slot_sums(per_day: np.ndarray, codes: np.ndarray, slots: int) -> np.ndarray:
    """Sum each seat's days into their (week, month) slots, day by day in date order.

    The same additions in the same order as ``np.add.at(sums.T, codes, per_day.T)``
    (so the same bits), one column of seats at a time: far faster.
    """
    sums = np.zeros((slots, per_day.shape[0]))
    days = np.ascontiguousarray(per_day.T)
    for day, code in enumerate(codes):
        sums[code] += days[day]
    return sums.T


def grade_productivity(baselines: Baselines) -> dict[str, float]:
    """Weekly amount of a full-ramp seat per grade, last year (all products)."""
    table = baselines.productivity_grade
    rows = table.loc[table[n.PRODUCT] == "*"]
    out = {str(g): float(v) for g, v in zip(rows[n.GRADE], rows["mean_amount"], strict=True)
           if pd.notna(v) and v > 0}
    if not out:  # all seats ramping last year: fall back on their ramp figures
        out = {str(g): float(v) for g, v in zip(rows[n.GRADE], rows["ramp_mean_amount"],
                                                strict=True) if pd.notna(v) and v > 0}
    return out


def history_capacity(baselines: Baselines, basis: str) -> pd.Series:
    """Last year's capacity per team: each seat's weekly productivity x its active weeks.

    ``basis`` is the scenario's ``capacity_basis``: the grade's mean, or the seat's own.
    """
    seats = baselines.seats
    weekly = (seats["weekly_mean"] if basis == "seat"
              else seats[n.GRADE].map(grade_productivity(baselines)))
    return (weekly.fillna(0.0) * seats["active_weeks"]).groupby(seats[n.TEAM]).sum()


def planned_capacity(baselines: Baselines, scenario: Scenario,
                     calendar: Calendar) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The planned roster and its seats' capacity weights per (week, month) slot."""
    grades = grade_productivity(baselines)
    roster = planned_roster(baselines.seats, scenario.hires, scenario.year, sorted(grades))
    productivity = seat_productivity(roster, baselines.seats, grades, scenario.capacity_basis)
    weights = seat_week_weights(roster, calendar.days, productivity,
                                ramp_months=scenario.ramp_months,
                                attrition_rate=scenario.attrition_rate)
    return roster, weights


@dataclass
class Capacity:
    """Seat capacity of a scenario, last year and planned, at last year's productivity.

    Attributes
    ----------
    history : float
        Last year's capacity (each seat's weekly productivity x its active weeks).
    planned : float
        The planned roster's capacity over the plan year.
    seat_weeks : float
        Last year's active seat-weeks.
    weeks : float
        Weeks in last year's window.
    roster : DataFrame
        The planned roster (:func:`planned_roster`).
    weights : DataFrame
        ``seat, team, grade, week, month, weight``: each seat's capacity per slot.
    memo : dict
        What later steps derive from this capacity alone, kept with it so a what-if
        that reuses the capacity reuses them too (e.g. the candidate hires' capacity).
    """

    history: float
    planned: float
    seat_weeks: float
    weeks: float
    roster: pd.DataFrame
    weights: pd.DataFrame
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def multiple(self) -> float:
        """Planned over last year's capacity."""
        return self.planned / self.history if self.history > 0 else 1.0


T = TypeVar("T")


def kept(memo: dict[str, Any], table: str, key: Hashable, make: Callable[[], T], limit: int,
         owner: object = None) -> T:
    """``make()`` kept in ``memo[table]`` under ``key``: the newest ``limit`` entries stay.

    With ``owner`` (an object the value belongs to, such as a driver tree) the entry is
    found by that object's identity as well; the entry holds the owner, so the identity
    cannot pass to another object while it is kept.

    Examples
    --------
    >>> memo: dict[str, Any] = {}
    >>> kept(memo, "squares", 3, lambda: 9, limit=2), kept(memo, "squares", 3, lambda: 0, 2)
    (9, 9)
    """
    store: OrderedDict[Hashable, tuple[object, T]] = memo.setdefault(table, OrderedDict())
    full = key if owner is None else (id(owner), key)
    found = store.get(full)
    if found is not None:
        store.move_to_end(full)
        return found[1]
    value = make()
    store[full] = (owner, value)
    if len(store) > limit:
        store.popitem(last=False)
    return value


def capacity_of(scenario: Scenario, baselines: Baselines, calendar: Calendar) -> Capacity:
    """A scenario's capacity: last year's, the planned roster and its weights.

    Parameters
    ----------
    scenario : Scenario
    baselines : Baselines
    calendar : Calendar

    Returns
    -------
    Capacity
    """
    seats = baselines.seats
    history = float(history_capacity(baselines, scenario.capacity_basis).sum())
    roster, weights = planned_capacity(baselines, scenario, calendar)
    span = (baselines.window_end - baselines.window_start).days + 1
    return Capacity(history, float(weights["weight"].sum()),
                    float(seats["active_weeks"].sum()), span / 7.0, roster, weights)
