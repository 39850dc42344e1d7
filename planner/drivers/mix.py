"""Margin-tier rules in the driver model, linearised at a point (exact there)."""

from __future__ import annotations

import numpy as np

from planner.scenario.model import MixRule


def bounds_of(rule: MixRule) -> list[tuple[str, str, float]]:
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


def mix_violation(rev: np.ndarray, units: np.ndarray, tiers: np.ndarray,
                  mix: tuple[MixRule, ...]) -> float:
    """Largest relative violation of the mix rules by exact cell revenues and units."""
    worst = 0.0
    total = float(rev.sum())
    for rule in mix:
        r = float(rev[tiers == rule.tier].sum())
        u = float(units[tiers == rule.tier].sum())
        for measure, sense, value in bounds_of(rule):
            got = {"share": r / total if total else 0.0, "amount": r, "units": u}[measure]
            scale = 1.0 if measure == "share" else max(value, 1.0)
            gap = (value - got) if sense == "min" else (got - value)
            worst = max(worst, gap / scale)
    return worst
