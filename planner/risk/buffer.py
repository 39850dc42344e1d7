"""The over-assignment sized for a confidence, and the stretch limit per team.

Over-assignment rests on one premise, the one flat buffers rest on too: a team given a
larger target sells more, and its outcome deviates from its target as its history
deviated from its expected path. Under it, with team targets ``T (1 + b) w`` (``w``
each team's share of the expected path) and ``R`` each team's simulated yearly outcome
over its expected one, the company reaches its target ``T`` when
``sum(w R) >= 1 / (1 + b)``; the smallest buffer reaching it with probability ``c`` is
``1 / quantile(sum(w R), 1 - c) - 1`` (0 when that quantile is already at least 1).
The buffer covers the spread of outcomes around a plan on course; it does not make a
target far above the expected path credible: the probability of attainment says that.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.risk.model import RiskModel
from planner.risk.simulate import Outcomes


def buffer_for(model: RiskModel, outcomes: Outcomes, confidence: float) -> float:
    """Smallest buffer with which the company reaches its target with ``confidence``.

    Parameters
    ----------
    model : RiskModel
    outcomes : Outcomes
        Simulated outcomes (``"year"``: draws x teams).
    confidence : float
        In (0, 1).

    Returns
    -------
    float
        The buffer, rounded up to 0.01 percentage points.

    Examples
    --------
    >>> import numpy as np
    >>> from planner.risk.model import RiskModel
    >>> m = RiskModel(["a"], ["2027-01"], np.ones((12, 1)), np.zeros((3, 1)), "", 1.0)
    >>> ratios = np.linspace(0.8, 1.2, 101)[:, None] * 12
    >>> buffer_for(m, Outcomes(["a"], {"year": ratios}), 0.9)
    0.1905
    """
    expected = model.expected.sum(axis=0)
    share = expected / expected.sum() if expected.sum() > 0 else np.full(len(expected),
                                                                         1 / len(expected))
    ratio = outcomes.by_period["year"] / np.where(expected > 0, expected, 1.0)[None, :]
    company = ratio @ share
    low = float(np.quantile(company, 1.0 - confidence))
    if low <= 0:
        return math.inf
    return max(0.0, math.ceil((1.0 / low - 1.0) * 1e4 - 1e-9) / 1e4)


def stretch_limits(model: RiskModel, outcomes: Outcomes, sigma: float,
                   buffered_total: float) -> pd.DataFrame:
    """Each team's largest yearly target: ``m x (expected + sigma x sd)``.

    ``m`` is the plan's team total over the company's expected path (at least 1): a plan
    above the path scales every team's path by the same multiple first, so the rule
    limits the stretch a team carries beyond the company's own, in the team's own
    standard deviations (``sd`` of its simulated yearly outcome).

    Returns
    -------
    DataFrame
        ``team, limit`` (amount).
    """
    expected = model.expected.sum(axis=0)
    sd = outcomes.by_period["year"].std(axis=0)
    multiple = max(1.0, buffered_total / expected.sum()) if expected.sum() > 0 else 1.0
    return pd.DataFrame({"team": model.teams, "limit": multiple * (expected + sigma * sd)})
