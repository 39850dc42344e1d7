"""``stretch[team]``: each team's yearly target within its expected outcome + k sd.

The rule of ``[allocation] max_stretch_sigma`` (limits from
:func:`planner.risk.buffer.stretch_limits`): one row per team, the sum of its cells at
most its limit, elastic like every rule (``stretch_over``, at the rules' penalty), so a
plan the limits cannot carry says by how much each team is over. Linear: the LP stays
an LP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

from planner import names as n
from planner.allocation import families
from planner.lp.program import LinearProgram

if TYPE_CHECKING:
    from planner.allocation.model import AllocationInputs, _Cells, _Codes

FAMILY: Final = families.STRETCH
SLACK: Final = families.STRETCH_OVER
MEANING: Final = families.MEANING[families.STRETCH]


def add_stretch(lp: LinearProgram, grid: _Cells, inputs: AllocationInputs,
                labels_of: _Codes, penalty: float, s: float) -> None:
    """Add ``stretch[team]`` rows when ``inputs.stretch`` holds limits (else nothing).

    Parameters
    ----------
    lp : LinearProgram
    grid : _Cells
        The cell columns.
    inputs : AllocationInputs
        ``inputs.stretch``: ``team, limit`` (amount), or None.
    labels_of : _Codes
        The cells' label codes.
    penalty, s : float
        Cost per unit of slack and the LP's amount unit.
    """
    if inputs.stretch is None or inputs.stretch.empty:
        return
    present = labels_of.uniques[n.TEAM][np.unique(labels_of.codes[n.TEAM])]
    limits = inputs.stretch.loc[inputs.stretch[n.TEAM].isin(present)].reset_index(drop=True)
    if limits.empty:
        return
    keys = limits[[n.TEAM]]
    over = lp.add_variables(SLACK, keys, cost=penalty)
    grid.add_family(lp, FAMILY, keys, labels_of.rows(keys), np.ones(len(grid.ref)),
                    np.full(len(keys), -np.inf), limits["limit"].to_numpy(float) / s,
                    [(over.cols(), -1.0)])
