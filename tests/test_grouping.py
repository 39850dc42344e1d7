"""Grouping on integer codes gives what pandas' groupby gives, to the last bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.grouping import KeyCodes, combine, first_rows, group_sums, grouped_sum, rank_in_groups
from planner.whole_units import split_groups


def _frame(rows: int, seed: int, ordered: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "team": pd.Series([f"T{i:02d}" for i in rng.integers(0, 7, rows)], dtype="str"),
        "product": [f"P{i}" for i in rng.integers(0, 5, rows)],
        "month": pd.Series([f"2027-{i:02d}" for i in rng.integers(1, 4, rows)], dtype="str"),
        "slot": rng.integers(0, 3, rows),
        "amount": rng.random(rows) * 10 ** rng.integers(0, 9, rows),
    })
    if ordered:
        frame = frame.sort_values(["team", "product", "month", "slot"], ignore_index=True)
    return frame


@pytest.mark.parametrize("ordered", [False, True])
def test_first_seen_numbers_groups_as_pandas_does(ordered: bool) -> None:
    frame = _frame(500, 1, ordered)
    keys = KeyCodes.of(frame, ["team", "product", "month", "slot"])
    for columns in (["product"], ["team", "product"], ["team", "product", "month", "slot"]):
        expected = frame.groupby(columns, sort=False).ngroup().to_numpy()
        assert keys.first_seen(columns).tolist() == expected.tolist()


@pytest.mark.parametrize("ordered", [False, True])
def test_grouped_sum_is_pandas_sum_bit_for_bit(ordered: bool) -> None:
    frame = _frame(2000, 2, ordered)
    keys = KeyCodes.of(frame, ["team", "product", "month"])
    got = grouped_sum(frame, keys, ["team", "month"], "amount")
    expected = frame.groupby(["team", "month"], as_index=False)["amount"].sum()
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got["amount"].to_numpy().view(np.int64).tolist() == \
        expected["amount"].to_numpy().view(np.int64).tolist()


def test_group_sums_keep_integers_and_empty_groups() -> None:
    sums = group_sums(np.array([3, 4, 5], np.int64), np.array([2, 0, 2]), 4)
    assert sums.dtype == np.int64
    assert sums.tolist() == [4, 0, 8, 0]


def test_first_rows_marks_groups_without_rows() -> None:
    assert first_rows(np.array([2, 0, 2, 0]), 4).tolist() == [1, -1, 0, -1]


def test_combined_codes_keep_the_order_of_the_tuples_past_int64() -> None:
    big = 2 ** 40
    codes = [np.array([1, 1, 0, 1]), np.array([5, 3, big - 1, 3]), np.array([0, 1, 2, 1])]
    key = combine(codes, [2, big, 3])
    assert np.argsort(key, kind="stable").tolist() == [2, 1, 3, 0]
    assert key[1] == key[3]


def _lexsort_rank(groups: np.ndarray, key: np.ndarray, count: np.ndarray) -> np.ndarray:
    order = np.lexsort((np.arange(len(key)), key, groups))
    first = np.searchsorted(groups[order], np.arange(len(count)))
    rank = np.empty(len(key), np.int64)
    rank[order] = np.arange(len(key)) - first[groups[order]]
    return rank


@pytest.mark.parametrize("seed", range(12))
def test_ranks_in_groups_equal_a_stable_sort_of_the_whole_table(seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups_count = int(rng.integers(1, 40))
    rows = int(rng.integers(1, 900))
    groups = rng.integers(0, groups_count, rows)
    if seed % 2:
        groups = np.sort(groups)
    key = rng.integers(0, 5, rows) / 4.0 if seed % 3 else -rng.random(rows)  # ties
    key[rng.integers(0, rows, 2)] = np.nan
    key[rng.integers(0, rows, 2)] = -0.0
    count = np.bincount(groups, minlength=groups_count)
    assert rank_in_groups(groups, key, count).tolist() == \
        _lexsort_rank(groups, key, count).tolist()


def test_ranks_in_groups_of_very_different_sizes() -> None:
    rng = np.random.default_rng(5)
    count = np.array([1, 300, 0, 2, 7, 64, 65, 3])
    groups = rng.permutation(np.repeat(np.arange(len(count)), count))
    key = np.round(rng.random(len(groups)), 1)
    assert rank_in_groups(groups, key, count).tolist() == \
        _lexsort_rank(groups, key, count).tolist()


def _split_reference(weights: np.ndarray, groups: np.ndarray, totals: np.ndarray
                     ) -> np.ndarray:
    """The largest-remainder split as first written: one lexsort of the whole table."""
    w = np.clip(np.nan_to_num(weights), 0.0, None)
    k = len(totals)
    weight_sum = np.bincount(groups, weights=w, minlength=k)
    count = np.bincount(groups, minlength=k)
    even = weight_sum[groups] <= 0
    share = np.where(even, 1.0 / np.maximum(count[groups], 1),
                     w / np.where(even, 1.0, weight_sum[groups]))
    exact = share * totals[groups].astype(float)
    base = np.floor(exact).astype(np.int64)
    missing = totals - np.bincount(groups, weights=base, minlength=k).astype(np.int64)
    rank = _lexsort_rank(groups, -(exact - base), count)
    out = base.copy()
    need = missing[groups]
    out += (need > 0) & (rank < need)
    out -= (need < 0) & (count[groups] - 1 - rank < -need)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_split_groups_equals_the_whole_table_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows, k = 3000, 400
    groups = rng.integers(0, k, rows)
    weights = rng.integers(0, 4, rows).astype(float)  # equal weights: ties everywhere
    weights[rng.integers(0, rows, 30)] = np.nan
    weights[rng.integers(0, rows, 3)] = np.inf
    weights[rng.integers(0, rows, 3)] = -2.0
    weights[rng.integers(0, rows, 3)] = -np.inf
    totals = rng.integers(0, 10 ** 6, k)
    got = split_groups(weights, groups, totals)
    assert got.tolist() == _split_reference(weights, groups, totals).tolist()
    assert np.bincount(groups, weights=got, minlength=k).astype(np.int64).tolist() == \
        [t if c else 0 for t, c in zip(totals, np.bincount(groups, minlength=k), strict=True)]


def test_grouped_sum_leaves_rows_without_a_key_out_as_pandas_does() -> None:
    frame = _frame(300, 4)
    frame.loc[[1, 5], "month"] = np.nan
    got = grouped_sum(frame, KeyCodes.of(frame, ["team", "month"]), ["team", "month"],
                      "amount")
    expected = frame.groupby(["team", "month"], as_index=False)["amount"].sum()
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
