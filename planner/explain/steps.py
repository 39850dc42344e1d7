"""The steps of a team's bridge, in the order they are applied (names in one place).

A bridge starts from the team's last-year amount and adds one amount per step; the
steps sum exactly (in cents) to the team's year target.

Examples
--------
>>> STEPS[0], STEPS[-1]
('last_year', 'whole_units')
>>> family_of("hires"), family_of("fairness"), family_of("buffer")
('capacity', 'rules', 'buffer')
"""

from __future__ import annotations

from typing import Final

LAST_YEAR: Final = "last_year"
LEVERS: Final = "levers"
NEW: Final = "new_business"
#: Capacity effects, at last year's productivity (:mod:`planner.explain.capacity`).
SEATS: Final = "seats"
WORKING_DAYS: Final = "working_days"
LEAVERS: Final = "leavers"
ATTRITION: Final = "attrition"
RECENT_RAMP: Final = "recent_ramp"
HIRES: Final = "hires"
CAPACITY_STEPS: Final = (SEATS, WORKING_DAYS, LEAVERS, ATTRITION, RECENT_RAMP, HIRES)
#: Allocation rules, in the order they are added (:mod:`planner.explain.rules`).
CAPACITY_RULE: Final = "capacity_rule"
FAIRNESS: Final = "fairness"
SUPPLY: Final = "supply"
MIX: Final = "mix"
RULE_STEPS: Final = (CAPACITY_RULE, FAIRNESS, SUPPLY, MIX)
BUFFER: Final = "buffer"
WHOLE_UNITS: Final = "whole_units"

#: Every step in bridge order. A new step (e.g. a risk buffer) goes in here, gets a
#: sentence in :mod:`planner.explain.text` and an amount in :func:`~planner.explain.bridge.bridge`.
STEPS: Final = (LAST_YEAR, LEVERS, NEW, *CAPACITY_STEPS, *RULE_STEPS, BUFFER, WHOLE_UNITS)

#: Columns of ``explain.csv`` and of :func:`planner.explain.explain_plan`.
COLUMNS: Final = ("team", "step", "product", "amount", "note")

_FAMILY: Final = {**{s: "capacity" for s in CAPACITY_STEPS},
                  **{s: "rules" for s in RULE_STEPS},
                  LAST_YEAR: "last_year", LEVERS: "levers", NEW: "capacity",
                  BUFFER: "buffer", WHOLE_UNITS: "whole_units"}
#: The compact per-product form groups the steps in these columns.
FAMILIES: Final = ("last_year", "levers", "capacity", "rules", "buffer", "whole_units")


def family_of(step: str) -> str:
    """The compact-form column a step belongs to."""
    return _FAMILY[step]
