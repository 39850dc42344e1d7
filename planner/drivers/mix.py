"""Margin-tier rules in the driver model, linearised at a point (exact there)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pulp

from planner.scenario.model import MixRule


def _bounds(rule: MixRule) -> list[tuple[str, str, float]]:
    """(measure, sense, value) of each bound the rule sets."""
    out = []
    for measure, sense, value in (
        ("share", "min", rule.min_share), ("share", "max", rule.max_share),
        ("amount", "min", rule.min_amount), ("amount", "max", rule.max_amount),
        ("units", "min", rule.min_units), ("units", "max", rule.max_units),
    ):
        if value is not None:
            out.append((measure, sense, float(value)))
    return out


def add_mix_rows(prob: pulp.LpProblem, rev: Sequence[pulp.LpAffineExpression],
                 units: Sequence[pulp.LpAffineExpression], tiers: np.ndarray,
                 mix: tuple[MixRule, ...]) -> None:
    """Add one row per mix bound on linearised cell revenues and units."""
    total = pulp.lpSum(rev)
    for i, rule in enumerate(mix):
        inside = np.flatnonzero(tiers == rule.tier)
        tier_rev = pulp.lpSum(rev[k] for k in inside)
        tier_units = pulp.lpSum(units[k] for k in inside)
        for j, (measure, sense, value) in enumerate(_bounds(rule)):
            expr = {"share": tier_rev - value * total, "amount": tier_rev - value,
                    "units": tier_units - value}[measure]
            prob += (expr >= 0) if sense == "min" else (expr <= 0), f"mix_{i}_{j}"


def mix_violation(rev: np.ndarray, units: np.ndarray, tiers: np.ndarray,
                  mix: tuple[MixRule, ...]) -> float:
    """Largest relative violation of the mix rules by exact cell revenues and units."""
    worst = 0.0
    total = float(rev.sum())
    for rule in mix:
        r = float(rev[tiers == rule.tier].sum())
        u = float(units[tiers == rule.tier].sum())
        for measure, sense, value in _bounds(rule):
            got = {"share": r / total if total else 0.0, "amount": r, "units": u}[measure]
            scale = 1.0 if measure == "share" else max(value, 1.0)
            gap = (value - got) if sense == "min" else (got - value)
            worst = max(worst, gap / scale)
    return worst
