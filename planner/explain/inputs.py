"""What the bridges are computed from, gathered once when the plan is made.

The :class:`~planner.plan_result.PlanResult` holds the plan; the bridge also needs the
allocation's inputs (each team's history-shaped share, the paths, the rules), its exact
(unrounded) amounts and the capacity parts. :func:`gather` collects them into an
:class:`ExplainInputs`, kept in ``result.explanation``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation.inputs import Prepared
from planner.allocation.model import AllocationInputs
from planner.baselines.compute import Baselines
from planner.calendar import Calendar
from planner.errors import PlannerError
from planner.explain.capacity import capacity_parts, full_year_weeks, per_seat_week, seat_counts
from planner.explain.levels import LevelSolve, PlanReading
from planner.scenario.values import Event, Hire, Scenario, SolverOptions

if TYPE_CHECKING:
    from planner.plan_result import PlanResult



@dataclass
class ExplainInputs:
    """Everything a team's bridge needs beyond the plan result.

    Attributes
    ----------
    allocation : AllocationInputs
        The allocation's inputs (product targets with the buffer, shares, rules).
    raw : DataFrame
        The allocation's exact amounts: ``team, product, slot, month, amount``.
    capacity : DataFrame
        :func:`~planner.explain.capacity.capacity_parts`.
    seats : DataFrame
        :func:`~planner.explain.capacity.seat_counts`.
    seat_week : DataFrame
        :func:`~planner.explain.capacity.per_seat_week`.
    buffer : float
        The over-assignment buffer.
    solver : SolverOptions
        For re-solving the allocation with the rules added one at a time.
    hires : tuple of Hire
    events : tuple of Event
    ramp_months : int
    attrition_rate : float
    fairness_band : float
    working_days : float
        Working days of the plan year.
    full_weeks : float
        Weeks a full-year seat was counted for last year.
    cache : dict
        Results computed from these inputs (filled on first use).
    reference : ndarray or None
        Each cell's history-shaped reference amount, in the order of ``raw`` (made when
        the plan's model is at hand; otherwise read from the cells when needed).
    plan_slack : dict of str to bool or None
        Per rule step, whether its rows are all strictly slack at the plan's amounts in
        the plan's own model (:func:`planner.explain.slack.slack_at`), read when the plan
        is made so the explanation need not build that model again.
    ahead : dict
        Rule steps kept (a tuple) -> the solve of a level started when the plan was solved
        (:func:`~planner.explain.levels.start_level`; taken by the explanation when used).
    """

    allocation: AllocationInputs
    raw: pd.DataFrame
    capacity: pd.DataFrame
    seats: pd.DataFrame
    seat_week: pd.DataFrame
    buffer: float
    solver: SolverOptions
    hires: tuple[Hire, ...]
    events: tuple[Event, ...]
    ramp_months: int
    attrition_rate: float
    fairness_band: float
    working_days: float
    full_weeks: float
    cache: dict[str, Any]
    reference: np.ndarray | None = None
    plan_slack: dict[str, bool] | None = None
    ahead: dict[tuple[str, ...], LevelSolve] = field(default_factory=dict)

    def settle(self) -> None:
        """Wait for the levels solving in the background (before forking this process)."""
        for level in self.ahead.values():
            level.wait()


def gather(scenario: Scenario, baselines: Baselines, calendar: Calendar,
           prepared: Prepared, raw: pd.DataFrame,
           reading: PlanReading | None = None) -> ExplainInputs:
    """Collect the bridge's inputs from a plan run's pieces (no solve).

    Parameters
    ----------
    scenario, baselines, calendar : Scenario, Baselines, Calendar
    prepared : Prepared
        The allocation's inputs, product targets already with the buffer.
    raw : DataFrame
        The allocation's solution: ``team, product, slot, week, month, amount``.
    reading : PlanReading, optional
        What :func:`planner.explain.levels.read_plan` read off the model ``raw`` solves:
        which rules are strictly slack at the plan, and the level solving ahead. Without
        it they are read when the explanation is made.

    Returns
    -------
    ExplainInputs
    """
    return ExplainInputs(
        allocation=prepared.inputs,
        raw=raw[[n.TEAM, n.PRODUCT, "slot", n.MONTH, n.AMOUNT]].copy(),
        capacity=capacity_parts(baselines, scenario, calendar, prepared),
        seats=seat_counts(baselines, prepared.roster, scenario.year),
        seat_week=per_seat_week(prepared, scenario.capacity_headroom),
        buffer=scenario.buffer, solver=scenario.solver, hires=scenario.hires,
        events=scenario.events, ramp_months=scenario.ramp_months,
        attrition_rate=scenario.attrition_rate, fairness_band=scenario.fairness_band,
        working_days=float(calendar.days["is_working"].astype(bool).sum()),
        full_weeks=full_year_weeks(baselines.seats), cache={},
        reference=None if reading is None else reading.reference,
        plan_slack=None if reading is None else reading.slack,
        ahead={} if reading is None else reading.ahead,
    )


def inputs_of(result: PlanResult) -> ExplainInputs:
    """The :class:`ExplainInputs` a plan run kept in its result (``result.explanation``).

    Raises
    ------
    PlannerError
        The result was not made by :func:`planner.pipeline.run_plan` (or was made before
        explanations existed): re-run the plan.
    """
    found = result.explanation
    if not isinstance(found, ExplainInputs):
        raise PlannerError("this plan result has no explanation inputs (result.explanation): "
                           "it was not made by planner's plan run; re-run the plan with "
                           "planner.api.plan or `planner plan`")
    return found


def has_inputs(result: PlanResult) -> bool:
    """Whether a plan result carries the explanation's inputs."""
    return isinstance(result.explanation, ExplainInputs)
