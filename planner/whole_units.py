"""Whole units and cents that still add up: largest-remainder rounding down a hierarchy.

A plan is read at several levels (company product x year, team x product x year, month,
week part, seat), and every level must add up exactly to the one above. Rounding each
number on its own breaks that; here every split is done in whole *quanta* (one unit of a
fixed-ticket product, one cent of a variable-ticket one) with the largest-remainder
(Hamilton) rule: each part gets the whole quanta below its exact share, and the quanta
left over go to the parts with the largest remainders. The parts then sum exactly to the
whole, and each part is within one quantum of its exact share.

A fixed-ticket product's quantum is its ticket (amount = units x ticket); a
variable-ticket product's is a cent (:data:`CENT`), coarser only where float64 could no
longer hold cents (:func:`amount_quantum`).

Examples
--------
>>> largest_remainder([1.0, 1.0, 1.0], 10).tolist()
[4, 3, 3]
>>> split_groups([2.0, 1.0, 5.0, 5.0], [0, 0, 1, 1], [3, 1]).tolist()
[2, 1, 1, 0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.grouping import KeyCodes, first_rows, rank_in_groups
from planner.names import AMOUNT, MONTH, PRODUCT, TEAM

CENT: Final = 0.01
#: Largest count of quanta in one amount: float64 holds every integer up to 2**53, and
#: sums of many such amounts keep a margin below that.
MAX_QUANTA: Final = 2.0 ** 50


def amount_quantum(total: float) -> float:
    """The smallest power of ten (from a cent up) that keeps ``total`` exact in float64.

    Amounts below 11 trillion are kept to the cent; larger ones to coarser steps, since a
    float64 cannot hold their cents.

    Examples
    --------
    >>> amount_quantum(5.5e10)
    0.01
    >>> amount_quantum(2e16)
    100.0
    """
    quantum = CENT
    while abs(total) / quantum >= MAX_QUANTA:
        quantum *= 10.0
    return float(round(quantum, 2))


def quanta(amount: npt.ArrayLike, quantum: npt.ArrayLike) -> np.ndarray:
    """Nearest whole number of quanta in each amount (int64).

    Examples
    --------
    >>> quanta([2_500_000.0, 12.344], [1_000_000.0, 0.01]).tolist()
    [2, 1234]
    """
    values = np.asarray(amount, float) / np.asarray(quantum, float)
    return np.rint(values).astype(np.int64)


def largest_remainder(weights: npt.ArrayLike, total: int) -> np.ndarray:
    """Split the whole number ``total`` over parts in proportion to ``weights``.

    Parameters
    ----------
    weights : array_like of float
        Non-negative weights of the parts.
    total : int
        Whole number to split (e.g. units, cents).

    Returns
    -------
    ndarray of int64
        One whole number per part, summing exactly to ``total``; each is the floor or the
        ceiling of its exact share. Ties go to the earlier part. When every weight is 0
        the total is spread evenly.

    Examples
    --------
    >>> largest_remainder([0.5, 0.3, 0.2], 7).tolist()
    [4, 2, 1]
    >>> largest_remainder([0.0, 0.0], 3).tolist()
    [2, 1]
    """
    weights = np.asarray(weights, float)
    return split_groups(weights, np.zeros(len(weights), np.int64), [int(total)])


def split_groups(weights: npt.ArrayLike, groups: npt.ArrayLike,
                 totals: npt.ArrayLike) -> np.ndarray:
    """Largest-remainder split of each group's whole total over its members, vectorised.

    Parameters
    ----------
    weights : array_like of float
        Non-negative weight of each member.
    groups : array_like of int
        Group of each member: an index into ``totals``.
    totals : array_like of int
        Whole number to split in each group.

    Returns
    -------
    ndarray of int64
        Whole number per member; the members of group ``g`` sum exactly to
        ``totals[g]``. Within a group, ties go to the earlier member; a group whose
        weights are all 0 is spread evenly.

    Examples
    --------
    >>> split_groups([1.0, 3.0, 0.0, 0.0], [0, 0, 1, 1], [5, 1]).tolist()
    [1, 4, 1, 0]
    """
    # NaN -> 0, below 0 -> 0, +inf -> the largest float (as nan_to_num, then clip, do)
    w = np.clip(np.asarray(weights, float), 0.0, np.finfo(float).max)
    w[np.isnan(w)] = 0.0
    g = np.asarray(groups, np.int64)
    t = np.asarray(totals, np.int64)
    if not len(w):
        return np.zeros(0, np.int64)
    k = len(t)
    weight_sum = np.bincount(g, weights=w, minlength=k)
    count = np.bincount(g, minlength=k)
    even = (weight_sum <= 0)[g]
    if even.any():
        share = np.where(even, 1.0 / np.maximum(count[g], 1),
                         w / np.where(even, 1.0, weight_sum[g]))
    else:  # the same quotients, without the even branch
        share = w / weight_sum[g]
    exact = share * t.astype(float)[g]
    floor = np.floor(exact)
    base = floor.astype(np.int64)
    remainder = exact - floor
    missing = t - np.bincount(g, weights=base, minlength=k).astype(np.int64)
    # rank within the group: largest remainder first (earlier member on ties)
    rank = rank_in_groups(g, -remainder, count)
    out = base
    need = missing[g]
    out += (need > 0) & (rank < need)
    # float noise can leave one too many: take it back from the smallest remainders
    short = need < 0
    if short.any():
        out -= short & (count[g] - 1 - rank < -need)
    return out


def round_down(frame: pd.DataFrame, levels: Sequence[Sequence[str]], value: str,
               top: npt.ArrayLike) -> np.ndarray:
    """Round a table of exact values to whole quanta, one level of a hierarchy at a time.

    The first level's totals are given (``top``, whole quanta, one per group of
    ``levels[0]`` in order of first appearance); each following level (its keys a
    superset of the previous level's) splits its parent's whole total over its own
    groups by their exact sums with :func:`split_groups`. The last level must identify
    the rows.

    Parameters
    ----------
    frame : DataFrame
        The rows, with the key columns and ``value`` (exact, in quanta).
    levels : sequence of sequence of str
        Key columns per level, from the top, e.g. ``[["product"], ["team", "product"],
        ["team", "product", "month"], ["team", "product", "month", "slot"]]``.
    value : str
        Column of exact values, in quanta.
    top : array_like of int
        Whole quanta per group of the first level.

    Returns
    -------
    ndarray of int64
        Whole quanta per row of ``frame``: every level's groups sum exactly to their
        parent's rounded total.

    Examples
    --------
    >>> f = pd.DataFrame({"p": ["a", "a", "a", "b"], "m": [1, 1, 2, 1],
    ...                   "w": [1, 2, 3, 4], "v": [0.4, 0.4, 1.2, 2.0]})
    >>> round_down(f, [["p"], ["p", "m"], ["p", "m", "w"]], "v", [2, 2]).tolist()
    [1, 0, 1, 2]
    """
    keys = KeyCodes.of(frame, [c for level in levels for c in level])
    return round_codes(keys, levels, frame[value].to_numpy(float), top)


def round_codes(keys: KeyCodes, levels: Sequence[Sequence[str]], values: np.ndarray,
                top: npt.ArrayLike) -> np.ndarray:
    """:func:`round_down` on a table's key columns already coded.

    Parameters
    ----------
    keys : KeyCodes
        The table's key columns (every column of ``levels``).
    levels : sequence of sequence of str
        Key columns per level, from the top (see :func:`round_down`).
    values : ndarray of float
        Exact value of each row, in quanta.
    top : array_like of int
        Whole quanta per group of the first level, in order of first appearance.

    Returns
    -------
    ndarray of int64
        Whole quanta per row.
    """
    counts = np.asarray(top, np.int64)
    parent = keys.first_seen(levels[0])
    for level in levels[1:]:
        child = keys.first_seen(level)
        k = int(child.max()) + 1 if len(child) else 0
        weight = np.bincount(child, weights=values, minlength=k)
        counts = split_groups(weight, parent[first_rows(child, k)], counts)
        parent = child
    return counts[parent]


def round_targets(amount: npt.ArrayLike, ticket: npt.ArrayLike, fixed: npt.ArrayLike,
                  groups: npt.ArrayLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Company targets in whole quanta: whole units of fixed-ticket items, cents of the rest.

    Fixed-ticket items with the same ticket are rounded together to whole units (largest
    remainder on their exact units, so together they move by less than one ticket). What
    that rounding adds or takes away in amount is taken from (or given to) the
    variable-ticket items of the same group (margin tier), in proportion to their amounts,
    so each group's total stays exact to the cent; a group without variable-ticket items
    passes it on to all of them; only when there are none does the total move.

    Parameters
    ----------
    amount : array_like of float
        Exact (unrounded) target amounts, >= 0.
    ticket : array_like of float
        Unit price of each fixed-ticket item (ignored for the others).
    fixed : array_like of bool
        Whether the item has a fixed ticket.
    groups : array_like, optional
        Group (e.g. margin tier) of each item; one group when omitted.

    Returns
    -------
    (counts, quantum) : (ndarray of int64, ndarray of float)
        Whole quanta per item and the amount of one quantum (the ticket, or a cent), so
        the rounded amount is ``counts * quantum``.

    Examples
    --------
    >>> counts, quantum = round_targets([2_400_000.0, 600_000.0, 300_000.0],
    ...                                 [1_000_000.0, 0.0, 0.0], [True, False, False])
    >>> counts.tolist(), (counts * quantum).round(2).tolist()
    ([2, 86666667, 43333333], [2000000.0, 866666.67, 433333.33])

    The 400,000 the fixed-ticket item lost by rounding 2.4 units to 2 went to the
    variable-ticket items (2:1): the total stays 3,300,000.
    """
    exact = np.clip(np.nan_to_num(np.asarray(amount, float)), 0.0, None)
    price = np.where(np.asarray(fixed, bool), np.asarray(ticket, float), np.nan)
    is_fixed = np.isfinite(price) & (price > 0)
    cent = amount_quantum(float(exact.sum()))
    quantum = np.where(is_fixed, price, cent)
    codes = (np.zeros(len(exact), np.int64) if groups is None
             else pd.factorize(pd.Series(groups).fillna(""))[0].astype(np.int64))
    counts = np.zeros(len(exact), np.int64)
    if is_fixed.any():
        tickets, same = np.unique(price[is_fixed], return_inverse=True)
        units = exact[is_fixed] / price[is_fixed]
        totals = np.rint(np.bincount(same, weights=units, minlength=len(tickets)))
        counts[is_fixed] = split_groups(units, same, totals.astype(np.int64))
    moved = np.where(is_fixed, counts * quantum - exact, 0.0)
    variable = ~is_fixed & (exact > 0)  # only items with a target absorb
    left = 0.0
    for g in np.unique(codes):
        inside = codes == g
        pool = inside & variable
        want = float(exact[pool].sum() - moved[inside].sum())
        if pool.any() and want >= 0:
            counts[pool] = largest_remainder(exact[pool], int(np.rint(want / cent)))
        else:
            counts[pool] = np.rint(exact[pool] / cent).astype(np.int64)
            left += float(moved[inside].sum())
    if left and variable.any():
        current = counts[variable].astype(float)
        total = int(current.sum() - np.rint(left / cent))
        if total >= 0:
            counts[variable] = largest_remainder(current, total)
    return counts, quantum


@dataclass(frozen=True)
class UnitPrices:
    """How each product's plan is counted: whole units at a fixed ticket, or cents.

    Attributes
    ----------
    quantum : Series
        Amount of one quantum per product: the ticket of a fixed-ticket product, a cent
        (:func:`amount_quantum`) otherwise.
    ticket : Series
        Unit price per product: the fixed ticket, or the planned average ticket of a
        variable-ticket product (its units are then ``amount / ticket``, not whole).
    fixed : Series of bool
        Whether the product is counted in whole units.
    """

    quantum: pd.Series
    ticket: pd.Series
    fixed: pd.Series

    @classmethod
    def of(cls, products: pd.Series, ticket: npt.ArrayLike, fixed: npt.ArrayLike,
           total: float) -> UnitPrices:
        """Prices of ``products``; ``total`` (the plan's amount) sets the cent quantum.

        Examples
        --------
        >>> p = UnitPrices.of(pd.Series(["T", "L"]), [1e6, 8000.0], [True, False], 5e9)
        >>> p.amount(pd.Series(["T", "L"]), [3, 150]).tolist()
        [3000000.0, 1.5]
        >>> p.units(pd.Series(["T", "L"]), [3, 80000000]).tolist()
        [3.0, 100.0]
        """
        index = pd.Index(products, name=None)
        is_fixed = pd.Series(np.asarray(fixed, bool), index=index)
        price = pd.Series(np.asarray(ticket, float), index=index)
        quantum = price.where(is_fixed, amount_quantum(total))
        return cls(quantum=quantum, ticket=price, fixed=is_fixed)

    def positions(self, products: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
        """Each row's product as a position in the price tables (-1: not priced).

        The products are coded once (:func:`pandas.factorize`) and only the distinct
        ones looked up, so a million rows cost one pass over their text.

        Examples
        --------
        >>> p = UnitPrices.of(pd.Series(["T", "L"]), [1e6, 8000.0], [True, False], 5e9)
        >>> p.positions(pd.Series(["L", "X", "L", "T"])).tolist()
        [1, -1, 1, 0]
        """
        codes, uniques = pd.factorize(products, use_na_sentinel=False)
        return self.quantum.index.get_indexer(uniques).astype(np.int64)[codes]

    def amount(self, products: pd.Series, counts: npt.ArrayLike) -> np.ndarray:
        """Amount of ``counts`` quanta of each row's product."""
        return self.amount_at(self.positions(products), counts)

    def exact(self, products: pd.Series, amount: npt.ArrayLike) -> np.ndarray:
        """Exact (fractional) quanta in each row's amount."""
        return self.exact_at(self.positions(products), amount)

    def units(self, products: pd.Series, counts: npt.ArrayLike) -> np.ndarray:
        """Units of ``counts`` quanta: whole for fixed tickets, amount / ticket otherwise."""
        return self.units_at(self.positions(products), counts)

    def amount_at(self, at: np.ndarray, counts: npt.ArrayLike) -> np.ndarray:
        """:meth:`amount` of rows given by their :meth:`positions`."""
        return np.asarray(counts, float) * _lookup(self.quantum, at, np.nan)

    def exact_at(self, at: np.ndarray, amount: npt.ArrayLike) -> np.ndarray:
        """:meth:`exact` of rows given by their :meth:`positions`."""
        return np.asarray(amount, float) / _lookup(self.quantum, at, np.nan)

    def units_at(self, at: np.ndarray, counts: npt.ArrayLike) -> np.ndarray:
        """:meth:`units` of rows given by their :meth:`positions`."""
        fixed = _lookup(self.fixed.astype(bool), at, False)
        count = np.asarray(counts, float)
        amount = self.amount_at(at, counts)
        ticket = _lookup(self.ticket, at, np.nan)
        per_ticket = np.divide(amount, ticket, out=np.zeros(len(amount)),
                               where=np.isfinite(ticket) & (ticket > 0))
        return np.where(fixed, count, per_ticket)


def _lookup(values: pd.Series, at: np.ndarray, missing: float | bool) -> np.ndarray:
    """``values`` at positions ``at``, ``missing`` where the position is -1."""
    table = values.to_numpy()
    return np.append(table, np.array([missing], table.dtype))[at]


#: Levels a plan is rounded down, from the company's product targets to the week parts.
PLAN_LEVELS: Final = ((PRODUCT,), (TEAM, PRODUCT), (TEAM, PRODUCT, MONTH),
                      (TEAM, PRODUCT, MONTH, "slot"))


def round_plan(plan: pd.DataFrame, prices: UnitPrices, targets: pd.Series,
               keys: KeyCodes | None = None) -> np.ndarray:
    """Whole quanta per team x product x week part, summing exactly at every level.

    Parameters
    ----------
    plan : DataFrame
        ``team, product, month, slot, amount`` (exact amounts, one row per week part).
    prices : UnitPrices
        The quantum of each product.
    targets : Series
        Whole quanta per product (the buffered company targets), indexed by product.
    keys : KeyCodes, optional
        ``plan``'s key columns already coded (``team, product, month, slot``).

    Returns
    -------
    ndarray of int64
        Quanta per row, rounded down :data:`PLAN_LEVELS`: products -> teams x products
        (year) -> months -> week parts, each level by the largest remainder of the exact
        amounts, so each team's year, month and week parts sum exactly to the level above.
    """
    if keys is None:
        keys = KeyCodes.of(plan, [c for level in PLAN_LEVELS for c in level])
    exact = prices.exact_at(product_positions(prices, keys), plan[AMOUNT])
    products = keys.first_seen(PLAN_LEVELS[0])
    count = int(products.max()) + 1 if len(products) else 0
    order = plan[PRODUCT].iloc[first_rows(products, count)]
    top = targets.reindex(order).fillna(0).to_numpy(np.int64)
    return round_codes(keys, PLAN_LEVELS, exact, top)


def product_positions(prices: UnitPrices, keys: KeyCodes) -> np.ndarray:
    """:meth:`UnitPrices.positions` of a table's ``product`` column already coded."""
    return prices.positions(keys.values[PRODUCT])[keys.codes[PRODUCT]]
