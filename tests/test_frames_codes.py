"""The team grids' sums grouped on codes are pandas' own groupby sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner import names as n
from planner.grouping import KeyCodes
from planner.outputs.frames import _codes, _summed


def _plan(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = 3000
    return pd.DataFrame({
        n.TEAM: pd.Series([f"T{i}" for i in rng.integers(0, 20, rows)], dtype="str"),
        n.PRODUCT: pd.Series([f"P{i}" for i in rng.integers(0, 6, rows)], dtype="str"),
        n.MONTH: pd.Series([f"2027-{m:02d}" for m in rng.integers(1, 13, rows)], dtype="str"),
        n.AMOUNT: rng.random(rows) * 10 ** rng.integers(0, 9, rows),
    })


@pytest.mark.parametrize("sort", [True, False])
def test_summed_is_the_groupby_sum(sort: bool) -> None:
    plan = _plan(1)
    columns = [n.TEAM, n.PRODUCT, n.MONTH]
    got = _summed(plan, KeyCodes.of(plan, columns), columns, sort=sort)
    expected = plan.groupby(columns, sort=sort)[n.AMOUNT].sum()
    pd.testing.assert_series_equal(got, expected, check_exact=True)
    if sort:  # the grids are unstacked from the sorted sums
        pd.testing.assert_frame_equal(got.unstack(n.MONTH), expected.unstack(n.MONTH),
                                      check_exact=True)


def test_summed_leaves_rows_without_a_key_out_as_pandas_does() -> None:
    plan = _plan(2)
    plan.loc[[3, 7], n.PRODUCT] = np.nan
    columns = [n.TEAM, n.PRODUCT]
    got = _summed(plan, KeyCodes.of(plan, columns), columns)
    pd.testing.assert_series_equal(got, plan.groupby(columns)[n.AMOUNT].sum(),
                                   check_exact=True)


def test_codes_look_each_label_up_once() -> None:
    plan = _plan(3)
    columns = [n.TEAM, n.PRODUCT, n.MONTH]
    index = _summed(plan, KeyCodes.of(plan, columns), columns, sort=False).index
    known = ["P5", "P0", "P9", "P2"]
    assert _codes(index, 1, known).tolist() == \
        pd.Index(known).get_indexer(index.get_level_values(1)).tolist()
    assert _codes(index, 1, known, as_text=True).tolist() == \
        pd.Index(known).get_indexer(index.get_level_values(1).astype(str)).tolist()
