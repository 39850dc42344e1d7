"""seat_week_productivity.sql counts the zero cells instead of making them.

Its counts, means and medians must be those of every active seat-week x product cell,
zeros included (the cross join it replaced): the tests hold it to that cross join, built
in pandas, on cells where the median falls among the zeros, among the positive and among
the negative cells, on either side of the zeros, with odd and even counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.baselines import sql
from planner.baselines.productivity import split_productivity
from planner.engine.duck import DuckEngine

WEEKS = pd.date_range("2025-06-02", periods=12, freq="W-MON")
#: product -> (share of seat-weeks sold, of those sold at a loss, of those with units returned)
MIX = {"P1": (0.9, 0.0, 0.0), "P2": (0.8, 0.9, 0.2), "P3": (0.1, 0.3, 0.3),
       "P4": (0.5, 0.0, 0.0), "P5": (0.55, 0.45, 0.45), "P6": (0.0, 0.0, 0.0),
       "P7": (0.8, 0.5, 0.9), "P8": (0.8, 0.5, 0.0)}


def tables(seed: int) -> dict[str, pd.DataFrame]:
    """The statement's inputs: days, seat_weeks, wk, cells and plist.

    Seats S0..S9 in grades A and B and teams T0..T2; S9 (grade C) only has ramp weeks;
    amounts are whole numbers, so every sum is exact whatever its order.
    """
    rng = np.random.default_rng(seed)
    days = pd.DataFrame({"date": pd.date_range(WEEKS[0], WEEKS[-1] + pd.Timedelta(days=6))})
    days["is_working"] = days["date"].dt.day_of_week < 5
    days["week_start"] = days["date"] - pd.to_timedelta(days["date"].dt.day_of_week, unit="D")
    days["month_start"] = days["date"].dt.to_period("M").dt.start_time
    seats = pd.DataFrame({"seat": [f"S{i}" for i in range(10)],
                          "grade": ["A", "B"] * 4 + ["A", "C"],
                          "team": [f"T{i % 3}" for i in range(10)]})
    weeks = seats.merge(pd.DataFrame({"week_start": WEEKS}), how="cross")
    weeks = weeks.loc[rng.random(len(weeks)) < 0.9].reset_index(drop=True)  # inactive weeks
    weeks["is_ramp"] = (weeks["seat"] == "S9") | ((weeks["seat"] == "S1")
                                                   & (weeks["week_start"] < WEEKS[4]))
    months = days.groupby("week_start")["month_start"].unique()  # a week across two months
    rows = []
    for seat, week in zip(weeks["seat"], weeks["week_start"], strict=True):
        for product, (sold, loss, returned) in MIX.items():
            if rng.random() < sold:
                sign = -1.0 if rng.random() < loss else 1.0
                units_sign = -1.0 if rng.random() < returned else 1.0
                for month in months[week]:
                    rows.append((seat, product, week, month,
                                 sign * float(rng.integers(0, 400)),
                                 units_sign * float(rng.integers(0, 4))))
    wk = pd.DataFrame(rows, columns=["seat", "product", "week_start", "month_start", "amount",
                                     "units"])
    wk = pd.concat([wk, wk.iloc[:3].assign(seat="S404")])  # a seat-week that is not active
    sold = wk.groupby(["seat", "week_start"], as_index=False)[["amount", "units"]].sum()
    cells = weeks.merge(sold, on=["seat", "week_start"], how="left").fillna(
        {"amount": 0.0, "units": 0.0})
    return {"days": days, "seat_weeks": weeks, "wk": wk, "cells": cells,
            "plist": pd.DataFrame({"product": list(MIX)})}


def cross_join(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables from every seat-week x product cell, zeros made."""
    sold = t["wk"].groupby(["seat", "week_start", "product"], as_index=False)[
        ["amount", "units"]].sum()
    c = t["seat_weeks"].merge(t["plist"], how="cross").merge(
        sold, on=["seat", "week_start", "product"], how="left").fillna(
        {"amount": 0.0, "units": 0.0})
    c = pd.concat([c, t["cells"].assign(product="*")], ignore_index=True)
    out = {}
    for name, key in (("productivity_grade", "grade"), ("productivity_team", "team")):
        work, ramp = c.loc[~c["is_ramp"]], c.loc[c["is_ramp"]]
        g = work.groupby([key, "product"])
        frame = pd.DataFrame({"seat_weeks": g.size(), "mean_amount": g["amount"].mean(),
                              "median_amount": g["amount"].median(),
                              "mean_units": g["units"].mean(),
                              "median_units": g["units"].median()})
        r = ramp.groupby([key, "product"])
        frame = frame.join(pd.DataFrame({"ramp_seat_weeks": r.size(),
                                         "ramp_mean_amount": r["amount"].mean()}), how="outer")
        out[name] = frame.fillna({"seat_weeks": 0, "ramp_seat_weeks": 0})
    return out


@pytest.mark.parametrize("seed", range(6))
def test_counted_zeros_give_the_cross_join_figures(seed: int) -> None:
    t = tables(seed)
    engine = DuckEngine()
    try:
        for name, frame in t.items():
            engine.register(name, frame)
        got = split_productivity(engine.query(sql.statement("seat_week_productivity"),
                                              {"all": sql.ALL_PRODUCTS}))
    finally:
        engine.close()
    want = cross_join(t)
    for name, key in (("productivity_grade", "grade"), ("productivity_team", "team")):
        frame = got[name].set_index([key, "product"])
        assert len(frame) == len(want[name]) == frame.index.get_level_values(0).nunique() * 9
        expected = want[name].reindex(frame.index)
        for column in expected.columns:
            np.testing.assert_array_equal(frame[column].to_numpy(float),
                                          expected[column].to_numpy(float), err_msg=column)


def test_the_data_reach_every_kind_of_median() -> None:
    """Medians among the zeros, the positive and the negative cells, odd and even counts."""
    both = cross_join(tables(1))
    work = both["productivity_team"]
    assert (work["median_amount"] == 0).any()
    assert (work["median_amount"] > 0).any() and (work["median_amount"] < 0).any()
    assert (work["seat_weeks"] % 2 == 0).any() and (work["seat_weeks"] % 2 == 1).any()
    grades = both["productivity_grade"]  # grade C's seat has only ramp weeks
    assert grades.loc["C", "seat_weeks"].eq(0).all()
    assert grades.loc["C", "median_amount"].isna().all()
