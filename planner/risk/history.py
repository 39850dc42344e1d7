"""Each team's monthly sales and exposure over the whole history.

The exposure of a team in a month is what its seats could sell at last year's
productivity: each seat's weekly productivity (its grade's, or its own under
``capacity_basis = "seat"``) x its ramp factor (hires ramp linearly over
``ramp_months``) x the month's working days while it is on board / 5, the same
weights the plan year's capacity uses (:func:`planner.capacity.seat_week_weights`),
without attrition (the history's leavers have end dates).
Sales over exposure is a rate in which seats, ramp and working days are removed.

The one-off spikes the baselines normalised (:mod:`planner.baselines.spikes`: a one-off
peak or jump of a product in last year's window) are taken out of the sales the same
way: each product's sales in a window month are scaled by the baselines'
``normal_amount / amount`` of that product and month, so an incentive that will not
recur neither raises a team's level nor widens its deviations. Seasonal peaks are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import names as n
from planner.baselines.compute import Baselines
from planner.baselines.repeatable import steady_values
from planner.calendar import IS_WORKING, day_table
from planner.capacity import DAYS_PER_MONTH, grade_productivity, seat_productivity
from planner.history.dataset import Dataset

#: A first month whose first sale comes after this day of the month is partial: dropped.
PARTIAL_DAY = 7


@dataclass
class TeamMonths:
    """Sales and exposure per calendar month (rows, ``"YYYY-MM"``) and team (columns).

    Attributes
    ----------
    sales : DataFrame
        Net sales (amount).
    exposure : DataFrame
        Ramp-weighted seat working days at last year's productivity (amount).
    """

    sales: pd.DataFrame
    exposure: pd.DataFrame

    @property
    def months(self) -> list[str]:
        """The months, oldest first."""
        return list(self.sales.index)


def month_index(label: str) -> int:
    """Months since year 0 of a ``"YYYY-MM"`` label.

    Examples
    --------
    >>> month_index("2027-02") - month_index("2026-02")
    12
    """
    return int(label[:4]) * 12 + int(label[5:7]) - 1


def team_months(dataset: Dataset, baselines: Baselines, *, country: str, ramp_months: int,
                basis: str, normalise_spikes: bool = True) -> TeamMonths:
    """Monthly sales and exposure per team, from the first full month to the window's end.

    Parameters
    ----------
    dataset : Dataset
        The validated history (sales with ``team`` filled from the seats).
    baselines : Baselines
        Its baselines (the window's end and the productivity per grade and seat).
    country : str
        Calendar code for the working days of the history.
    ramp_months : int
        Months a hire takes to reach full productivity.
    basis : {"grade", "seat"}
        The scenario's ``capacity_basis``.
    normalise_spikes : bool
        Scale the window's sales by the baselines' normal amounts (see the module).

    Returns
    -------
    TeamMonths
        Empty frames when the history holds no sale up to the window's end.
    """
    sales = dataset.sales
    end = pd.Timestamp(baselines.window_end)
    sales = sales.loc[sales[n.DATE] <= end]
    if sales.empty:
        empty = pd.DataFrame(dtype=float)
        return TeamMonths(empty, empty)
    first = pd.Timestamp(sales[n.DATE].min())
    start = first.to_period("M").to_timestamp()
    if first.day > PARTIAL_DAY:
        start = start + pd.offsets.MonthBegin(1)
    last_full = end if (end + pd.Timedelta(days=1)).day == 1 else (
        end.to_period("M").to_timestamp() - pd.Timedelta(days=1))
    sales = sales.loc[(sales[n.DATE] >= start) & (sales[n.DATE] <= last_full)]
    if sales.empty or last_full < start:
        empty = pd.DataFrame(dtype=float)
        return TeamMonths(empty, empty)
    code = sales[n.DATE].to_numpy("datetime64[M]").astype(np.int64)  # months since 1970
    value = sales[n.AMOUNT] * (spike_factor(sales, baselines) if normalise_spikes else 1.0)
    # rounded far below any figure shown, so the sums do not depend on their order: rows
    # or the monthly aggregate of a history loaded on an engine give the same risk
    grid = value.groupby([code, sales[n.TEAM].astype(str)]).sum().unstack(fill_value=0.0)
    amount = pd.DataFrame(steady_values(grid.to_numpy(float)), index=grid.index,
                          columns=grid.columns)  # one rounding of all teams' columns at once
    amount.index = [f"{1970 + c // 12:04d}-{c % 12 + 1:02d}" for c in amount.index]
    exposure = _exposure(dataset, baselines, start, last_full, country, ramp_months, basis)
    months = pd.period_range(start, last_full, freq="M").strftime("%Y-%m")
    teams = sorted(set(amount.columns) | set(exposure.columns), key=str)
    return TeamMonths(amount.reindex(index=months, columns=teams, fill_value=0.0),
                      exposure.reindex(index=months, columns=teams, fill_value=0.0))


def spike_factor(sales: pd.DataFrame, baselines: Baselines) -> np.ndarray:
    """Per sale: the baselines' ``normal_amount / amount`` of its product and window month.

    1 outside last year's window and where the baselines changed nothing.
    """
    months = baselines.product_months
    factor = np.ones(len(sales))
    if months is None or months.empty or "normal_amount" not in months:
        return factor
    changed = months.loc[(months[n.AMOUNT] > 0)
                         & ~np.isclose(months["normal_amount"], months[n.AMOUNT])]
    if changed.empty:
        return factor
    ratio = (changed["normal_amount"] / changed[n.AMOUNT]).to_numpy(float)
    keys = pd.MultiIndex.from_arrays([changed[n.PRODUCT].astype(str),
                                      changed[n.MONTH].astype(int)])
    inside = ((sales[n.DATE] >= pd.Timestamp(baselines.window_start))
              & (sales[n.DATE] <= pd.Timestamp(baselines.window_end))).to_numpy()
    where = keys.get_indexer(pd.MultiIndex.from_arrays(
        [sales[n.PRODUCT].astype(str), sales[n.DATE].dt.month.astype(int)]))
    hit = inside & (where >= 0)
    factor[hit] = ratio[where[hit]]
    return factor


def _exposure(dataset: Dataset, baselines: Baselines, start: pd.Timestamp,
              end: pd.Timestamp, country: str, ramp_months: int, basis: str) -> pd.DataFrame:
    """Exposure per month and team (see the module's docstring)."""
    roster = dataset.seats[[n.SEAT, n.TEAM, n.GRADE, n.START_DATE, n.END_DATE]].copy()
    roster[n.TEAM] = roster[n.TEAM].astype(str)
    grades = grade_productivity(baselines)
    weekly = seat_productivity(roster, baselines.seats, grades, basis)
    weekly = np.where(np.isfinite(weekly) & (weekly > 0), weekly,
                      float(np.mean(list(grades.values()))) if grades else 1.0)
    days = day_table(start.date(), end.date(), country)
    working = days.loc[days[IS_WORKING].astype(bool)]
    dates = working[n.DATE].to_numpy("datetime64[D]")
    codes, months = pd.factorize(working[n.MONTH])
    long_ago = start - pd.DateOffset(years=10)  # no start date: tenured
    first = roster[n.START_DATE].fillna(long_ago).to_numpy("datetime64[D]")
    last = roster[n.END_DATE].fillna(pd.Timestamp.max.normalize()).to_numpy("datetime64[D]")
    active = (dates[None, :] >= first[:, None]) & (dates[None, :] <= last[:, None])
    tenure = (dates[None, :] - first[:, None]).astype(float) / DAYS_PER_MONTH
    ramp = (np.clip((tenure + 0.5) / ramp_months, 0.0, 1.0) if ramp_months
            else np.ones_like(tenure))
    per_day = np.where(active, ramp, 0.0) * (weekly[:, None] / 5.0)
    team_codes, teams = pd.factorize(roster[n.TEAM])
    per_team = np.zeros((len(teams), len(dates)))
    np.add.at(per_team, team_codes, per_day)
    per_month = np.zeros((len(months), len(teams)))
    np.add.at(per_month, codes, per_team.T)
    return pd.DataFrame(per_month, index=pd.Index(months, name=n.MONTH),
                        columns=pd.Index(teams, name=n.TEAM))
