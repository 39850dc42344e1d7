"""Solving: PuLP problems with HiGHS (highspy), CBC as a fallback; outcomes as enums."""

from __future__ import annotations

from enum import Enum

import pulp

from planner.errors import ModelError


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
