"""Scenario files: schema, parsing with line-numbered errors, value objects."""

from planner.scenario.model import (
    Event,
    Hire,
    LeverSpec,
    MixRule,
    Scenario,
    SolverOptions,
    SupplyRule,
)
from planner.scenario.parse import load_scenario

__all__ = [
    "Event", "Hire", "LeverSpec", "MixRule", "Scenario", "SolverOptions", "SupplyRule",
    "load_scenario",
]
