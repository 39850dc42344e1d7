"""A team's capacity change from last year to the plan year, split into its causes.

Capacity is counted as the allocation counts it: amount at last year's productivity
(:func:`planner.allocation.inputs.history_capacity` for last year, the seats' weights of
:func:`planner.capacity.seat_week_weights` for the plan year). The change is split by
switching the plan year's effects on one at a time, so the parts add up exactly:

1. ``seats``: the seats on board at the end of last year (by grade), for a full year,
   against last year's seat-weeks;
2. ``working_days``: the plan year's working days (as five-day weeks) against the weeks
   a full-year seat sold last year;
3. ``leavers``: seats with a known end date in the plan year;
4. ``attrition``: the expected monthly attrition;
5. ``recent_ramp``: seats that joined late last year, still ramping;
6. ``hires``: the scenario's hires, ramping and after attrition.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation.inputs import Prepared
from planner.baselines.compute import Baselines
from planner.calendar import Calendar
from planner.capacity import (
    grade_productivity,
    history_capacity,
    seat_productivity,
    seat_week_weights,
)
from planner.explain import steps as st
from planner.scenario.values import Scenario

#: Columns of :func:`capacity_parts` besides ``team`` (weight units: amount).
LEVELS = ("history", *st.CAPACITY_STEPS, "planned")


def full_year_weeks(seats: pd.DataFrame) -> float:
    """Weeks a seat on board all of last year was counted for (the longest tenure)."""
    weeks = pd.to_numeric(seats.get("active_weeks"), errors="coerce")
    top = float(weeks.max()) if weeks is not None and len(weeks) else float("nan")
    return top if np.isfinite(top) and top > 0 else 52.0


def _team_sum(frame: pd.DataFrame, teams: pd.Index) -> pd.Series:
    return frame.groupby(n.TEAM)["weight"].sum().reindex(teams).fillna(0.0)


def capacity_parts(baselines: Baselines, scenario: Scenario, calendar: Calendar,
                   prepared: Prepared) -> pd.DataFrame:
    """Each planned team's capacity last year, its plan-year capacity and the parts between.

    Parameters
    ----------
    baselines, scenario, calendar : Baselines, Scenario, Calendar
        What the plan was made from.
    prepared : Prepared
        The allocation's inputs (its roster and seat weights are the plan year's).

    Returns
    -------
    DataFrame
        ``team, history, seats, working_days, leavers, attrition, recent_ramp, hires,
        planned``: ``history`` plus the six parts equals ``planned`` (to float rounding).
    """
    teams = pd.Index(prepared.inputs.teams, name=n.TEAM)
    basis = scenario.capacity_basis
    history = history_capacity(baselines, basis).reindex(teams).fillna(0.0)
    planned = _team_sum(prepared.seat_weights, teams)
    roster = prepared.roster
    tenured = roster.loc[~roster["hired"].astype(bool)].reset_index(drop=True)
    with warnings.catch_warnings():  # the plan run has already said so
        warnings.simplefilter("ignore")
        weekly = seat_productivity(tenured, baselines.seats, grade_productivity(baselines),
                                   basis)
    weekly = np.nan_to_num(np.asarray(weekly, float))
    working = float(calendar.days["is_working"].astype(bool).sum())
    full = full_year_weeks(baselines.seats)
    per_seat = pd.DataFrame({n.TEAM: tenured[n.TEAM].to_numpy(), "weight": weekly})
    level1 = _team_sum(per_seat.assign(weight=weekly * full), teams)
    level2 = _team_sum(per_seat.assign(weight=weekly * working / 5.0), teams)

    def level(ramp: int, attrition: float) -> pd.Series:
        if tenured.empty:
            return pd.Series(0.0, index=teams)
        frame = seat_week_weights(tenured, calendar.days, weekly, ramp_months=ramp,
                                  attrition_rate=attrition)
        return _team_sum(frame, teams)

    level3 = level(0, 0.0)
    level4 = level(0, scenario.attrition_rate)
    level5 = level(scenario.ramp_months, scenario.attrition_rate)
    out = pd.DataFrame({
        "history": history, st.SEATS: level1 - history, st.WORKING_DAYS: level2 - level1,
        st.LEAVERS: level3 - level2, st.ATTRITION: level4 - level3,
        st.RECENT_RAMP: level5 - level4, st.HIRES: planned - level5, "planned": planned,
    })
    return out.reset_index()


def seat_counts(baselines: Baselines, roster: pd.DataFrame, year: int) -> pd.DataFrame:
    """Seats per team and grade: last year (seat-years), on board now, leaving, hired.

    Returns
    -------
    DataFrame
        ``team, grade, last_year, now, leaving, hired`` (``last_year`` in seat-years:
        active weeks over a full year's).
    """
    seats = baselines.seats
    full = full_year_weeks(seats)
    last = (pd.to_numeric(seats["active_weeks"], errors="coerce").fillna(0.0) / full)
    last = last.groupby([seats[n.TEAM].astype(str), seats[n.GRADE].astype(str)]).sum()
    hired = roster["hired"].astype(bool)
    key = [roster[n.TEAM].astype(str), roster[n.GRADE].astype(str)]
    now = (~hired).groupby(key).sum()
    end = pd.to_datetime(roster[n.END_DATE])
    leaving = ((~hired) & (end.dt.year == year)).groupby(key).sum()
    new = hired.groupby(key).sum()
    out = pd.concat({"last_year": last, "now": now, "leaving": leaving, "hired": new},
                    axis=1).fillna(0.0)
    out.index = out.index.set_names([n.TEAM, n.GRADE])
    return out.reset_index()


def per_seat_week(prepared: Prepared, headroom: float) -> pd.DataFrame:
    """Planned capacity one tenured seat of each grade adds in each week (amount).

    Returns
    -------
    DataFrame
        ``grade, week, capacity``: the mean weight of the grade's tenured seats in the
        week x the plan's amount per unit of weight x (1 + headroom), as the allocation
        counts capacity.
    """
    tenured = set(prepared.roster.loc[~prepared.roster["hired"].astype(bool), n.SEAT])
    weights = prepared.seat_weights.loc[prepared.seat_weights[n.SEAT].isin(tenured)]
    weekly = weights.groupby([n.SEAT, n.GRADE, n.WEEK], as_index=False)["weight"].sum()
    mean = weekly.groupby([n.GRADE, n.WEEK], as_index=False)["weight"].mean()
    factor = prepared.productivity_factor * (1.0 + headroom)
    return mean.assign(capacity=mean["weight"] * factor)[[n.GRADE, n.WEEK, "capacity"]]
