"""Solving with HiGHS (highspy): the one map from HiGHS's status to ours, as an enum.

Every model (the driver LP, the allocation LP) is solved by HiGHS through highspy and
its outcome read through :func:`status_of`. Only :attr:`SolveStatus.OPTIMAL` lets a
caller read values; :func:`require_solved` turns every other outcome that is not a
property of the model (time limit, iteration limit, unknown, solver error) into a
:class:`planner.errors.ModelError` that names the step and what to do.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from enum import Enum

import highspy
import numpy as np
import scipy.sparse as sp

from planner.errors import ModelError, SolverLimitError
from planner.lp.program import LinearProgram, Solution


class SolveStatus(Enum):
    """What a solve ended with; check it before reading any value."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time limit"
    ITERATION_LIMIT = "iteration limit"
    UNKNOWN = "unknown"
    ERROR = "solver error"


_HIGHS_STATUS = {
    highspy.HighsModelStatus.kOptimal: SolveStatus.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: SolveStatus.INFEASIBLE,
    # every column of our models is bounded, so "unbounded or infeasible" is infeasible
    highspy.HighsModelStatus.kUnboundedOrInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: SolveStatus.UNBOUNDED,
    highspy.HighsModelStatus.kTimeLimit: SolveStatus.TIME_LIMIT,
    highspy.HighsModelStatus.kIterationLimit: SolveStatus.ITERATION_LIMIT,
    highspy.HighsModelStatus.kUnknown: SolveStatus.UNKNOWN,
    highspy.HighsModelStatus.kModelEmpty: SolveStatus.ERROR,
    highspy.HighsModelStatus.kNotset: SolveStatus.ERROR,
    highspy.HighsModelStatus.kLoadError: SolveStatus.ERROR,
    highspy.HighsModelStatus.kModelError: SolveStatus.ERROR,
    highspy.HighsModelStatus.kPresolveError: SolveStatus.ERROR,
    highspy.HighsModelStatus.kSolveError: SolveStatus.ERROR,
    highspy.HighsModelStatus.kPostsolveError: SolveStatus.ERROR,
}


def _swallow_banner() -> None:
    """Create the process's first HiGHS with the C-level stdout sent to /dev/null.

    HiGHS prints its banner ("Running HiGHS ... Copyright ...") to the C stdout once per
    process, when the first instance is created and before any option can be set.
    """
    try:
        sys.stdout.flush()
        libc = ctypes.CDLL(None)
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no fd 1 or no libc: nothing to hide
        highspy.Highs()
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()
            libc.fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_swallow_banner()


#: Held while HiGHS runs: one solve at a time in the process. HiGHS's parallel
#: scheduler is global to the process and its instances are not safe to run at once in
#: several threads; the explanation solves a level in a background thread
#: (:mod:`planner.explain.levels`), beside the plan's own Python work.
_RUNNING = threading.Lock()


def run_highs(h: highspy.Highs) -> None:
    """Run ``h`` (``h.run()``), never at the same time as another solve of this process."""
    with _RUNNING:
        h.run()


def status_of(h: highspy.Highs) -> SolveStatus:
    """Our status for the last ``run()`` of ``h`` (the one place HiGHS's status is read).

    Parameters
    ----------
    h : highspy.Highs
        A HiGHS instance that has run.

    Returns
    -------
    SolveStatus
        Statuses this map does not know (a newer HiGHS) are :attr:`SolveStatus.UNKNOWN`.
    """
    return _HIGHS_STATUS.get(h.getModelStatus(), SolveStatus.UNKNOWN)


def require_solved(status: SolveStatus, step: str, time_limit: float) -> None:
    """Raise a clear error for an outcome that says nothing about the model itself.

    Optimal, infeasible and unbounded pass through: the caller decides what they mean.

    Parameters
    ----------
    status : SolveStatus
        The outcome.
    step : str
        The step in the user's words, e.g. ``"driver model"``.
    time_limit : float
        The time limit in force, for the message.

    Raises
    ------
    SolverLimitError
        On a time limit (the scenario's ``[solver] time_limit``).
    ModelError
        On an iteration limit, an unknown outcome or a solver error.

    Examples
    --------
    >>> require_solved(SolveStatus.OPTIMAL, "driver model", 60.0)
    >>> require_solved(SolveStatus.TIME_LIMIT, "driver model", 60.0)
    Traceback (most recent call last):
    ...
    planner.errors.SolverLimitError: driver model: HiGHS stopped at the time limit (60 s) before \
an optimal solution; raise [solver] time_limit in the scenario
    """
    if status is SolveStatus.TIME_LIMIT:
        raise SolverLimitError(f"{step}: HiGHS stopped at the time limit ({time_limit:g} s) "
                               "before an optimal solution; raise [solver] time_limit in the "
                               "scenario")
    if status is SolveStatus.ITERATION_LIMIT:
        raise ModelError(f"{step}: HiGHS stopped at its iteration limit before an optimal "
                         "solution; try [solver] method = \"ipm\", or run with --debug and "
                         "report the scenario")
    if status in (SolveStatus.UNKNOWN, SolveStatus.ERROR):
        raise ModelError(f"{step}: HiGHS ended with status '{status.value}' (no solution to "
                         "read); run with --debug and report the scenario")


