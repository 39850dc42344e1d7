"""The constraint matrix is built once per model and rebuilt when the model changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from test_allocation import tiny

from planner.allocation.model import build_allocation, cell_reference, cells_of
from planner.lp.program import LinearProgram


def _two_columns() -> LinearProgram:
    lp = LinearProgram()
    lp.add_variables("x", pd.DataFrame({"c": [0, 1]}))
    lp.add_constraints("sum", pd.DataFrame({"r": ["a"]}), np.array([0, 0]), np.array([0, 1]),
                       np.array([1.0, 2.0]), upper=10.0)
    return lp


def test_the_matrix_is_shared_until_the_model_changes() -> None:
    lp = _two_columns()
    first = lp.matrix()
    assert lp.matrix() is first
    lp.add_terms("sum", np.array([0]), np.array([0]), np.array([3.0]))
    assert lp.matrix().toarray().tolist() == [[4.0, 2.0]]
    lp.add_variables("y", pd.DataFrame({"c": [2]}))
    assert lp.matrix().shape == (1, 3)
    lp.add_constraints("more", pd.DataFrame({"r": ["b"]}), np.array([0]), np.array([2]),
                       np.array([5.0]))
    assert lp.matrix().toarray().tolist() == [[4.0, 2.0, 0.0], [0.0, 0.0, 5.0]]


def test_bounds_changed_keep_the_matrix() -> None:
    lp = _two_columns()
    first = lp.matrix()
    lp.set_col_bounds("x", np.array([0]), 1.0, 1.0)
    lp.set_row_bounds("sum", np.array([0]), -np.inf, 5.0)
    assert lp.matrix() is first


def test_cell_reference_is_the_cells_reference_bit_for_bit() -> None:
    inputs = tiny()
    reference = cells_of(inputs)["reference"].to_numpy(float)
    assert cell_reference(inputs).tobytes() == reference.tobytes()
    assert build_allocation(inputs)[1]["reference"].to_numpy(float).tobytes() == \
        reference.tobytes()
