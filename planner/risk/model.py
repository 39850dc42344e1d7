"""The plan year's expected path per team and the uncertainty around it.

A team's monthly *rate* is its sales over its exposure (:mod:`planner.risk.history`).
On the log scale it is read as the company's rate of the month plus the team's
*relative level*, plus noise::

    log rate[team, t] = log company_rate[t] + level[team] + e[team, t]

Expected path
-------------
The plan phases the year like last year, so the company's expected rate of a plan
month is its rate in the same calendar month of the latest history, grown by the
company's trend over the months in between; a team's is that times its relative level,
over the last 12 months, shrunk toward the company's (empirical Bayes: the spread of
the teams' levels against the noise of each team's estimate)::

    expected[team, m] = exposure_plan[team, m] x company_rate[src] x trend ** ((m - src) / 12)
                        x exp(shrunk level[team])

One team-month of one year is a noisy base; a year of the team against the whole
company in the same months is a steady one. A team without a sales history gets the
company's rate. The lever uplifts a target asks for are not in the path: how far the
target is above it is what the probability measures.

Trend
-----
With at least :data:`MIN_YOY` months that have the same month a year earlier, the trend
is the company's run-rate: its rate over the latest (up to 12) such months against the
same months a year earlier. With a shorter history the trend is taken as flat.

What can go wrong, drawn per simulated year or month
-----------------------------------------------------
1. *The company's level* (once per simulated year, lognormal, sd ``level_sd``): how far
   a year's growth strays from the trend. With two or more half-years that have the
   half-year a year earlier, the spread ``s`` of those half-yearly growths: it covers
   the run-rate trend's own error too (next year's growth, a mean of two half-years,
   less the latest year's, a mean of two more, has sd ``s``). With fewer, the spread
   of the company's monthly deviations (below), which is wide because it holds the
   seasonal swings of a history too short to separate them. With under
   :data:`MIN_YOY` year-on-year months the trend itself is unknown (taken as flat), so
   the year's growth is drawn too: ``level_sd = sqrt(growth_sd^2 + m^2)``, with
   ``growth_sd`` a prior sd of a year's growth (:data:`GROWTH_SD`, a weakly-informative
   convention) and ``m`` the spread of the company's monthly changes.
2. *Each team's level* (once per simulated year, lognormal, sd ``team_sd`` per team,
   centred so it moves teams against each other, not the company): the uncertainty of
   the shrunk level itself (few months: wide; Morris's posterior variance, which allows
   for the spread between teams being itself estimated) plus how far a team's level
   drifts in a year, measured from the changes of the teams' levels between the same
   half-years a year apart (beyond what their noise explains; a team's own seasonality
   is then not drift), or between consecutive half-years when the history is shorter
   than 18 months.
3. *Monthly deviations* (drawn by month, :mod:`planner.risk.simulate`): the company's
   deviation of a month (year-on-year change less the trend; with a short history the
   month-on-month change, over sqrt 2) plus each team's residual against the company
   in that same month. Each team's column is centred so its ratio averages 1: the
   expected path is the mean outcome, not the median.

A team-month without sales or exposure has no residual (0): the team moves with the
company that month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from planner.errors import PlannerError
from planner.risk.history import TeamMonths, month_index

#: Fewest year-on-year months for the year-on-year method.
MIN_YOY: Final = 6
#: Fewest months of deviations for any estimate at all.
MIN_MONTHS: Final = 3
#: Below this many months of deviations the notes say the spread is itself uncertain.
FEW_MONTHS: Final = 12
#: Months of the latest history that give a team's level and the company's run-rate.
LEVEL_MONTHS: Final = 12
#: Months in a half-year block (level drift, growth spread).
HALF: Final = 6
#: Months from the middle of the level's window to the middle of the plan year.
HORIZON: Final = 12
#: Prior sd of a year's growth of the company's rate (log) when the history cannot show
#: it (fewer than :data:`MIN_YOY` year-on-year months): a weakly-informative scale, two
#: sd = +-30% a year; a convention, not fitted (README, "Attainment risk").
GROWTH_SD: Final = 0.15


class RiskError(PlannerError):
    """The history cannot measure the attainment risk (too short); says what is needed."""


YOY: Final = "year-on-year"
MOM: Final = "month-on-month"


@dataclass
class RiskModel:
    """Expected path of the plan year and the uncertainty to draw from.

    Attributes
    ----------
    teams : list of str
        Teams of the plan (columns of ``expected`` and ``deviations``).
    months : list of str
        The plan year's months ``"YYYY-MM"`` (rows of ``expected``).
    expected : ndarray
        ``(12, teams)`` expected amount per month and team.
    deviations : ndarray
        ``(k, teams)`` monthly log deviations (company + team residual), one row per
        history month, oldest first.
    method : str
        :data:`YOY` or :data:`MOM`.
    trend : float
        The company's yearly growth of the rate (1.0: flat).
    notes : list of str
        What the model read and its limits, in words.
    level_sd : float
        Spread of the company's level per simulated year (log).
    team_sd : ndarray or None
        Spread of each team's relative level per simulated year (log); None: 0.
    """

    teams: list[str]
    months: list[str]
    expected: np.ndarray
    deviations: np.ndarray
    method: str
    trend: float
    notes: list[str] = field(default_factory=list)
    level_sd: float = 0.0
    team_sd: np.ndarray | None = None

    def team_expected(self) -> pd.Series:
        """Expected yearly amount per team."""
        return pd.Series(self.expected.sum(axis=0), index=self.teams)


def _log_rate(sales: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """log(sales / exposure), NaN where either is not positive."""
    ok = (sales > 0) & (exposure > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, np.log(np.where(ok, sales, 1.0) / np.where(ok, exposure, 1.0)),
                        np.nan)


def build_risk_model(history: TeamMonths, plan_exposure: pd.DataFrame,
                     year: int, growth_sd: float = GROWTH_SD) -> RiskModel:
    """Expected path and uncertainty (see the module's docstring).

    Parameters
    ----------
    history : TeamMonths
        Monthly sales and exposure per team.
    plan_exposure : DataFrame
        Planned exposure per plan month (rows ``"YYYY-MM"``) and team (columns).
    year : int
        The plan year.
    growth_sd : float
        Prior sd (log) of the year's growth when the history is too short to measure a
        trend (module docstring, 1); unused when it can.

    Returns
    -------
    RiskModel

    Raises
    ------
    RiskError
        When the history has fewer than :data:`MIN_MONTHS` + 1 full months.
    """
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    teams = [str(t) for t in plan_exposure.columns]
    if len(history.months) < MIN_MONTHS + 1:
        raise RiskError(f"attainment risk: the history holds {len(history.months)} full "
                        f"month(s); at least {MIN_MONTHS + 1} are needed to measure how "
                        "results deviate from their expected path; give a longer history")
    columns = sorted(set(history.sales.columns) | set(teams))
    sales = history.sales.reindex(columns=columns, fill_value=0.0).to_numpy(float)
    exposure = history.exposure.reindex(columns=columns, fill_value=0.0).to_numpy(float)
    company = _company(sales.sum(axis=1), exposure.sum(axis=1), history.months, growth_sd)
    levels = _levels(sales, exposure, company.rate)
    keep = [columns.index(t) for t in teams]
    deviations = company.deviations[:, None] + levels.residuals[company.rows]
    deviations = _mean_one(deviations)[:, keep]
    expected = _expected(history.months, company.rate, plan_exposure.reindex(
        index=months, columns=teams, fill_value=0.0).fillna(0.0).to_numpy(float),
        months, company.trend, levels.level[keep])
    notes = [*company.notes, *levels.notes]
    if len(deviations) < FEW_MONTHS:
        notes.append(f"only {len(deviations)} months of deviations: the spread is itself "
                     "uncertain; read the probabilities as rough")
    sold = (history.sales > 0).any(axis=0)  # per team with a sales history
    missing = [t for t in teams if not sold.get(t, False)]
    if missing:
        notes.append(f"teams without a sales history take the company's rate and the "
                     f"spread of the teams' levels: {', '.join(missing)}")
    return RiskModel(teams, months, expected, deviations, company.method,
                     float(np.exp(company.trend)), notes, company.level_sd,
                     levels.sd[keep])


@dataclass
class _Company:
    """The company's log rate per history month, trend, deviations and level spread."""

    rate: np.ndarray
    method: str
    trend: float
    rows: np.ndarray
    deviations: np.ndarray
    level_sd: float
    notes: list[str]


def _company(sales: np.ndarray, exposure: np.ndarray, labels: list[str],
             growth_sd: float) -> _Company:
    """Trend, monthly deviations and the spread of the level (module docstring, 1 and 3)."""
    rate = _log_rate(sales, exposure)
    index = np.array([month_index(m) for m in labels])
    position = {m: i for i, m in enumerate(index)}
    yoy = np.array([i for i, m in enumerate(index) if m - 12 in position], dtype=int)
    if len(yoy) >= MIN_YOY:
        before = np.array([position[index[i] - 12] for i in yoy])
        recent, base = yoy[-LEVEL_MONTHS:], before[-LEVEL_MONTHS:]
        trend = float(_log_rate(sales[recent].sum(), exposure[recent].sum())
                      - _log_rate(sales[base].sum(), exposure[base].sum()))
        change = np.nan_to_num(rate[yoy] - rate[before] - trend)
        deviations = change - change.mean()
        halves = _half_growth(sales, exposure, index, position)
        notes = [f"trend: the company's rate over {labels[recent[0]]}..{labels[recent[-1]]} "
                 f"against the same months a year earlier ({np.exp(trend) - 1:+.1%} a year)",
                 f"monthly deviations: the company's year-on-year change less the trend, "
                 f"{len(yoy)} months ({labels[yoy[0]]}..{labels[yoy[-1]]}), plus each "
                 "team's residual against the company in the same month"]
        if len(halves) >= 2:
            level_sd = float(np.std(halves, ddof=1))
            notes.append(f"the year's growth strays from the trend: sd {level_sd:.1%} (the "
                         f"spread of {len(halves)} half-yearly year-on-year growths)")
        else:
            level_sd = float(np.std(deviations))
            notes.append(f"the year's growth strays from the trend: sd {level_sd:.1%} (the "
                         "spread of the company's monthly deviations; too few half-years "
                         "to measure it directly)")
        return _Company(rate, YOY, trend, yoy, deviations, level_sd, notes)
    change = np.nan_to_num(np.diff(rate))
    stray = float(np.std(change))
    level_sd = float(np.hypot(stray, growth_sd))
    deviations = (change - change.mean()) / np.sqrt(2.0)
    notes = [f"monthly deviations: the company's month-on-month change over sqrt 2, "
             f"{len(change)} months ({labels[1]}..{labels[-1]}), plus each team's residual "
             f"against the company in the same month: the history has fewer than {MIN_YOY} "
             "months with the same month a year earlier, so seasonal swings count as "
             "deviations (a wider spread) and the trend is taken as flat",
             f"the trend is unknown, so every simulated year also draws a company-wide "
             f"level (sd {level_sd:.1%}): the year's growth, which this history cannot "
             f"show (prior sd {growth_sd:.1%}), and how far a year strays from it (the "
             f"spread of the company's monthly changes, {stray:.1%})"]
    return _Company(rate, MOM, 0.0, np.arange(1, len(labels)), deviations, level_sd, notes)


def _half_growth(sales: np.ndarray, exposure: np.ndarray, index: np.ndarray,
                 position: dict[int, int]) -> np.ndarray:
    """Year-on-year log growth of the company's rate per half-year block (latest first).

    Blocks of :data:`HALF` months end at the latest month and run back while every
    month and the same month a year earlier are in the history.
    """
    out = []
    end = len(index)
    while end - HALF >= 0:
        rows = np.arange(end - HALF, end)
        if index[rows[-1]] - index[rows[0]] != HALF - 1:
            break
        earlier = [position.get(int(index[r]) - 12) for r in rows]
        if any(e is None for e in earlier):
            break
        before = np.array(earlier, dtype=int)
        growth = (_log_rate(sales[rows].sum(), exposure[rows].sum())
                  - _log_rate(sales[before].sum(), exposure[before].sum()))
        if np.isfinite(growth):
            out.append(float(growth))
        end -= HALF
    return np.array(out)


@dataclass
class _Levels:
    """Each team's shrunk relative level, its yearly spread, residuals and notes."""

    level: np.ndarray
    sd: np.ndarray
    residuals: np.ndarray
    notes: list[str]


def _levels(sales: np.ndarray, exposure: np.ndarray, company: np.ndarray) -> _Levels:
    """Relative levels, shrunk, with their uncertainty (module docstring, 2)."""
    months, teams = sales.shape
    relative = _log_rate(sales, exposure) - company[:, None]
    residuals = np.zeros_like(relative)
    # residuals around each 12-month block's level (blocks end at the latest month)
    for end in range(months, 0, -LEVEL_MONTHS):
        rows = slice(max(0, end - LEVEL_MONTHS), end)
        block = _relative_level(sales[rows], exposure[rows])
        residuals[rows] = np.nan_to_num(relative[rows] - block[None, :])
    latest = slice(max(0, months - LEVEL_MONTHS), months)
    raw = _relative_level(sales[latest], exposure[latest])
    seen = np.isfinite(relative[latest]).sum(axis=0)
    noise = np.where(seen > 1, np.sum(residuals[latest] ** 2, axis=0)
                     / np.maximum(seen - 1, 1), 0.0)
    known = np.isfinite(raw) & (seen > 0)
    variance = np.where(known, noise / np.maximum(seen, 1), 0.0)  # of the level estimate
    spread = 0.0
    if known.sum() >= 2:
        spread = max(0.0, float(np.var(raw[known], ddof=1) - variance[known].mean()))
    weight = np.where(known, spread / np.maximum(spread + variance, 1e-12), 0.0)
    level = np.where(known, weight * np.nan_to_num(raw), 0.0)
    # posterior variance with the spread itself estimated (Morris 1983): the pooling
    # gain shrinks with few teams, and is none with three or fewer
    count = int(known.sum())
    gain = max(0.0, (count - 3) / (count - 1)) if count > 1 else 0.0
    posterior = variance * (1.0 - gain * (1.0 - weight))
    drift, gap = _drift(sales, exposure, noise)
    sd = np.sqrt(np.where(known, posterior, spread) + drift * HORIZON)
    notes = [f"team levels: each team's rate against the company's over the latest "
             f"{latest.stop - latest.start} months, shrunk toward the company's by "
             f"{1 - float(weight[known].mean()) if known.any() else 1.0:.0%} on average "
             f"(spread between teams sd {np.sqrt(spread):.1%}); a team's level is "
             f"uncertain by sd {float(np.median(sd)):.1%} (median) over the plan year, "
             f"its estimate's noise plus a drift of {np.sqrt(drift * HORIZON):.1%} a year "
             + ("measured between the same half-years a year apart" if gap == 2 * HALF
                else "measured between consecutive half-years" if gap
                else "(not measured: fewer than two half-years)")]
    return _Levels(level, sd, residuals, notes)


def _relative_level(sales: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Each team's log rate against the company's over the rows (NaN: no sales)."""
    company = _log_rate(sales.sum(), exposure.sum())
    return _log_rate(sales.sum(axis=0), exposure.sum(axis=0)) - company


def _drift(sales: np.ndarray, exposure: np.ndarray, noise: np.ndarray) -> tuple[float, int]:
    """Variance per month of a team's relative level, and the months between the halves.

    The squared change of a team's level between two half-years, less what the noise of
    two half-year means explains (``2 noise / HALF``), averaged over teams and pairs, per
    month (random walk). With a year or more between the first and the latest half-year
    the pairs are a year apart (the same half of consecutive years), so a team's own
    seasonality (a team stronger in the second half) does not count as drift; with a
    shorter history they are consecutive half-years.
    """
    halves = []
    for end in range(len(sales), HALF - 1, -HALF):
        rows = slice(end - HALF, end)
        halves.append(_relative_level(sales[rows], exposure[rows]))
    if len(halves) < 2:
        return 0.0, 0
    lag = 2 if len(halves) >= 3 else 1  # half-years between the two of a pair
    change = np.array([a - b for a, b in zip(halves[:-lag], halves[lag:], strict=True)])
    excess = change ** 2 - 2.0 * noise[None, :] / HALF
    excess = excess[np.isfinite(excess)]
    months = lag * HALF
    return (max(0.0, float(excess.mean()) / months) if len(excess) else 0.0), months


def _mean_one(deviations: np.ndarray) -> np.ndarray:
    """Log deviations shifted per team so the ratio ``exp(d)`` averages 1."""
    return deviations - np.log(np.mean(np.exp(deviations), axis=0))[None, :]


def _expected(labels: list[str], company: np.ndarray, plan: np.ndarray, months: list[str],
              trend: float, level: np.ndarray) -> np.ndarray:
    """Expected amount per plan month and team (see the module's docstring)."""
    index = [month_index(m) for m in labels]
    finite = company[np.isfinite(company)]
    latest = finite[-LEVEL_MONTHS:]
    mean_rate = float(np.log(np.mean(np.exp(latest)))) if len(latest) else 0.0
    out = np.zeros((len(months), plan.shape[1]))
    for row, month in enumerate(months):
        target = month_index(month)
        same = [i for i, m in enumerate(index) if (target - m) % 12 == 0
                and np.isfinite(company[i])]
        if not same:  # a calendar month the history never saw: the mean rate
            out[row] = plan[row] * np.exp(mean_rate + level)
            continue
        src = same[-1]
        growth = trend * (target - index[src]) / 12.0
        out[row] = plan[row] * np.exp(company[src] + growth + level)
    return out
