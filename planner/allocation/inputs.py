"""Turn baselines, driver targets, the calendar and the scenario into allocation inputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation.model import AllocationInputs
from planner.allocation.phasing import event_factors, product_paths, slots_of
from planner.baselines.compute import Baselines
from planner.calendar import Calendar
from planner.capacity import (
    Capacity,
    history_capacity,
    planned_capacity,
)
from planner.errors import ScenarioError
from planner.scenario.values import Scenario


@dataclass
class Prepared:
    """Allocation inputs plus what the per-seat split and reports need."""

    inputs: AllocationInputs
    roster: pd.DataFrame
    seat_weights: pd.DataFrame  # seat, team, grade, week, month, weight
    productivity_factor: float  # planned amount per unit of last-year capacity


def prepare_allocation(baselines: Baselines, product_targets: pd.DataFrame,
                       scenario: Scenario, calendar: Calendar,
                       planned: Capacity | None = None) -> Prepared:
    """Everything the allocation model reads, in plan terms.

    Parameters
    ----------
    baselines : Baselines
    product_targets : DataFrame
        ``product, target_amount, target_units`` (company targets, before the buffer).
    scenario : Scenario
    calendar : Calendar
    planned : Capacity, optional
        :func:`planner.capacity.capacity_of` already computed for this scenario (the
        plan computes it once for both models); computed here when absent.

    Returns
    -------
    Prepared
    """
    b = 1.0 + scenario.buffer
    if planned is not None:
        roster, weights = planned.roster, planned.weights
    else:
        roster, weights = planned_capacity(baselines, scenario, calendar)
    products = _products(baselines, product_targets, b)
    slots = slots_of(calendar.week_months)
    names = list(products[n.PRODUCT])
    paths = product_paths(slots, products, baselines.product_months,
                          event_factors(slots, calendar.days, names, scenario.events))
    team_cap = weights.groupby(n.TEAM)["weight"].sum()
    team_cap = team_cap.loc[team_cap > 0]
    teams = list(team_cap.index)
    total = float(products["target"].sum())
    factor = total / float(team_cap.sum()) if team_cap.sum() > 0 else 0.0
    capacity = weights.groupby([n.TEAM, n.WEEK], as_index=False)["weight"].sum()
    capacity["capacity"] = capacity["weight"] * factor * (1.0 + scenario.capacity_headroom)
    growth = _capacity_growth(baselines, team_cap, scenario.capacity_basis)
    inputs = AllocationInputs(
        teams=teams,
        products=products,
        slots=slots,
        paths=paths,
        team_share=_team_share(baselines, teams, names, growth, team_cap),
        capacity=capacity[[n.TEAM, n.WEEK, "capacity"]],
        fairness=_fairness(baselines, teams, growth, total, scenario.fairness_band),
        supply=_supply(scenario, products, b),
        mix=_mix(scenario, b),
        deviation_weight=scenario.deviation_weight,
        smoothness=scenario.smoothness,
    )
    return Prepared(inputs, roster, weights, factor)


def _products(baselines: Baselines, targets: pd.DataFrame, b: float) -> pd.DataFrame:
    cols = [n.PRODUCT, n.MARGIN_TIER, n.SELL_FROM_MONTH, n.SELL_TO_MONTH, "is_spike"]
    out = targets[[n.PRODUCT, "target_amount", "target_units"]].merge(
        baselines.products[cols], on=n.PRODUCT, how="left")
    out = out.loc[out["target_amount"] > 0].reset_index(drop=True)
    out["ticket"] = out["target_amount"] / out["target_units"].where(out["target_units"] > 0)
    out["target"] = out["target_amount"] * b
    return out


def _capacity_growth(baselines: Baselines, plan_cap: pd.Series, basis: str) -> pd.Series:
    """Planned over last year's capacity per team (both at last year's productivity)."""
    hist = history_capacity(baselines, basis)
    growth = (plan_cap / hist.reindex(plan_cap.index)).replace([np.inf, -np.inf], np.nan)
    return growth.fillna(1.0)


def _history(baselines: Baselines) -> pd.DataFrame:
    return baselines.team_products[[n.TEAM, n.PRODUCT, n.AMOUNT]]


def _team_share(baselines: Baselines, teams: list[str], products: list[str],
                growth: pd.Series, team_cap: pd.Series) -> pd.DataFrame:
    """Each product's split over teams: history mix scaled by capacity growth."""
    hist = _history(baselines).pivot_table(index=n.TEAM, columns=n.PRODUCT, values=n.AMOUNT,
                                           aggfunc="sum").reindex(index=teams, columns=products)
    hist = hist.fillna(0.0).clip(lower=0.0)
    weight = hist.mul(growth.reindex(teams).fillna(1.0), axis=0)
    cap_share = team_cap.reindex(teams).fillna(0.0)
    mix = hist.sum(axis=0)
    mix = mix / mix.sum() if mix.sum() > 0 else mix
    no_history = hist.sum(axis=1) <= 0
    # teams new to the plan: company mix times their capacity, on last year's scale
    scale = float(weight.sum().sum() / cap_share.loc[~no_history].sum()) if (
        (~no_history).any() and cap_share.loc[~no_history].sum() > 0) else 1.0
    weight.loc[no_history] = np.outer(cap_share.loc[no_history] * scale, mix.fillna(0.0))
    col_sum = weight.sum(axis=0)
    empty = col_sum <= 0
    weight.loc[:, empty] = np.repeat(cap_share.to_numpy()[:, None], int(empty.sum()), axis=1)
    share = weight / weight.sum(axis=0)
    long = share.reset_index().melt(id_vars=n.TEAM, var_name=n.PRODUCT, value_name="share")
    return long.fillna(0.0)


