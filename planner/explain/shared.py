"""Tables the per-team explanations share, computed once per plan (not once per team).

Every team's bridge, sentences, binding rules and months read the same plan-wide
frames (the plan, the allocation's exact amounts, the binding rules, the bridge).
Filtering them once per team made explaining every team cost teams squared; here each
frame is split by team once (one ``groupby``) and kept in the explanation's cache
(``ExplainInputs.cache``), so a team's rows are a dictionary look-up. A team's rows are
the same rows, in the same order and with the same index, as a filter on the team
would give, so every amount computed from them is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd

from planner.explain.inputs import ExplainInputs

T = TypeVar("T")


def cached(ex: ExplainInputs, key: str, make: Callable[[], T]) -> T:
    """``ex.cache[key]``, made by ``make()`` on first use."""
    if key not in ex.cache:
        ex.cache[key] = make()
    found: T = ex.cache[key]
    return found


def split(frame: pd.DataFrame, keys: pd.Series) -> dict[str, pd.DataFrame]:
    """``frame``'s rows per key (as text), each in ``frame``'s order with its index.

    Examples
    --------
    >>> df = pd.DataFrame({"team": ["B", "A", "B"], "x": [1, 2, 3]})
    >>> parts = split(df, df["team"])
    >>> parts["B"]["x"].tolist(), list(parts["B"].index)
    ([1, 3], [0, 2])
    """
    text = keys.astype(str)
    return {str(k): part for k, part in frame.groupby(text.to_numpy(), sort=False)}


def rows_of(parts: dict[str, pd.DataFrame], frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """The rows of ``key`` from :func:`split` (no rows, ``frame``'s columns, when none)."""
    found = parts.get(str(key))
    return found if found is not None else frame.iloc[0:0]


def team_split(ex: ExplainInputs, name: str, frame: pd.DataFrame,
               column: str) -> dict[str, pd.DataFrame]:
    """``frame`` split by its ``column`` (a team), cached under ``name``."""
    return cached(ex, f"split:{name}", lambda: split(frame, frame[column]))


def sums_by(keys: np.ndarray | pd.Series, values: np.ndarray) -> dict[str, float]:
    """``values`` summed per key (text keys), each key's values added in their order.

    A key's values are the same floats in the same order as a filter on the key gives,
    so each sum equals that filter's ``.sum()`` exactly.

    Examples
    --------
    >>> sums_by(np.array(["B", "A", "B"]), np.array([1.0, 2.0, 3.0]))
    {'B': 4.0, 'A': 2.0}
    """
    order, bounds, names = key_slices(keys)
    ordered = np.asarray(values, float)[order]
    return {name: float(ordered[bounds[i]:bounds[i + 1]].sum())
            for i, name in enumerate(names)}


def key_slices(keys: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The rows of each key (text keys), together: ``(order, bounds, names)``.

    ``order[bounds[i]:bounds[i + 1]]`` are the rows of ``names[i]`` in their order; keys
    in order of first appearance.

    Examples
    --------
    >>> order, bounds, names = key_slices(np.array(["B", "A", "B"]))
    >>> names, order.tolist(), bounds.tolist()
    (['B', 'A'], [0, 2, 1], [0, 2, 3])
    """
    codes, uniques = pd.factorize(keys)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return order, bounds, [str(name) for name in uniques]


def positions(values: pd.Series | np.ndarray, labels: list[str] | tuple[str, ...]) -> np.ndarray:
    """Each value's position in ``labels`` (``len(labels)`` for a value not in them).

    The vectorised form of mapping each value through ``{label: i}``.

    Examples
    --------
    >>> positions(pd.Series(["b", "a", "z"]), ("a", "b")).tolist()
    [1, 0, 2]
    """
    found = pd.Index(list(labels)).get_indexer(pd.Index(values))
    return np.where(found >= 0, found, len(labels)).astype(np.int64)
