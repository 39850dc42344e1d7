"""Scenario files: schema, parsing with line-numbered errors, value objects."""

from planner.scenario.parse import load_scenario
from planner.scenario.values import (
    Event,
    Hire,
    LeverSpec,
    MixRule,
    Scenario,
    SolverOptions,
    SupplyRule,
)

__all__ = [
    "Event", "Hire", "LeverSpec", "MixRule", "Scenario", "SolverOptions", "SupplyRule",
    "load_scenario",
]
