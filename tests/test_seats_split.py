"""Seats' shares of their team's months: the coded join gives the pandas merge's rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner import names as n
from planner.allocation.seats import QUANTA, split_to_seats
from planner.whole_units import UnitPrices, split_groups


def _reference(team_month: pd.DataFrame, seat_month: pd.DataFrame,
               prices: UnitPrices) -> pd.DataFrame:
    """The split as first written: a pandas merge and groupby."""
    joined = team_month.merge(seat_month, on=[n.TEAM, n.MONTH], how="left")
    joined["weight"] = joined["weight"].fillna(0.0)
    group = [n.TEAM, n.PRODUCT, n.MONTH]
    total = joined.groupby(group)["weight"].transform("sum")
    joined = joined.loc[(joined["weight"] > 0) | (total <= 0)].reset_index(drop=True)
    codes = joined.groupby(group, sort=False).ngroup().to_numpy()
    first = np.full(int(codes.max()) + 1 if len(codes) else 0, -1, np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    totals = joined[QUANTA].to_numpy(np.int64)[first]
    counts = split_groups(joined["weight"].to_numpy(float), codes, totals)
    joined[n.AMOUNT] = prices.amount(joined[n.PRODUCT], counts)
    joined[n.UNITS] = prices.units(joined[n.PRODUCT], counts)
    joined = joined.loc[joined[n.SEAT].notna()]
    return joined[list(n.PLAN_SEATS_COLUMNS)].reset_index(drop=True)


def _inputs(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, UnitPrices]:
    rng = np.random.default_rng(seed)
    months = [f"2027-{m:02d}" for m in range(1, 5)]
    teams = [f"T{t}" for t in range(6)]
    team_month = pd.DataFrame([(t, p, m) for t in teams for p in ("FIX", "VAR", "ODD")
                               for m in months], columns=[n.TEAM, n.PRODUCT, n.MONTH])
    team_month = team_month.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    team_month[QUANTA] = rng.integers(0, 1000, len(team_month))
    seats = []
    for t in teams[:-1]:  # the last team has no seat at all
        for s in range(int(rng.integers(1, 5))):
            for m in months[int(rng.integers(0, 2)):]:  # some join late
                weight = float(rng.choice([0.0, 0.0, 1.0, 2.5, rng.random()]))
                seats.append((f"{t}-S{s}", t, str(rng.choice(["A", "B"])), m, weight))
    seats.append(("GHOST", "T99", "A", months[0], 1.0))  # a team without targets
    seat_month = pd.DataFrame(seats, columns=[n.SEAT, n.TEAM, n.GRADE, n.MONTH, "weight"])
    seat_month = seat_month.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    for column in (n.TEAM, n.PRODUCT, n.MONTH):
        team_month[column] = team_month[column].astype("str")
    for column in (n.SEAT, n.TEAM, n.GRADE, n.MONTH):
        seat_month[column] = seat_month[column].astype("str")
    prices = UnitPrices.of(pd.Series(["FIX", "VAR"]), [1000.0, 37.5], [True, False], 1e6)
    return team_month, seat_month, prices  # "ODD" has no price: NaN amounts, as before


@pytest.mark.parametrize("seed", range(8))
def test_split_to_seats_equals_the_pandas_merge(seed: int) -> None:
    team_month, seat_month, prices = _inputs(seed)
    got = split_to_seats(team_month, seat_month, prices)
    expected = _reference(team_month, seat_month, prices)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_duplicate_team_months_and_missing_seats_are_split_as_before() -> None:
    team_month, seat_month, prices = _inputs(3)
    team_month = pd.concat([team_month, team_month.iloc[:5]], ignore_index=True)
    seat_month.loc[2, n.SEAT] = np.nan  # a row without a seat gets nothing
    seat_month.loc[3, "weight"] = np.nan
    got = split_to_seats(team_month, seat_month, prices)
    pd.testing.assert_frame_equal(got, _reference(team_month, seat_month, prices),
                                  check_exact=True)


def test_negative_weights_are_filtered_as_before() -> None:
    team_month, seat_month, prices = _inputs(4)
    seat_month.loc[seat_month.index[:6], "weight"] = -1.0
    got = split_to_seats(team_month, seat_month, prices)
    pd.testing.assert_frame_equal(got, _reference(team_month, seat_month, prices),
                                  check_exact=True)


def test_seats_sum_exactly_to_their_team_month() -> None:
    team_month, seat_month, prices = _inputs(5)
    got = split_to_seats(team_month, seat_month, prices)
    fixed = got.loc[got[n.PRODUCT] == "FIX"].groupby([n.TEAM, n.MONTH])[n.UNITS].sum()
    wanted = team_month.loc[team_month[n.PRODUCT] == "FIX"].set_index([n.TEAM, n.MONTH])[QUANTA]
    assert (fixed == wanted.reindex(fixed.index)).all()
