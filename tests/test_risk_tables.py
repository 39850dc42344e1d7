"""The risk table computed for every team at once equals the per-team figures to the bit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.risk.model import RiskModel
from planner.risk.result import COMPANY, PERIODS, RISK_COLUMNS, TEAM_LEVEL
from planner.risk.simulate import (
    BLOCK,
    Outcomes,
    attainment_table,
    draw_months,
    quarter_of,
    simulate,
    targets_by_period,
    year_shifts,
)


def _bits(values: pd.Series) -> list[int]:
    return values.to_numpy(float).view(np.int64).tolist()


def _outcomes(teams: int, draws: int, seed: int) -> Outcomes:
    rng = np.random.default_rng(seed)
    names = [f"T{i:03d}" for i in range(teams)]
    quarters = {p: rng.lognormal(10.0, 0.3, (draws, teams)) for p in PERIODS[1:]}
    year = sum(quarters.values(), np.zeros((draws, teams)))
    return Outcomes(names, {"year": year, **quarters})


def _row(level: str, team: str, period: str, target: float, sims: np.ndarray) -> tuple:
    """A row as first computed: one team and period at a time."""
    return (level, team, period, target, float(sims.mean()), float(np.mean(sims >= target)),
            float(np.quantile(sims, 0.5)), float(np.quantile(sims, 0.1)), float(sims.std()))


def test_attainment_table_equals_the_figures_of_each_team_alone() -> None:
    outcomes = _outcomes(23, 997, 1)
    rng = np.random.default_rng(2)
    targets = pd.DataFrame({p: outcomes.by_period[p].mean(axis=0) * rng.uniform(0.9, 1.1, 23)
                            for p in PERIODS}, index=outcomes.teams)
    company = pd.Series({p: float(outcomes.company(p).mean()) for p in PERIODS})
    rows = [_row(COMPANY, "", p, float(company[p]), outcomes.company(p)) for p in PERIODS]
    rows += [_row(TEAM_LEVEL, team, p, float(targets.loc[team, p]),
                  outcomes.by_period[p][:, j])
             for j, team in enumerate(outcomes.teams) for p in PERIODS]
    expected = pd.DataFrame(rows, columns=list(RISK_COLUMNS))
    got = attainment_table(outcomes, targets, company)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    for column in RISK_COLUMNS[3:]:
        assert _bits(got[column]) == _bits(expected[column]), column


def _plan(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = 20000
    return pd.DataFrame({
        "team": pd.Series([f"T{i}" for i in rng.integers(0, 300, rows)], dtype="str"),
        "month": pd.Series([f"2027-{m:02d}" for m in rng.integers(1, 13, rows)], dtype="str"),
        "amount": rng.random(rows) * 10 ** rng.integers(0, 10, rows),
    })


def test_targets_by_period_equal_the_pivot_table_and_add_up_alike() -> None:
    plan = _plan(3)
    teams = [f"T{i}" for i in np.random.default_rng(5).permutation(301)]  # T300: no rows
    frame = plan.assign(period=quarter_of(plan["month"].astype(str)))
    pivot = frame.pivot_table(index="team", columns="period", values="amount", aggfunc="sum")
    expected = pivot.reindex(index=teams, columns=list(PERIODS[1:])).fillna(0.0)
    expected.insert(0, "year", expected.sum(axis=1))
    got = targets_by_period(plan, teams)
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_names=False)
    # the company's targets are the column sums: the same bits need the same layout
    assert _bits(got.sum(axis=0)) == _bits(expected.sum(axis=0))


def test_simulated_outcomes_are_unchanged_by_drawing_the_ratios_once() -> None:
    rng = np.random.default_rng(4)
    model = RiskModel(["a", "b", "c"], [f"2027-{m:02d}" for m in range(1, 13)],
                      rng.random((12, 3)) * 100, rng.normal(0, 0.2, (14, 3)), "", 1.0,
                      level_sd=0.05, team_sd=np.array([0.1, 0.0, 0.2]))
    outcomes = simulate(model, draws=200, seed=7)
    idx = draw_months(len(model.deviations), 200, BLOCK, 7)
    quarters = {p: np.zeros((200, 3)) for p in PERIODS[1:]}
    for month in range(12):
        quarters[PERIODS[1 + month // 3]] += (model.expected[month][None, :]
                                              * np.exp(model.deviations[idx[:, month]]))
    shift = year_shifts(model, 200, 7)
    assert shift is not None
    for p in PERIODS[1:]:
        assert np.array_equal(outcomes.by_period[p], quarters[p] * shift)


def test_targets_by_period_of_teams_listed_twice_or_not_planned() -> None:
    plan = _plan(6)
    teams = ["T3", "T3", "T999", "T0"]
    frame = plan.assign(period=quarter_of(plan["month"].astype(str)))
    pivot = frame.pivot_table(index="team", columns="period", values="amount", aggfunc="sum")
    expected = pivot.reindex(index=teams, columns=list(PERIODS[1:])).fillna(0.0)
    expected.insert(0, "year", expected.sum(axis=1))
    pd.testing.assert_frame_equal(targets_by_period(plan, teams), expected, check_exact=True,
                                  check_names=False)


def test_a_company_without_teams_has_only_its_own_rows() -> None:
    outcomes = Outcomes([], {p: np.zeros((50, 0)) for p in PERIODS})
    company = pd.Series(dict.fromkeys(PERIODS, 1.0))
    table = attainment_table(outcomes, pd.DataFrame(columns=list(PERIODS)), company)
    assert table["level"].tolist() == [COMPANY] * len(PERIODS)
    assert table["p_attain"].tolist() == [0.0] * len(PERIODS)
