"""The pipeline's risk calls, before the driver model and after the allocation.

Before: the risk model, the buffer sized for a confidence and the stretch limits; after:
the probabilities of the plan's targets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd

from planner import names as n
from planner.baselines.compute import Baselines
from planner.calendar import Calendar
from planner.capacity import planned_capacity
from planner.errors import InputError, ScenarioError
from planner.history.dataset import Dataset
from planner.risk.buffer import buffer_for, stretch_limits
from planner.risk.flags import flag_teams
from planner.risk.history import TeamMonths, team_months
from planner.risk.model import RiskError, RiskModel, build_risk_model
from planner.risk.result import PERIODS, RiskReport, empty_risk
from planner.risk.simulate import DRAWS, Outcomes, attainment_table, simulate, targets_by_period
from planner.scenario.values import Scenario


@dataclass
class RiskStep:
    """The risk model of a run and its simulated outcomes (``None`` when not measurable).

    Attributes
    ----------
    model, outcomes : RiskModel, Outcomes, or None
    reason : str
        Why there is no model (empty when there is one).
    found_buffer : float or None
        The buffer sized for ``[target] confidence``.
    stretch : DataFrame or None
        The stretch limits given to the allocation.
    """

    model: RiskModel | None
    outcomes: Outcomes | None
    reason: str = ""
    found_buffer: float | None = None
    stretch: pd.DataFrame | None = None


def prepare_risk(scenario: Scenario, baselines: Baselines, dataset: Dataset | None,
                 calendar: Calendar) -> RiskStep:
    """Model the plan year's outcomes from the history (see :mod:`planner.risk`).

    Raises
    ------
    ScenarioError
        When ``confidence`` or ``max_stretch_sigma`` is set and the risk cannot be
        measured (no history given, or too short), naming the key and the reason.
    """
    needed = _needed_by(scenario)
    if dataset is None:
        reason = "no history was given to the plan, so its monthly deviations are unknown"
        return _without(reason, needed)
    try:
        history, exposure = risk_inputs(scenario, baselines, dataset, calendar)
        model = build_risk_model(history, exposure, scenario.year)
    except (InputError, RiskError) as exc:
        return _without(str(exc), needed)
    return RiskStep(model, simulate(model))


def risk_inputs(scenario: Scenario, baselines: Baselines, dataset: Dataset,
                calendar: Calendar) -> tuple[TeamMonths, pd.DataFrame]:
    """What the risk model reads: the history per team and month, and the plan's exposure.

    Returns
    -------
    tuple of TeamMonths and DataFrame
        :func:`planner.risk.history.team_months`, and the planned exposure per plan month
        (rows ``"YYYY-MM"``) and team with any (seats, hires, ramp, attrition, working
        days).

    Raises
    ------
    InputError
        From the history or the capacity.
    """
    history = team_months(dataset, baselines, country=scenario.country,
                          ramp_months=scenario.ramp_months, basis=scenario.capacity_basis)
    _, weights = planned_capacity(baselines, scenario, calendar)
    exposure = weights.groupby([n.MONTH, n.TEAM])["weight"].sum().unstack(
        n.TEAM, fill_value=0.0)
    return history, exposure.loc[:, exposure.sum() > 0]


def _needed_by(scenario: Scenario) -> str:
    keys = [k for k, v in (("target.confidence", scenario.confidence),
                           ("allocation.max_stretch_sigma", scenario.max_stretch_sigma))
            if v is not None]
    return " and ".join(keys)


def _without(reason: str, needed: str) -> RiskStep:
    if needed:
        raise ScenarioError(f"{needed}: the attainment risk cannot be measured: {reason}; "
                            "remove the key or give the history")
    return RiskStep(None, None, reason)


def sized_scenario(scenario: Scenario, step: RiskStep) -> Scenario:
    """The scenario with its buffer sized for ``[target] confidence`` (as is without).

    Raises
    ------
    ScenarioError
        When no finite buffer reaches the confidence.
    """
    if scenario.confidence is None or step.model is None or step.outcomes is None:
        return scenario
    found = buffer_for(step.model, step.outcomes, scenario.confidence)
    if not math.isfinite(found):
        raise ScenarioError(f"target.confidence: {scenario.confidence:g} cannot be reached "
                            "by any buffer (the simulated company outcome falls to zero); "
                            "lower the confidence")
    step.found_buffer = found
    return replace(scenario, buffer=found)


def stretch_table(scenario: Scenario, step: RiskStep, buffered_total: float
                  ) -> pd.DataFrame | None:
    """Each team's stretch limit for ``[allocation] max_stretch_sigma`` (None when unset)."""
    if scenario.max_stretch_sigma is None or step.model is None or step.outcomes is None:
        return None
    step.stretch = stretch_limits(step.model, step.outcomes, scenario.max_stretch_sigma,
                                  buffered_total)
    return step.stretch


def finish_risk(step: RiskStep, plan: pd.DataFrame, company_target: float,
                scenario: Scenario) -> tuple[pd.DataFrame, RiskReport]:
    """The risk table and report of the plan's targets.

    Parameters
    ----------
    step : RiskStep
    plan : DataFrame
        ``plan.csv`` rows (team targets with the buffer).
    company_target : float
        The company's yearly target (before the buffer).
    scenario : Scenario
        The scenario as run (its buffer the one used).
    """
    if step.model is None or step.outcomes is None:
        report = RiskReport(pd.Series(dtype=float).to_numpy(), company_target,
                            flag_teams(empty_risk()),
                            notes=[f"attainment risk not measured: {step.reason}"],
                            confidence=scenario.confidence, buffer=scenario.buffer)
        return empty_risk(), report
    model, outcomes = step.model, step.outcomes
    teams = targets_by_period(plan, model.teams)
    company = teams.sum(axis=0) / (1.0 + scenario.buffer)
    company["year"] = company_target
    table = attainment_table(outcomes, teams, company)
    notes = [*model.notes,
             f"simulation: {DRAWS} years drawn by a circular block bootstrap of 3-month "
             "blocks, every team from the same history months (correlation kept), times "
             "a draw of the company's level and of each team's level per year, seeded",
             "expected path: the company's rate in last year's same month x trend x the "
             "team's shrunk level x planned exposure (seats, hires, ramp, attrition, "
             "working days); one-off spikes the baselines normalised are taken out of the "
             "history; the lever uplifts a target asks for are not in it"]
    if step.found_buffer is not None:
        notes.append(f"buffer {step.found_buffer:.2%} sized for confidence "
                     f"{scenario.confidence:g}: the company reaches its target with that "
                     "probability if every team's outcome deviates from its target as its "
                     "history deviated from its expected path")
    report = RiskReport(outcomes.company("year"), company_target, flag_teams(table), notes,
                        model.method, len(model.deviations), DRAWS, scenario.confidence,
                        scenario.buffer, step.stretch)
    return table, report


__all__ = ["PERIODS", "RiskStep", "finish_risk", "prepare_risk", "risk_inputs",
           "sized_scenario", "stretch_table"]