def _fairness(baselines: Baselines, teams: list[str], growth: pd.Series, total: float,
              band: float) -> pd.DataFrame:
    hist = _history(baselines).groupby(n.TEAM)[n.AMOUNT].sum().reindex(teams).fillna(0.0)
    adjusted = hist * growth.reindex(teams).fillna(1.0)
    adjusted = adjusted.loc[adjusted > 0]
    if adjusted.empty:
        return pd.DataFrame(columns=[n.TEAM, "lower", "upper"])
    overall = total / float(adjusted.sum())
    return pd.DataFrame({n.TEAM: adjusted.index, "lower": adjusted.to_numpy() * overall * (
        1 - band), "upper": adjusted.to_numpy() * overall * (1 + band)})


def _supply(scenario: Scenario, products: pd.DataFrame, b: float) -> pd.DataFrame:
    rows = []
    ticket = dict(zip(products[n.PRODUCT], products["ticket"], strict=True))
    for i, rule in enumerate(scenario.supply):
        if rule.product not in ticket:
            raise ScenarioError(f"supply[{i}].product: {rule.product!r} has no target in this "
                                f"plan (products: {', '.join(ticket)}); fix the name")
        per_month = (rule.monthly_amount if rule.monthly_amount is not None
                     else rule.monthly_units * ticket[rule.product])
        for month in rule.months or range(1, 13):
            rows.append({n.PRODUCT: rule.product, n.MONTH: f"{scenario.year}-{month:02d}",
                         "cap": per_month * b})
    return pd.DataFrame(rows, columns=[n.PRODUCT, n.MONTH, "cap"])


def _mix(scenario: Scenario, b: float) -> pd.DataFrame:
    rows = []
    for i, rule in enumerate(scenario.mix):
        for field_name, kind, sense, scale in (
            ("min_share", "share", "min", 1.0), ("max_share", "share", "max", 1.0),
            ("min_amount", "amount", "min", b), ("max_amount", "amount", "max", b),
            ("min_units", "units", "min", b), ("max_units", "units", "max", b),
        ):
            value = getattr(rule, field_name)
            if value is not None:
                rows.append({"rule": f"mix[{i}].{field_name}", "tier": rule.tier, "kind": kind,
                             "sense": sense, "value": value * scale})
    return pd.DataFrame(rows, columns=["rule", "tier", "kind", "sense", "value"])
