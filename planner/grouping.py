"""Groups of a table's rows by integer codes: what pandas' groupby gives, computed once.

A plan of 400 teams holds about a million rows keyed by text (team, product, week,
month). Grouping them again and again with pandas hashes the text each time, and its
Arrow-backed strings are converted to Python objects on the way. Here each key column is
coded once (:class:`KeyCodes`: an integer per row, ordered as the values sort), and every
grouping is done on the codes:

- :meth:`KeyCodes.first_seen` numbers the groups in order of first appearance, as
  ``frame.groupby(keys, sort=False).ngroup()`` does;
- :meth:`KeyCodes.sorted_groups` numbers them in the order of their sorted keys, as
  ``frame.groupby(keys)`` lists them, with the first row of each group;
- :func:`group_sums` adds a column up per group exactly as pandas does (to the last bit:
  pandas' own sum, over the rows in the same order);
- :func:`rank_in_groups` ranks the members of each group by a key (stable), sorting
  each group on its own instead of the whole table.

Keys are compared as pandas compares them. A missing key is a value of its own in the
codes (pandas' groupby leaves its rows out): :func:`grouped_sum` then gives way to
pandas, and the other groupings expect keys that are never missing (a plan's).

Examples
--------
>>> frame = pd.DataFrame({"team": ["b", "a", "b", "a"], "month": ["02", "01", "01", "01"]})
>>> keys = KeyCodes.of(frame, ["team", "month"])
>>> keys.first_seen(["team", "month"]).tolist()
[0, 1, 2, 1]
>>> ids, first = keys.sorted_groups(["team", "month"])
>>> ids.tolist(), first.tolist()
([2, 0, 1, 0], [1, 2, 0])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

#: Combined codes are kept below this (an int64 holds them with room to spare).
_CODE_SPAN: Final = 2 ** 62


def codes_of(values: pd.Series | pd.Index | np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Integer code of each value and the distinct values, sorted (codes follow that order).

    A missing value gets a code of its own (after the others).

    Examples
    --------
    >>> codes, uniques = codes_of(pd.Series(["b", "a", "b"]))
    >>> codes.tolist(), uniques.tolist()
    ([1, 0, 1], ['a', 'b'])
    """
    codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=False)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def combine(codes: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    """One int64 code per row for a tuple of codes, ordered as the tuples sort.

    Parameters
    ----------
    codes : sequence of ndarray of int
        Each key's codes (``0 <= code < size``), all of one length.
    sizes : sequence of int
        How many codes each key has.

    Returns
    -------
    ndarray of int64

    Examples
    --------
    >>> combine([np.array([1, 0, 1]), np.array([0, 2, 1])], [2, 3]).tolist()
    [3, 2, 4]
    """
    if not codes:
        return np.zeros(0, np.int64)
    key = np.zeros(len(codes[0]), np.int64)
    span = 1
    for code, size in zip(codes, sizes, strict=True):
        size = max(int(size), 1)
        if span * size >= _CODE_SPAN:  # renumber densely (order kept) before it overflows
            uniques, key = np.unique(key, return_inverse=True)
            key = key.astype(np.int64, copy=False).reshape(-1)
            span = max(len(uniques), 1)
        key = key * size + np.asarray(code, np.int64)
        span *= size
    return key


def first_rows(ids: np.ndarray, count: int) -> np.ndarray:
    """The first row of each group ``0..count-1`` of ``ids`` (-1 for a group without rows).

    Examples
    --------
    >>> first_rows(np.array([1, 0, 1, 0]), 3).tolist()
    [1, 0, -1]
    """
    n = len(ids)
    first = np.full(count, n, np.int64)
    np.minimum.at(first, ids, np.arange(n, dtype=np.int64))
    first[first == n] = -1
    return first


@dataclass(frozen=True)
class KeyCodes:
    """A table's key columns as integer codes, coded once.

    Attributes
    ----------
    codes : dict of str to ndarray
        Each key column's code per row (ordered as its values sort).
    values : dict of str to Index
        Each key column's distinct values, in code order.
    """

    codes: dict[str, np.ndarray]
    values: dict[str, pd.Index]

    @classmethod
    def of(cls, frame: pd.DataFrame, columns: Sequence[str]) -> KeyCodes:
        """Code ``frame``'s ``columns``."""
        codes, values = {}, {}
        for column in dict.fromkeys(columns):
            codes[column], values[column] = codes_of(frame[column])
        return cls(codes, values)

    def key(self, columns: Sequence[str]) -> np.ndarray:
        """One int64 per row for the tuple of ``columns``, ordered as the tuples sort."""
        return combine([self.codes[c] for c in columns], [len(self.values[c]) for c in columns])

    def first_seen(self, columns: Sequence[str]) -> np.ndarray:
        """Group number of each row, in order of first appearance (``ngroup(sort=False)``)."""
        key = self.key(columns)
        if _ascending(key):  # rows already in key order (a plan's usually are)
            return np.cumsum(_starts(key)) - 1
        codes, _ = pd.factorize(key)
        return codes.astype(np.int64, copy=False)

    def sorted_groups(self, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Group number of each row in sorted key order, and each group's first row."""
        key = self.key(columns)
        if _ascending(key):
            starts = _starts(key)
            return np.cumsum(starts) - 1, np.flatnonzero(starts)
        codes, uniques = pd.factorize(key, sort=True)
        ids = codes.astype(np.int64, copy=False)
        return ids, first_rows(ids, len(uniques))


def _ascending(key: np.ndarray) -> bool:
    """Whether ``key`` never decreases."""
    return bool((key[1:] >= key[:-1]).all())


def _starts(key: np.ndarray) -> np.ndarray:
    """Whether each row of a sorted ``key`` starts a new group."""
    starts = np.empty(len(key), bool)
    starts[:1] = True
    np.not_equal(key[1:], key[:-1], out=starts[1:])
    return starts


def group_sums(values: npt.ArrayLike, ids: np.ndarray, count: int) -> np.ndarray:
    """Sum of ``values`` per group ``0..count-1``, exactly as pandas' groupby sums them.

    pandas adds floats with a compensated sum, row by row in table order; the same sum
    over the same rows gives the same bits whatever the key was.

    Examples
    --------
    >>> group_sums([1.0, 2.0, 4.0], np.array([1, 0, 1]), 3).tolist()
    [2.0, 5.0, 0.0]
    """
    series = pd.Series(np.asarray(values), copy=False)
    sums = series.groupby(ids, sort=True).sum()
    out = np.zeros(count, dtype=sums.dtype)
    out[sums.index.to_numpy(np.int64)] = sums.to_numpy()
    return out


def rank_in_groups(groups: np.ndarray, key: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Rank of each member within its group by ``key`` ascending; earlier member on ties.

    The same ranks as a stable sort of the whole table by ``(group, key, position)``,
    but each group is sorted on its own: groups of similar size are laid out as the
    rows of a matrix (padded with NaN, which sorts last) and sorted row by row.

    Parameters
    ----------
    groups : ndarray of int
        Group of each member (``0 <= group < len(count)``).
    key : ndarray of float
        Sort key of each member (NaN sorts last, as in a sort).
    count : ndarray of int
        Members per group.

    Returns
    -------
    ndarray of int64
        0 for the first member of its group, 1 for the next, ...

    Examples
    --------
    >>> rank_in_groups(np.array([0, 1, 0, 0]), np.array([0.5, 0.1, 0.2, 0.5]),
    ...                np.array([3, 1])).tolist()
    [1, 0, 0, 2]
    """
    n = len(groups)
    if not n:
        return np.zeros(0, np.int64)
    count = np.asarray(count, np.int64)
    in_order = bool((groups[1:] >= groups[:-1]).all())
    order = np.arange(n) if in_order else np.argsort(groups, kind="stable")
    grouped_key = np.asarray(key, float) if in_order else np.asarray(key, float)[order]
    start = np.cumsum(count) - count
    # groups by size class (1, 2, 3-4, 5-8, ...): a class's matrix is at most half padding
    size_class = np.ceil(np.log2(np.maximum(count, 1))).astype(np.int64)
    rank = np.empty(n, np.int64)
    for cls in np.unique(size_class[count > 0]):
        chosen = np.flatnonzero((size_class == cls) & (count > 0))
        sizes = count[chosen]
        columns = np.arange(int(sizes.max()))
        member = start[chosen][:, None] + columns[None, :]
        real = columns[None, :] < sizes[:, None]
        grid = np.where(real, grouped_key[np.where(real, member, 0)], np.nan)
        by_key = np.argsort(grid, axis=1, kind="stable")
        ranks = np.empty_like(by_key)
        np.put_along_axis(ranks, by_key, columns[None, :], axis=1)
        rank[member[real]] = ranks[real]
    if not in_order:
        rank[order] = rank.copy()
    return rank


def grouped_sum(frame: pd.DataFrame, keys: KeyCodes, columns: Sequence[str],
                value: str) -> pd.DataFrame:
    """``frame.groupby(columns, as_index=False)[value].sum()``, on coded keys.

    Parameters
    ----------
    frame : DataFrame
        The rows (coded by ``keys``).
    keys : KeyCodes
        ``frame``'s key columns, ``columns`` among them.
    columns : sequence of str
        The keys to group by.
    value : str
        The column to add up.

    Returns
    -------
    DataFrame
        ``columns`` (their values and dtypes) and ``value``, one row per group in
        sorted key order; the sums are pandas' own (:func:`group_sums`).

    Examples
    --------
    >>> f = pd.DataFrame({"team": ["b", "a", "b"], "amount": [1.0, 2.0, 4.0]})
    >>> grouped_sum(f, KeyCodes.of(f, ["team"]), ["team"], "amount").to_dict("list")
    {'team': ['a', 'b'], 'amount': [2.0, 5.0]}
    """
    if any(keys.values[c].hasnans for c in columns):  # pandas leaves those rows out
        return frame.groupby(list(columns), as_index=False)[value].sum()
    ids, first = keys.sorted_groups(columns)
    out = frame[list(columns)].iloc[first].reset_index(drop=True)
    out[value] = group_sums(frame[value].to_numpy(), ids, len(first))
    return out
