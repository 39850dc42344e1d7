"""The allocation LP's hiring columns and rows (``[hiring]``; see :mod:`.hiring`).

``hire[option]``: seats of a grade joining a team at the start of a month, each adding
its ramped, attrition-adjusted capacity to the team's weeks (in ``capacity`` with the
headroom, in ``hire_cover`` without), at a cost per seat-year;
``hire_cover[team, week]``: a hiring team's load within its capacity at the plan's
productivity, elastic (``hire_short``); ``hire_limit[team, month]`` and ``hire_total``:
the scenario's limits (hard: hiring less is always possible). Pure: inputs in, rows
added to the :class:`~planner.lp.program.LinearProgram`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation import families as f
from planner.lp.program import LinearProgram

if TYPE_CHECKING:
    from planner.allocation.model import AllocationInputs, _Cells, _Codes


@dataclass
class HiringInputs:
    """What the allocation needs to hire (placement) or to check hired capacity (final).

    Attributes
    ----------
    teams : list of str
        Teams that may take hires: each of their weeks gets a ``hire_cover`` row.
    cover : DataFrame
        ``team, week, capacity``: the roster's capacity at the plan's productivity
        (amount, no headroom).
    options : DataFrame
        ``option, team, grade, month, upper, cost``: candidate hires (columns), their
        per-grade limit and cost per seat in amount units; empty in the final solve.
    weights : DataFrame
        ``option, team, week, capacity``: a candidate seat's capacity per week at the
        plan's productivity (amount).
    headroom : float
        ``capacity_headroom`` (a hire adds to the ``capacity`` rows with it).
    max_per_month : int or None
        Seats per team and month over the grades without their own limit.
    max_total : float
        Seats over the year.
    """

    teams: list[str]
    cover: pd.DataFrame
    options: pd.DataFrame
    weights: pd.DataFrame
    headroom: float
    max_per_month: int | None = None
    max_total: float = math.inf


def add_hiring(lp: LinearProgram, grid: _Cells, inputs: AllocationInputs, labels_of: _Codes,
               penalty: float, s: float, hiring: HiringInputs | None) -> None:
    """Add the hire columns and the ``hire_cover``, ``hire_limit``, ``hire_total`` rows.

    Parameters
    ----------
    lp : LinearProgram
        The allocation LP, its ``capacity`` family already built.
    grid : _Cells
        The cell columns.
    inputs : AllocationInputs
    labels_of : _Codes
        The cells' label codes.
    penalty, s : float
        Cost per unit of slack and the LP's amount unit.
    hiring : HiringInputs or None
        Nothing is added when None.
    """
    if hiring is None:
        return
    codes, keys = labels_of.groups([n.TEAM, n.WEEK])
    inside = keys[n.TEAM].isin(hiring.teams).to_numpy()
    row_of = np.full(len(keys), -1, np.int64)
    row_of[inside] = np.arange(int(inside.sum()))
    cover_keys = keys.loc[inside].reset_index(drop=True)
    cap = cover_keys.merge(hiring.cover, on=[n.TEAM, n.WEEK], how="left")["capacity"]
    cap = cap.fillna(0.0).to_numpy(float) / s
    short = lp.add_variables(f.HIRE_SHORT, cover_keys, cost=penalty)
    grid.add_family(lp, f.HIRE_COVER, cover_keys, row_of[codes], np.ones(len(grid.ref)),
                    np.full(len(cover_keys), -np.inf), cap, [(short.cols(), -1.0)])
    if hiring.options.empty:
        return
    options = hiring.options.reset_index(drop=True)
    hire = lp.add_variables(f.HIRE, options[["option", n.TEAM, n.GRADE, n.MONTH]],
                            upper=options["upper"].to_numpy(float),
                            cost=options["cost"].to_numpy(float) / s * penalty / _PENALTY)
    col = dict(zip(options["option"], hire.cols(), strict=True))
    terms = hiring.weights.loc[hiring.weights["option"].isin(col)]
    for family, frame, factor in ((f.HIRE_COVER, cover_keys, 1.0),
                                  (f.CAPACITY, lp.families[f.CAPACITY].labels,
                                   1.0 + hiring.headroom)):
        position = pd.Series(np.arange(len(frame)),
                             index=pd.MultiIndex.from_frame(frame[[n.TEAM, n.WEEK]]))
        rows = position.reindex(pd.MultiIndex.from_frame(terms[[n.TEAM, n.WEEK]])).to_numpy()
        ok = ~np.isnan(rows)
        lp.add_terms(family, rows[ok].astype(np.int64), terms["option"].map(col).to_numpy()[ok],
                     -factor * terms["capacity"].to_numpy(float)[ok] / s)
    _limits(lp, options, hire.cols(), hiring)


#: The allocation's slack penalty per unit of deviation weight (its SLACK_PENALTY).
_PENALTY: Final = 1e3


def _limits(lp: LinearProgram, options: pd.DataFrame, cols: np.ndarray,
            hiring: HiringInputs) -> None:
    """``hire_limit[team, month]`` (grades without their own limit) and ``hire_total``."""
    shared = options["shared"].to_numpy(bool)
    if hiring.max_per_month is not None and shared.any():
        codes, labels = pd.factorize(pd.MultiIndex.from_frame(options.loc[shared,
                                                                          [n.TEAM, n.MONTH]]))
        keys = labels.to_frame(index=False)
        lp.add_constraints(f.HIRE_LIMIT, keys, codes, cols[shared], np.ones(int(shared.sum())),
                           upper=float(hiring.max_per_month))
    if math.isfinite(hiring.max_total):
        lp.add_constraints(f.HIRE_TOTAL, pd.DataFrame({"rule": ["max_total"]}),
                           np.zeros(len(cols), np.int64), cols, np.ones(len(cols)),
                           upper=float(hiring.max_total))
