"""What the risk step hands to the plan result and the writers (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

#: ``attainment_risk.csv``: the issue's columns, then the outcome quantiles.
RISK_COLUMNS: Final = ("level", "team", "period", "target", "expected", "p_attain",
                       "outcome_p50", "outcome_p90", "sd")
#: ``level`` values.
COMPANY: Final = "company"
TEAM_LEVEL: Final = "team"
#: ``period`` values, in order.
PERIODS: Final = ("year", "Q1", "Q2", "Q3", "Q4")
#: Flag thresholds on a team's yearly probability (issue 14).
TOO_EASY: Final = 0.95
NOT_CREDIBLE: Final = 0.20
ATTAINMENT_RISK_CSV: Final = "attainment_risk.csv"
FLAG_COLUMNS: Final = ("team", "p_attain", "flag", "reason")


def empty_risk() -> pd.DataFrame:
    """An empty risk table with the columns of :data:`RISK_COLUMNS`."""
    return pd.DataFrame({c: pd.Series(dtype="object" if c in ("level", "team", "period")
                                      else "float64") for c in RISK_COLUMNS})


@dataclass
class RiskReport:
    """Everything the Risk sheet and the team workbooks show besides the table.

    Attributes
    ----------
    company_outcomes : ndarray
        Simulated company outcomes of the year (one per draw), for the distribution chart.
    company_target : float
        The company's yearly target (before the buffer).
    flags : DataFrame
        :data:`FLAG_COLUMNS`: teams whose yearly probability is above 0.95 or below 0.2.
    notes : list of str
        The method, the history it read and its limits, one line each.
    method : str
        ``"year-on-year"`` or ``"month-on-month"`` deviations.
    months : int
        Months of deviations the bootstrap drew from.
    draws : int
        Simulated years.
    confidence : float or None
        ``[target] confidence`` when the buffer was sized for it.
    buffer : float
        The buffer the plan used (found for the confidence, or the scenario's).
    stretch_limits : DataFrame or None
        ``team, limit`` of ``[allocation] max_stretch_sigma`` (None when unset).
    """

    company_outcomes: np.ndarray
    company_target: float
    flags: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    method: str = ""
    months: int = 0
    draws: int = 0
    confidence: float | None = None
    buffer: float = 0.0
    stretch_limits: pd.DataFrame | None = None
