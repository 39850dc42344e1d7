"""Joint simulation of the plan year: a seeded circular block bootstrap of deviations.

Each simulated year draws blocks of :data:`BLOCK` consecutive history months (wrapping
round the end, Politis and Romano's circular block bootstrap) and lays them over the
plan's twelve months. A drawn month carries the deviations of every team in that
history month together, so the correlation between teams (a company-wide good or bad
month) and, within a block, between neighbouring months is kept. A team's outcome in a
month is its expected amount x exp(deviation), times the year's draw of the company's
level and of the team's own level (:func:`year_shifts`); the company's is the sum over
teams.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from planner.risk.model import RiskModel
from planner.risk.result import COMPANY, PERIODS, RISK_COLUMNS, TEAM_LEVEL

BLOCK: Final = 3  # months per block: a quarter
DRAWS: Final = 4000
SEED: Final = 20_260_101


def draw_months(history_months: int, draws: int = DRAWS, block: int = BLOCK,
                seed: int = SEED) -> np.ndarray:
    """History month drawn for each plan month of each simulated year.

    Parameters
    ----------
    history_months : int
        Months of deviations to draw from (> 0).
    draws, block, seed : int
        Simulated years, months per block, random seed.

    Returns
    -------
    ndarray of int
        ``(draws, 12)`` row indices into the deviations.

    Examples
    --------
    >>> idx = draw_months(5, draws=2, block=3, seed=1)
    >>> idx.shape, bool(((idx[:, 1] - idx[:, 0]) % 5 == 1).all())
    ((2, 12), True)
    """
    block = max(1, min(block, history_months))
    blocks = -(-12 // block)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, history_months, size=(draws, blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]) % history_months
    return idx.reshape(draws, blocks * block)[:, :12]


@dataclass
class Outcomes:
    """Simulated outcomes per period: ``(draws, teams)`` arrays keyed by period."""

    teams: list[str]
    by_period: dict[str, np.ndarray]

    def company(self, period: str) -> np.ndarray:
        """The company's outcome per draw."""
        return self.by_period[period].sum(axis=1)


