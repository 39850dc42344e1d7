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