def new_highs(time_limit: float, *, threads: int = 0) -> highspy.Highs:
    """A silent HiGHS instance with the options every model uses.

    Parameters
    ----------
    time_limit : float
        Seconds before HiGHS gives up.
    threads : int
        Threads for HiGHS (0 = its default).

    Returns
    -------
    highspy.Highs
    """
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)  # no banner, no log on the user's terminal
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", 0)
    if threads:
        # HiGHS keeps one thread pool per process, sized by the first solve; a solve asking
        # for another size is refused ("solver error") unless the pool is rebuilt
        highspy.Highs.resetGlobalScheduler(True)
        h.setOptionValue("threads", int(threads))
    return h


def highs_for(lp: LinearProgram, *, method: str = "simplex", time_limit: float = 600.0,
              threads: int = 0) -> highspy.Highs:
    """A HiGHS instance with ``lp`` passed and the options :func:`solve_highs` uses.

    Parameters
    ----------
    lp : LinearProgram
        The model, built by a pure builder.
    method : {"ipm", "simplex", "choose", "pdlp"}
        HiGHS solver. On the allocation LP (which starts near its optimum) dual simplex
        without presolve is several times faster than interior point (see
        ``benchmarks/allocation.py``).
    time_limit : float
        Seconds before HiGHS gives up.
    threads : int
        Threads for HiGHS (0 = its default).

    Returns
    -------
    highspy.Highs
        Ready to ``run()``.
    """
    return highs_for_matrix(lp.matrix(), lp.arrays(), method=method, time_limit=time_limit,
                            threads=threads)


def highs_for_matrix(a: sp.csc_matrix, arrays: dict[str, np.ndarray], *,
                     method: str = "simplex", time_limit: float = 600.0, threads: int = 0,
                     presolve: bool | None = None) -> highspy.Highs:
    """A HiGHS instance with the model ``lower <= a x <= upper``, ``lb <= x <= ub`` passed.

    Parameters
    ----------
    a : scipy.sparse.csc_matrix
        The constraint matrix (rows x columns).
    arrays : dict of str to ndarray
        ``cost``, ``lb``, ``ub`` per column and ``lower``, ``upper`` per row, as
        :meth:`LinearProgram.arrays` gives them (infinite bounds are +-inf).
    method, time_limit, threads
        As :func:`highs_for`.
    presolve : bool, optional
        Run HiGHS's presolve; by default only for methods other than simplex (the whole
        allocation starts near its optimum, where presolve costs more than it saves).

    Returns
    -------
    highspy.Highs
        Ready to ``run()``.

    Raises
    ------
    ModelError
        A cost, bound or coefficient is not a number.
    """
    bad = [name for name, values in (("cost", arrays["cost"]), ("matrix", a.data))
           if not np.all(np.isfinite(values))]
    bad += [name for name in ("lb", "ub", "lower", "upper") if np.isnan(arrays[name]).any()]
    if bad:  # HiGHS would drop a NaN coefficient silently and report a wrong optimum
        raise ModelError(f"the model holds a value that is not a number ({', '.join(bad)}); "
                         "run with --debug and report the scenario")
    h = new_highs(time_limit, threads=threads)
    h.setOptionValue("solver", method)
    if method == "ipm":  # crossover to a vertex costs more than the IPM itself on big plans:
        # run it only when the IPM is not optimal ("off" also leaves HiGHS unable to postsolve
        # a model its presolve reduces to nothing: status unknown)
        h.setOptionValue("run_crossover", "choose")
    if presolve is None:
        presolve = method != "simplex"
    if not presolve:
        h.setOptionValue("presolve", "off")
    n_rows, n_cols = a.shape
    # the array overload copies numpy buffers directly: ~5x faster than filling a HighsLp
    h.passModel(
        n_cols, n_rows, a.nnz, int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize), 0.0, arrays["cost"], arrays["lb"], arrays["ub"],
        arrays["lower"], arrays["upper"], a.indptr.astype(np.int32, copy=False),
        a.indices.astype(np.int32, copy=False), a.data, np.zeros(n_cols, np.int32))
    return h  # a model HiGHS rejects leaves it empty: run() then ends not optimal


def solve_highs(lp: LinearProgram, *, method: str = "simplex", time_limit: float = 600.0,
                threads: int = 0) -> Solution:
    """Solve a :class:`planner.lp.program.LinearProgram` with HiGHS through highspy.

    Parameters
    ----------
    lp : LinearProgram
        The model, built by a pure builder.
    method : {"ipm", "simplex", "choose"}
        HiGHS solver (see :func:`highs_for`).
    time_limit : float
        Seconds before HiGHS gives up.
    threads : int
        Threads for HiGHS (0 = its default).

    Returns
    -------
    Solution
        ``status`` is a :class:`SolveStatus`; read values only when it is optimal.
    """
    h = highs_for(lp, method=method, time_limit=time_limit, threads=threads)
    run_highs(h)
    status = status_of(h)
    if status is not SolveStatus.OPTIMAL:
        empty = np.zeros(0)
        return Solution(status, float("nan"), empty, empty, empty)
    sol = h.getSolution()
    return Solution(
        status,
        float(h.getInfo().objective_function_value),
        np.asarray(sol.col_value),
        np.asarray(sol.row_value),
        np.asarray(sol.row_dual),
    )
