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


def highs_for(lp: LinearProgram, *, method: str = "ipm", time_limit: float = 600.0,
              threads: int = 0) -> highspy.Highs:
    """A HiGHS instance with ``lp`` passed and the options :func:`solve_highs` uses.

    Parameters
    ----------
    lp : LinearProgram
        The model, built by a pure builder.
    method : {"ipm", "simplex", "choose", "pdlp"}
        HiGHS solver; interior point scales best on large plans.
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
    arrays = lp.arrays()
    model = highspy.HighsLp()
    model.num_col_ = lp.n_cols
    model.num_row_ = lp.n_rows
    inf = highspy.kHighsInf
    model.col_cost_ = arrays["cost"]
    model.col_lower_ = np.where(np.isinf(arrays["lb"]), -inf, arrays["lb"])
    model.col_upper_ = np.where(np.isinf(arrays["ub"]), inf, arrays["ub"])
    model.row_lower_ = np.where(np.isinf(arrays["lower"]), -inf, arrays["lower"])
    model.row_upper_ = np.where(np.isinf(arrays["upper"]), inf, arrays["upper"])
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = a.indptr
    model.a_matrix_.index_ = a.indices
    model.a_matrix_.value_ = a.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", method)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", 0)
    if threads:
        h.setOptionValue("threads", int(threads))
    if method == "ipm":  # crossover to a vertex costs more than the IPM itself on big plans
        h.setOptionValue("run_crossover", "off")
    h.passModel(model)
    return h


def solve_highs(lp: LinearProgram, *, method: str = "ipm", time_limit: float = 600.0,
                threads: int = 0) -> Solution:
    """Solve a :class:`planner.lp.LinearProgram` with HiGHS through highspy.

    Parameters
    ----------
    lp : LinearProgram
        The model, built by a pure builder.
    method : {"ipm", "simplex", "choose"}
        HiGHS solver; interior point scales best on large plans.
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
