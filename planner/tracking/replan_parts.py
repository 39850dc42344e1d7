"""The parts of a re-plan that a plan also has: its explanation and its attainment risk.

Explanation
-----------
A re-plan's year target is the plan's target, changed by what was sold to date and by
re-solving the open weeks. :func:`explained_plan` rebuilds the plan the scenario sets
(the allocation solved over the whole year with the plan folder's targets and the
seats the plan was made with) with its bridge inputs (:mod:`planner.explain`), so the
bridge explains the original target exactly as ``planner plan`` did; :func:`replan_bridge`
adds one ``replan`` row per team and product (revised target less original), so each
team's rows add up to its revised target to the cent.

Risk
----
:func:`replan_risk` measures the probability of reaching the revised targets *given the
actuals*: the closed part of each month is the actual, only the open part (its share of
the month's working days) is drawn from the risk model (:mod:`planner.risk`), with the
exposure of the seats as of the re-plan.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Final

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation.inputs import Prepared
from planner.allocation.solve import solve_allocation
from planner.baselines.compute import Baselines
from planner.calendar import Calendar
from planner.errors import InputError
from planner.explain.inputs import gather
from planner.explain.levels import read_plan
from planner.explain.table import explain_table
from planner.history.dataset import Dataset
from planner.pipeline import whole_plan
from planner.plan_result import PlanResult
from planner.risk.flags import flag_teams
from planner.risk.history import team_months
from planner.risk.model import RiskError, RiskModel, build_risk_model
from planner.risk.result import PERIODS, RiskReport, empty_risk
from planner.risk.simulate import (
    BLOCK,
    DRAWS,
    SEED,
    Outcomes,
    attainment_table,
    draw_months,
    targets_by_period,
    year_shifts,
)
from planner.scenario.values import Scenario
from planner.whole_units import UnitPrices

#: ``step`` of the bridge row that carries the re-plan's change.
REPLAN_STEP: Final = "replan"
_NOTE: Final = {
    "en": "re-plan as of {as_of}: the actuals to date and the open weeks re-solved under the "
          "same rules (replan_diff.csv, sheet Re-plan)",
    "zh": "{as_of} 重新规划：截至目前的实际，其余各周按同样规则重新求解"
          "（见 replan_diff.csv 与“重新规划”工作表）",
}


def explained_plan(result: PlanResult, scenario: Scenario, baselines: Baselines,
                   calendar: Calendar, prepared: Prepared, prices: UnitPrices) -> PlanResult:
    """The plan the scenario sets, with its explanation inputs (one allocation solve).

    Parameters
    ----------
    result : PlanResult
        The re-plan's result (names, history, settings are shared).
    scenario, baselines, calendar
        As the re-plan ran them.
    prepared : Prepared
        The allocation inputs of the plan: the plan folder's targets and the seats the
        plan was made with (before any seats update, relief or freezing).
    prices : UnitPrices

    Returns
    -------
    PlanResult
        ``result`` with the plan's targets (``plan``) and ``explanation``.
    """
    raw, _, lp, _ = solve_allocation(prepared.inputs, scenario.solver)
    plan = whole_plan(raw, prepared.inputs.slots, prepared.inputs.products, prices)
    return replace(result, plan=plan[list(n.PLAN_COLUMNS)].reset_index(drop=True),
                   explanation=gather(scenario, baselines, calendar, prepared, raw,
                                      read_plan(prepared.inputs, raw, lp, scenario.solver)),
                   name=scenario.name)


def _cents(plan: pd.DataFrame) -> pd.Series:
    amounts = plan.groupby([n.TEAM, n.PRODUCT])[n.AMOUNT].sum()
    return pd.Series(np.rint(amounts.to_numpy(float) * 100.0).astype(np.int64),
                     index=amounts.index)


def replan_bridge(explained: PlanResult, revised: pd.DataFrame, as_of: date,
                  team: str | None = None, lang: str = "en") -> pd.DataFrame:
    """``explain.csv`` of a re-plan: the plan's bridge, then the re-plan's change.

    Parameters
    ----------
    explained : PlanResult
        :func:`explained_plan`.
    revised : DataFrame
        The re-plan's ``plan.csv`` rows.
    as_of : date
    team : str, optional
        One team (all by default).
    lang : {"en", "zh"}

    Returns
    -------
    DataFrame
        ``team, step, product, amount, note``: a team's rows add up to its revised
        target to the cent; the ``replan`` rows are the revised less the original.
    """
    base = explain_table(explained, team, lang)
    before, after = _cents(explained.plan), _cents(revised)
    keys = before.index.union(after.index)
    change = after.reindex(keys, fill_value=0) - before.reindex(keys, fill_value=0)
    change = change.loc[change != 0]
    if team is not None:
        change = change.loc[change.index.get_level_values(0).astype(str) == str(team)]
    note = _NOTE["zh" if lang == "zh" else "en"].format(as_of=f"{as_of:%Y-%m-%d}")
    rows = pd.DataFrame({n.TEAM: change.index.get_level_values(0), "step": REPLAN_STEP,
                         n.PRODUCT: change.index.get_level_values(1),
                         n.AMOUNT: change.to_numpy() / 100.0, "note": note})
    out = pd.concat([base, rows], ignore_index=True)
    order = {t: i for i, t in enumerate(dict.fromkeys([*base[n.TEAM], *revised[n.TEAM]]))}
    out = out.assign(_t=out[n.TEAM].map(order)).sort_values("_t", kind="stable")
    return out.drop(columns="_t").reset_index(drop=True)


def _unmeasured(reason: str, company_target: float, scenario: Scenario
                ) -> tuple[pd.DataFrame, RiskReport]:
    report = RiskReport(np.zeros(0), company_target, flag_teams(empty_risk()),
                        notes=[f"attainment risk not measured: {reason}"],
                        confidence=scenario.confidence, buffer=scenario.buffer)
    return empty_risk(), report


def conditional_outcomes(model: RiskModel, closed_share: np.ndarray, actual: np.ndarray,
                         draws: int = DRAWS, seed: int = SEED) -> Outcomes:
    """Outcomes per quarter and year with the closed part of each month known.

    Parameters
    ----------
    model : RiskModel
    closed_share : ndarray
        ``(12,)`` share of each month's working days that is closed.
    actual : ndarray
        ``(12, teams)`` actuals of the closed parts.
    draws, seed : int

    Returns
    -------
    Outcomes
        As :func:`planner.risk.simulate.simulate`, the open parts drawn the same way
        (the same months, blocks and yearly levels), the closed parts fixed.

    Examples
    --------
    A year fully closed has no spread left:

    >>> import numpy as np
    >>> m = RiskModel(["a"], [f"2026-{i:02d}" for i in range(1, 13)], np.ones((12, 1)),
    ...               np.array([[0.1], [-0.1], [0.0]]), "mom", 1.0, [], 0.2)
    >>> out = conditional_outcomes(m, np.ones(12), np.full((12, 1), 2.0), draws=50)
    >>> float(out.by_period["year"].min()), float(out.by_period["year"].max())
    (24.0, 24.0)
    """
    idx = draw_months(len(model.deviations), draws, BLOCK, seed)
    shift = year_shifts(model, draws, seed)
    teams = len(model.teams)
    quarters = {p: np.zeros((draws, teams)) for p in PERIODS[1:]}
    for month in range(12):
        drawn = (model.expected[month][None, :] * (1.0 - closed_share[month])
                 * np.exp(model.deviations[idx[:, month]]))
        if shift is not None:
            drawn = drawn * shift
        quarters[PERIODS[1 + month // 3]] += drawn + actual[month][None, :]
    year = sum(quarters.values(), np.zeros((draws, teams)))
    return Outcomes(model.teams, {"year": year, **quarters})


def replan_risk(scenario: Scenario, baselines: Baselines, dataset: Dataset,
                prepared: Prepared, slots: pd.DataFrame, frozen: pd.DataFrame,
                plan: pd.DataFrame, company_target: float, as_of: date
                ) -> tuple[pd.DataFrame, RiskReport]:
    """``attainment_risk.csv`` of a re-plan and its report (see the module docstring).

    Parameters
    ----------
    scenario, baselines, dataset
        As the re-plan ran them.
    prepared : Prepared
        The re-plan's allocation inputs (seats as of the re-plan).
    slots : DataFrame
        The allocation's week parts (``slot, month, working_days``).
    frozen : DataFrame
        ``team, product, slot, amount``: the actuals of the closed parts.
    plan : DataFrame
        The re-plan's ``plan.csv`` rows.
    company_target : float
        The company's year target (before the buffer).
    as_of : date
    """
    try:
        history = team_months(dataset, baselines, country=scenario.country,
                              ramp_months=scenario.ramp_months, basis=scenario.capacity_basis)
        exposure = prepared.seat_weights.groupby([n.MONTH, n.TEAM])["weight"].sum().unstack(
            n.TEAM, fill_value=0.0)
        exposure = exposure.loc[:, exposure.sum() > 0]
        model = build_risk_model(history, exposure, scenario.year)
    except (InputError, RiskError) as exc:
        return _unmeasured(str(exc), company_target, scenario)
    closed = slots["slot"].isin(set(frozen["slot"]))
    days = slots.groupby(n.MONTH)[n.WORKING_DAYS].sum()
    shut = slots.loc[closed].groupby(n.MONTH)[n.WORKING_DAYS].sum().reindex(days.index,
                                                                         fill_value=0)
    share = (shut / days.where(days > 0)).fillna(0.0).reindex(model.months, fill_value=0.0)
    sold = frozen.merge(slots[["slot", n.MONTH]], on="slot").pivot_table(
        index=n.MONTH, columns=n.TEAM, values=n.AMOUNT, aggfunc="sum")
    sold = sold.reindex(index=model.months, columns=model.teams).fillna(0.0)
    outcomes = conditional_outcomes(model, share.to_numpy(float), sold.to_numpy(float))
    teams = targets_by_period(plan, model.teams)
    company = teams.sum(axis=0) / (1.0 + scenario.buffer)
    company["year"] = company_target
    table = attainment_table(outcomes, teams, company)
    notes = [*model.notes,
             f"re-plan as of {as_of:%Y-%m-%d}: the closed part of each month is its actual; "
             "only the open part (its share of the month's working days) is simulated, from "
             "the model of the plan year's expected path (not updated by the run rate to "
             "date), with the exposure of the seats as of the re-plan",
             f"simulation: {DRAWS} years drawn by a circular block bootstrap of 3-month "
             "blocks, every team from the same history months (correlation kept), seeded"]
    report = RiskReport(outcomes.company("year"), company_target, flag_teams(table), notes,
                        model.method, len(model.deviations), DRAWS, scenario.confidence,
                        scenario.buffer, None)
    return table, report


__all__ = ["REPLAN_STEP", "conditional_outcomes", "explained_plan", "replan_bridge",
           "replan_risk"]