def simulate(model: RiskModel, draws: int = DRAWS, seed: int = SEED) -> Outcomes:
    """Outcomes of every team per quarter and year, drawn jointly.

    Parameters
    ----------
    model : RiskModel
    draws, seed : int

    Returns
    -------
    Outcomes
    """
    idx = draw_months(len(model.deviations), draws, BLOCK, seed)
    quarters = {p: np.zeros((draws, len(model.teams))) for p in PERIODS[1:]}
    ratio = np.exp(model.deviations)  # each history month's once, then drawn
    for month in range(12):
        amount = model.expected[month][None, :] * ratio[idx[:, month]]
        quarters[PERIODS[1 + month // 3]] += amount
    shift = year_shifts(model, draws, seed)
    if shift is not None:
        quarters = {p: q * shift for p, q in quarters.items()}
    year = sum(quarters.values(), np.zeros((draws, len(model.teams))))
    return Outcomes(model.teams, {"year": year, **quarters})


def year_shifts(model: RiskModel, draws: int, seed: int) -> np.ndarray | None:
    """Each simulated year's factor per team: the company's level x the team's own.

    The company's level is lognormal with sd ``model.level_sd``; each team's relative
    level is lognormal with sd ``model.team_sd``, independent between teams and then
    centred (less the expected-weighted mean of the teams' log shifts), so it moves
    teams against each other and not the company. Both are mean-one.

    Returns
    -------
    ndarray or None
        ``(draws, teams)`` factors; None when neither spread is positive.
    """
    teams = len(model.teams)
    team_sd = np.zeros(teams) if model.team_sd is None else np.asarray(model.team_sd, float)
    if model.level_sd <= 0 and not (team_sd > 0).any():
        return None
    rng = np.random.default_rng(seed + 1)
    company = rng.standard_normal(draws) * model.level_sd - model.level_sd ** 2 / 2.0
    own = rng.standard_normal((draws, teams)) * team_sd[None, :]
    weight = model.expected.sum(axis=0)
    weight = weight / weight.sum() if weight.sum() > 0 else np.full(teams, 1.0 / teams)
    own = own - (own @ weight)[:, None]
    own = own - np.log(np.mean(np.exp(own), axis=0))[None, :]
    return np.exp(company[:, None] + own)


def quarter_of(month: pd.Series) -> pd.Series:
    """``"Q1".."Q4"`` of ``"YYYY-MM"`` labels."""
    return "Q" + ((month.str[5:7].astype(int) - 1) // 3 + 1).astype(str)


def targets_by_period(plan: pd.DataFrame, teams: list[str]) -> pd.DataFrame:
    """Team targets per period from ``plan.csv`` rows: index teams, columns periods.

    Each distinct month is read once (a plan has a million rows and twelve months); the
    sums are pandas' own, over the rows in plan order, so they match a pivot table's.
    """
    month, months = pd.factorize(plan["month"].astype(str))
    quarter = np.asarray(quarter_of(pd.Series(months, dtype=object)).map(
        {p: i for i, p in enumerate(PERIODS[1:])}).fillna(-1), np.int64)[month]
    team, team_values = pd.factorize(plan["team"])
    sums = pd.Series(plan["amount"].to_numpy(float), copy=False).groupby(
        [team, quarter]).sum()
    row = sums.index.get_level_values(0).to_numpy()
    column = sums.index.get_level_values(1).to_numpy()
    known = column >= 0
    found = np.zeros((len(team_values) + 1, len(PERIODS) - 1))  # last row: a team not found
    found[row[known], column[known]] = sums.to_numpy()[known]
    at = pd.Index(team_values).get_indexer(teams)
    # teams x quarters, row-major: a pivot table's layout, so the sums over it add alike
    grid = np.ascontiguousarray(found[np.where(at >= 0, at, len(team_values))])
    table = pd.DataFrame(grid, index=pd.Index(teams, name="team"),
                         columns=pd.Index(PERIODS[1:], name="period"), copy=False)
    table.insert(0, "year", table.sum(axis=1))
    return table


def attainment_table(outcomes: Outcomes, team_targets: pd.DataFrame,
                     company_targets: pd.Series) -> pd.DataFrame:
    """Probability of attainment per team and of the company, per period.

    Parameters
    ----------
    outcomes : Outcomes
    team_targets : DataFrame
        :func:`targets_by_period` (with the buffer).
    company_targets : Series
        The company's target per period (before the buffer).

    Returns
    -------
    DataFrame
        :data:`planner.risk.result.RISK_COLUMNS`, the company's rows first.
    """
    teams = outcomes.teams
    company = [_summary(outcomes.company(p)[None, :], np.array([float(company_targets[p])]))
               for p in PERIODS]
    by_team = [_summary(np.ascontiguousarray(outcomes.by_period[p].T),
                        team_targets[p].reindex(teams).to_numpy(float)) for p in PERIODS]
    frames = [pd.DataFrame({"level": COMPANY, "team": "", "period": list(PERIODS),
                            **{c: np.concatenate([s[c] for s in company])
                               for c in RISK_COLUMNS[3:]}})]
    if teams:  # each team's periods in order, the teams in order
        frames.append(pd.DataFrame({
            "level": TEAM_LEVEL, "team": np.repeat(np.array(teams, object), len(PERIODS)),
            "period": np.tile(np.array(PERIODS, object), len(teams)),
            **{c: np.stack([s[c] for s in by_team], axis=1).reshape(-1)
               for c in RISK_COLUMNS[3:]}}))
    return pd.DataFrame(pd.concat(frames, ignore_index=True), columns=list(RISK_COLUMNS))


def _summary(sims: np.ndarray, target: np.ndarray) -> dict[str, np.ndarray]:
    """The risk table's figures of each row of ``sims`` (one outcome per draw).

    Every figure reduces a row along contiguous memory, as a 1-D array's would: the
    same values, to the last bit, as the figures of each row taken alone.
    """
    quantiles = np.quantile(np.sort(sims, axis=1), [0.5, 0.1], axis=1)  # sorted: faster
    return {"target": target, "expected": sims.mean(axis=1),
            "p_attain": np.mean(sims >= target[:, None], axis=1),
            "outcome_p50": quantiles[0], "outcome_p90": quantiles[1], "sd": sims.std(axis=1)}
