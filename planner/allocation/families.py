"""Every column block and constraint family of the allocation LP, declared once.

The builder (:mod:`planner.allocation.model`) adds blocks and families under these
names; the readers (:mod:`planner.allocation.solve`, :mod:`planner.allocation.duals`,
the re-plan) read them back by the same names, and by their labels: a mix rule is one
row of the ``mix`` family, labelled by its rule and tier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# Column blocks: amount = reference + up - down, per team x product x slot cell.
UP: Final = "up"
DOWN: Final = "down"
#: Each team-week's deviation from its reference (with ``smoothness``).
WEEK_DEVIATION: Final = "week_deviation"
#: Week-on-week change of a team's deviation, up and down (with ``smoothness``).
SMOOTH_UP: Final = "smooth_up"
SMOOTH_DOWN: Final = "smooth_down"

# Constraint families.
PRODUCT_TARGET: Final = "product_target"
CAPACITY: Final = "capacity"
WEEK_SPLIT: Final = "week_split"
TEAM_WEEK: Final = "team_week"
SMOOTHNESS: Final = "smoothness"
FAIRNESS: Final = "fairness"
SUPPLY: Final = "supply"
MIX: Final = "mix"
STRETCH: Final = "stretch"

# Slack blocks: each lets one rule give way, at a penalty, and says by how much.
PRODUCT_SHORT: Final = "product_short"
CAPACITY_OVER: Final = "capacity_over"
FAIRNESS_UNDER: Final = "fairness_under"
FAIRNESS_OVER: Final = "fairness_over"
SUPPLY_OVER: Final = "supply_over"
MIX_SLACK: Final = "mix_slack"
STRETCH_OVER: Final = "stretch_over"

# Hiring (planner.allocation.hiring, with [hiring]): seats hired per team x grade x month,
# the rows that keep hired capacity over each team-week's load, and the hiring limits.
HIRE: Final = "hire"
HIRE_COVER: Final = "hire_cover"
HIRE_SHORT: Final = "hire_short"
HIRE_LIMIT: Final = "hire_limit"
HIRE_TOTAL: Final = "hire_total"


@dataclass(frozen=True)
class Rule:
    """A rule family the plan reports: its slacks and what its marginal value means.

    Attributes
    ----------
    family : str
        The constraint family.
    slacks : tuple of str
        Slack blocks that let it give way.
    meaning : str
        What the dual of a binding row says, in the user's words.
    """

    family: str
    slacks: tuple[str, ...]
    meaning: str


#: The rules reported when they bind or give way, in the order they are reported.
RULES: Final = (
    Rule(PRODUCT_TARGET, (PRODUCT_SHORT,),
         "deviation cost per extra unit of product target (amount)"),
    Rule(CAPACITY, (CAPACITY_OVER,),
         "deviation avoided per extra unit of weekly capacity (amount)"),
    Rule(FAIRNESS, (FAIRNESS_UNDER, FAIRNESS_OVER),
         "deviation avoided per unit of wider fairness band (amount)"),
    Rule(SUPPLY, (SUPPLY_OVER,),
         "deviation avoided per extra unit of monthly supply (amount)"),
    Rule(MIX, (MIX_SLACK,), "deviation avoided per unit of looser mix rule"),
    Rule(STRETCH, (STRETCH_OVER,),
         "deviation avoided per unit of higher stretch limit (amount)"),
    Rule(HIRE_COVER, (HIRE_SHORT,),
         "deviation avoided per extra unit of hired team capacity in a week (amount)"),
)

#: Each slack block's rule family.
SLACK_FAMILY: Final = {slack: rule.family for rule in RULES for slack in rule.slacks}
#: What each rule family's marginal value means.
MEANING: Final = {rule.family: rule.meaning for rule in RULES}
