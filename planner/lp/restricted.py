"""Solve a large LP whose optimum leaves most columns at zero, exactly, on a few of them.

The allocation LP has two columns per team x product x week part (1.7 million at 400
teams x 40 products), yet its optimum moves under 1% of the cells away from their
history-shaped reference: every other ``up`` and ``down`` column is zero. Dual simplex on
the whole model still pays for every column and row at every iteration, so its time
grows with the square of the organisation.

:func:`solve_restricted` solves the same LP by *pricing* (delayed column generation):

1. HiGHS solves the **restricted** model: the columns the caller expects to move
   (``start``) plus every column that cannot simply sit at zero (a lower bound other
   than zero, or a negative cost), on the rows those columns touch. Every row whose
   bounds zero breaks brings its elastic columns (those in that row only: the rule's
   slack), so the restricted model is feasible whenever the rules may give; a row no
   included column touches has activity zero, within its bounds.
2. The row duals of that optimum (zero on rows left out) price **every** left-out
   column: its reduced cost ``c_j - a_j' y``.
3. When no left-out column has a negative reduced cost (beyond HiGHS's dual
   feasibility tolerance), the restricted optimum with those columns at zero is optimal
   for the whole LP: it is primal feasible, and the duals are feasible for the whole
   LP with complementary slackness. Otherwise the most negative columns join
   (at least as many as are already in, so the model at most doubles per round) and
   step 1 runs again.

The answer is an optimal solution of the whole LP, with the same objective as solving it
at once; where the LP has several optima (the allocation has many: moving a unit in one
week or another of equal cost) it may be another of them. It is repeatable: the same
model and start give the same rounds and the same solution. Should a restricted model be
infeasible (a start that misses what the rules need), the whole model is solved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from time import monotonic

import numpy as np
import scipy.sparse as sp

from planner.errors import ModelError
from planner.lp import highs
from planner.lp.program import LinearProgram, Solution

#: Reduced costs above ``-DUAL_TOLERANCE * max(1, |c_j|)`` count as non-negative (HiGHS's
#: own dual feasibility tolerance).
DUAL_TOLERANCE = 1e-7
#: A row whose bounds zero misses by at most this much is kept by zero (HiGHS's own
#: primal feasibility tolerance): bounds net of the reference carry rounding errors.
PRIMAL_TOLERANCE = 1e-7
#: Columns that join in a round: at least this many (when as many price out).
MIN_ENTERING = 10_000


@dataclass
class PricingLog:
    """What a restricted solve did, round by round (for benchmarks and tests).

    Attributes
    ----------
    columns : list of int
        Columns in each round's restricted model.
    rows : list of int
        Rows in each round's restricted model.
    entered : list of int
        Columns that priced out negative after each round (0 after the last).
    whole : bool
        The whole model had to be solved (a restricted model was infeasible).
    """

    columns: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    entered: list[int] = field(default_factory=list)
    whole: bool = False


def solve_restricted(lp: LinearProgram, start: np.ndarray, *, method: str = "simplex",
                     time_limit: float = 600.0, threads: int = 0,
                     log: PricingLog | None = None) -> Solution:
    """Solve ``lp`` exactly by pricing, starting from the columns in ``start``.

    Parameters
    ----------
    lp : LinearProgram
        The whole model.
    start : ndarray of bool
        One flag per column: the columns expected to be non-zero at the optimum.
        Any choice gives the same optimal objective; a good one saves rounds.
    method, time_limit, threads
        As :func:`planner.lp.highs.solve_highs`; ``time_limit`` bounds all rounds.
    log : PricingLog, optional
        Filled with what each round did.

    Returns
    -------
    Solution
        For the whole model (left-out columns zero, left-out rows at activity zero with
        dual zero). ``status`` is a :class:`~planner.lp.highs.SolveStatus`; read values
        only when it is optimal.

    Raises
    ------
    ModelError
        ``start`` does not flag every column, or a value is not a number.
    """
    log = log if log is not None else PricingLog()
    a = lp.matrix()
    arrays = lp.arrays()
    cost = arrays["cost"]
    if len(start) != lp.n_cols:
        raise ModelError(f"start has {len(start)} flags for {lp.n_cols} columns")
    free = _may_rest_at_zero(arrays)
    inside = np.asarray(start, bool) | ~free
    inside |= _elastic_for(a, arrays, inside, free)
    tolerance = DUAL_TOLERANCE * np.maximum(1.0, np.abs(cost))
    deadline = monotonic() + time_limit
    a_t = a.T.tocsr()  # pricing: c - A'y for every column
    while True:
        cols = np.flatnonzero(inside)
        left = deadline - monotonic()
        if left <= 0.0:  # the limit holds for all rounds together
            empty = np.zeros(0)
            return Solution(highs.SolveStatus.TIME_LIMIT, float("nan"), empty, empty, empty)
        solution, rows = _solve_part(a, arrays, cols, method, left, threads)
        log.columns.append(len(cols))
        log.rows.append(len(rows))
        if solution.status is highs.SolveStatus.INFEASIBLE and not inside.all():
            log.whole = True
            inside[:] = True
            continue
        if solution.status is not highs.SolveStatus.OPTIMAL:
            return solution
        reduced = cost - a_t @ solution.duals
        entering = np.flatnonzero(~inside & (reduced < -tolerance))
        log.entered.append(len(entering))
        if not len(entering):
            return solution
        room = max(MIN_ENTERING, len(cols))
        if len(entering) > room:  # the most negative first; ties by column
            entering = entering[np.argsort(reduced[entering], kind="stable")[:room]]
        inside[entering] = True


def _may_rest_at_zero(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """Columns that may be left out at zero: lower bound zero and a cost not below it."""
    return (arrays["lb"] == 0.0) & (arrays["ub"] >= 0.0) & (arrays["cost"] >= 0.0)


def _elastic_for(a: sp.csc_matrix, arrays: dict[str, np.ndarray], inside: np.ndarray,
                 free: np.ndarray) -> np.ndarray:
    """Columns that keep feasible the rows zero breaks.

    Every such row gets its elastic columns (those with one coefficient, in that row: the
    rule's slack), so the restricted model can always say by how much a rule must give;
    a row that has none and that no included column touches gets all its columns.
    """
    broken = ((arrays["lower"] > PRIMAL_TOLERANCE) | (arrays["upper"] < -PRIMAL_TOLERANCE))
    extra = np.zeros(a.shape[1], bool)
    if not broken.any():
        return extra
    count = np.diff(a.indptr)
    single = np.flatnonzero(free & ~inside & (count == 1))
    hits = single[broken[a.indices[a.indptr[single]]]]
    extra[hits] = True
    covered = np.zeros(a.shape[0], bool)
    covered[_rows_of(a, np.flatnonzero(inside | extra))] = True
    rest = np.flatnonzero(broken & ~covered)
    if len(rest):  # no elastic column and nothing included: every column of the row
        extra[np.unique(a[rest, :].tocsr().indices)] = True
    return extra & ~inside


def _rows_of(a: sp.csc_matrix, cols: np.ndarray) -> np.ndarray:
    """Rows with a coefficient in any of ``cols``, ascending."""
    return np.unique(a[:, cols].indices)


def _solve_part(a: sp.csc_matrix, arrays: dict[str, np.ndarray], cols: np.ndarray,
                method: str, time_limit: float, threads: int) -> tuple[Solution, np.ndarray]:
    """Solve the model on ``cols`` and the rows they touch; the answer in whole-model terms."""
    part = a[:, cols]
    rows = np.unique(part.indices)
    if not len(cols):  # every row holds at zero (see _elastic_for): zero is optimal here
        zeros = np.zeros(a.shape[0])
        return Solution(highs.SolveStatus.OPTIMAL, 0.0, np.zeros(a.shape[1]), zeros,
                        zeros.copy()), rows
    part = part[rows, :].tocsc()
    sub = {"cost": arrays["cost"][cols], "lb": arrays["lb"][cols], "ub": arrays["ub"][cols],
           "lower": arrays["lower"][rows], "upper": arrays["upper"][rows]}
    h = highs.highs_for_matrix(part, sub, method=method, time_limit=time_limit,
                               threads=threads, presolve=True)
    highs.run_highs(h)
    status = highs.status_of(h)
    if status is not highs.SolveStatus.OPTIMAL:
        empty = np.zeros(0)
        return Solution(status, float("nan"), empty, empty, empty), rows
    sol = h.getSolution()
    x = np.zeros(a.shape[1])
    x[cols] = np.asarray(sol.col_value)
    activity = np.zeros(a.shape[0])
    activity[rows] = np.asarray(sol.row_value)
    duals = np.zeros(a.shape[0])
    duals[rows] = np.asarray(sol.row_dual)
    return Solution(status, float(h.getInfo().objective_function_value), x, activity,
                    duals), rows
