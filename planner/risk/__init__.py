"""Attainment risk: how likely each team and the company are to reach their targets.

The data flow, one module per step:

- :mod:`planner.risk.history`: each team's monthly sales and its exposure (ramp-weighted
  seat working days at last year's productivity) over the whole history;
- :mod:`planner.risk.model`: the expected path of the plan year (last year's same month,
  scaled by the planned exposure and the trend) and the deviations from it that the
  history shows (year-on-year, or month-on-month when the history is short);
- :mod:`planner.risk.simulate`: a seeded circular block bootstrap of those deviations,
  drawn for every team at once so the correlation between teams and between months is
  kept; the probability of attainment per team, quarter and year and of the company;
- :mod:`planner.risk.buffer`: the over-assignment sized for a confidence;
- :mod:`planner.risk.flags`: teams whose target is too easy or not credible;
- :mod:`planner.risk.step`: the pipeline's calls before and after the allocation.
"""

from planner.risk.result import RISK_COLUMNS, RiskReport, empty_risk

__all__ = ["RISK_COLUMNS", "RiskReport", "empty_risk"]
