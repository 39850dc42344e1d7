"""Rules on groups of cells in the driver model: margin-tier mix and partner supply.

A rule bounds the revenue, the units or the revenue share of a group of cells (a
margin tier, or one product). Margin-tier rules come from ``[[mix]]``; a product's
yearly supply from ``[[supply]]`` caps its units or revenue, so the product targets
the allocation receives can be sold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.scenario.values import MixRule, SupplyRule

Bound = tuple[str, str, float]  # (measure: share|amount|units, sense: min|max, value)


@dataclass(frozen=True)
class CellRule:
    """Bounds on a group of cells: those whose ``key`` column equals ``group``."""

    name: str
    key: str  # "margin_tier" or "product"
    group: str
    bounds: tuple[Bound, ...]


def bounds_of(rule: MixRule) -> tuple[Bound, ...]:
    """(measure, sense, value) of each bound a mix rule sets."""
    out = []
    for measure, sense, value in (
        ("share", "min", rule.min_share), ("share", "max", rule.max_share),
        ("amount", "min", rule.min_amount), ("amount", "max", rule.max_amount),
        ("units", "min", rule.min_units), ("units", "max", rule.max_units),
    ):
        if value is not None:
            out.append((measure, sense, float(value)))
    return tuple(out)


def cell_rules(mix: tuple[MixRule, ...] = (),
               supply: tuple[SupplyRule, ...] = ()) -> tuple[CellRule, ...]:
    """The scenario's mix rules and yearly supply caps as cell rules.

    A supply rule caps a product's year only when it covers every month (twelve
    times its monthly cap); a rule on some months leaves the other months free, so it
    is left to the allocation, which applies it month by month.
    """
    rules = [CellRule(f"mix_{i}", "margin_tier", m.tier, bounds_of(m)) for i, m in enumerate(mix)]
    for i, s in enumerate(supply):
        if s.months and set(s.months) != set(range(1, 13)):
            continue
        months = 12
        measure = "units" if s.monthly_units is not None else "amount"
        monthly = s.monthly_units if s.monthly_units is not None else s.monthly_amount
        rules.append(CellRule(f"supply_{i}", "product", s.product,
                              ((measure, "max", float(monthly or 0.0) * months),)))
    return tuple(rules)


def rule_violation(rev: np.ndarray, units: np.ndarray, groups: dict[str, np.ndarray],
                   rules: tuple[CellRule, ...]) -> float:
    """Largest relative violation of the rules by exact cell revenues and units."""
    worst = 0.0
    total = float(rev.sum())
    for rule in rules:
        inside = groups[rule.key] == rule.group
        r, u = float(rev[inside].sum()), float(units[inside].sum())
        for measure, sense, value in rule.bounds:
            got = {"share": r / total if total else 0.0, "amount": r, "units": u}[measure]
            scale = 1.0 if measure == "share" else max(value, 1.0)
            gap = (value - got) if sense == "min" else (got - value)
            worst = max(worst, gap / scale)
    return worst
