"""Solving: PuLP problems with HiGHS (highspy), CBC as a fallback; outcomes as enums."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import numpy as np
import pulp

from planner.errors import ModelError
from planner.lp import LinearProgram, Solution

if TYPE_CHECKING:
    import highspy


class SolveStatus(Enum):
    """What a solve ended with; check it before reading any value."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NOT_SOLVED = "not solved"


_PULP_STATUS = {
    pulp.LpStatusOptimal: SolveStatus.OPTIMAL,
    pulp.LpStatusInfeasible: SolveStatus.INFEASIBLE,
    pulp.LpStatusUnbounded: SolveStatus.UNBOUNDED,
    pulp.LpStatusNotSolved: SolveStatus.NOT_SOLVED,
    pulp.LpStatusUndefined: SolveStatus.NOT_SOLVED,
}


def pulp_solver(time_limit: float = 600.0) -> pulp.LpSolver:
    """Return HiGHS when available, else CBC (both ship with the pinned PuLP / highspy).

    Parameters
    ----------
    time_limit : float
        Seconds before the solver gives up.

    Returns
    -------
    pulp.LpSolver

    Raises
    ------
    ModelError
        When neither solver is available.
    """
    highs = pulp.HiGHS(msg=False, timeLimit=time_limit)
    if highs.available():
        return highs
    cbc = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
    if cbc.available():
        return cbc
    raise ModelError("no LP solver available: install highspy (pip install highspy)")


def solve_pulp(problem: pulp.LpProblem, time_limit: float = 600.0) -> SolveStatus:
    """Solve ``problem`` in place and return its status.

    Parameters
    ----------
    problem : pulp.LpProblem
        The problem, built by a pure builder.
    time_limit : float
        Seconds before the solver gives up.

    Returns
    -------
    SolveStatus
    """
    problem.solve(pulp_solver(time_limit))
    return _PULP_STATUS.get(problem.status, SolveStatus.NOT_SOLVED)


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
    import highspy

    a = lp.matrix()
    arrays = lp.arrays()  # infinite bounds are +-inf, which is kHighsInf
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", method)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", 0)
    if threads:
        h.setOptionValue("threads", int(threads))
    if method == "ipm":  # crossover to a vertex costs more than the IPM itself on big plans:
        # run it only when the IPM is not optimal ("off" also leaves HiGHS unable to postsolve
        # a model its presolve reduces to nothing: status unknown)
        h.setOptionValue("run_crossover", "choose")
    if method == "simplex":  # the plan starts near its optimum; presolve costs more than it saves
        h.setOptionValue("presolve", "off")
    # the array overload copies numpy buffers directly: ~5x faster than filling a HighsLp
    h.passModel(
        lp.n_cols, lp.n_rows, a.nnz, int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize), 0.0, arrays["cost"], arrays["lb"], arrays["ub"],
        arrays["lower"], arrays["upper"], a.indptr.astype(np.int32, copy=False),
        a.indices.astype(np.int32, copy=False), a.data, np.zeros(lp.n_cols, np.int32))
    return h  # a model HiGHS rejects leaves it empty: run() then ends not optimal


def solve_highs(lp: LinearProgram, *, method: str = "simplex", time_limit: float = 600.0,
                threads: int = 0) -> Solution:
    """Solve a :class:`planner.lp.LinearProgram` with HiGHS through highspy.

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
        ``status`` is a :class:`SolveStatus` value; read values only when optimal.
    """
    import highspy

    h = highs_for(lp, method=method, time_limit=time_limit, threads=threads)
    h.run()
    status = h.getModelStatus()
    mapping = {
        highspy.HighsModelStatus.kOptimal: SolveStatus.OPTIMAL,
        highspy.HighsModelStatus.kInfeasible: SolveStatus.INFEASIBLE,
        highspy.HighsModelStatus.kUnbounded: SolveStatus.UNBOUNDED,
        highspy.HighsModelStatus.kUnboundedOrInfeasible: SolveStatus.INFEASIBLE,
    }
    result = mapping.get(status, SolveStatus.NOT_SOLVED)
    if result is not SolveStatus.OPTIMAL:
        empty = np.zeros(0)
        return Solution(result.value, float("nan"), empty, empty, empty)
    sol = h.getSolution()
    return Solution(
        SolveStatus.OPTIMAL.value,
        float(h.getInfo().objective_function_value),
        np.asarray(sol.col_value),
        np.asarray(sol.row_value),
        np.asarray(sol.row_dual),
    )
