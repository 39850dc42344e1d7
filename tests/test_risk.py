"""Attainment risk (issue 14): model, simulation, buffer, flags, stretch rule, outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import scenario_file

from planner import api
from planner.errors import ScenarioError
from planner.risk.buffer import buffer_for, stretch_limits
from planner.risk.flags import flag_teams
from planner.risk.history import TeamMonths
from planner.risk.model import GROWTH_SD, MOM, YOY, RiskError, build_risk_model
from planner.risk.result import RISK_COLUMNS
from planner.risk.simulate import attainment_table, draw_months, simulate, targets_by_period

BODY = """[calendar]
year = 2027
[target]
multiple = 1.2
{target}
[levers.productivity]
cap = 1.0
{allocation}
"""


def _months(start: str, count: int) -> list[str]:
    return list(pd.period_range(start, periods=count, freq="M").strftime("%Y-%m"))


def _history(count: int, growth: float = 0.0, noise: float = 0.05, seed: int = 3
             ) -> TeamMonths:
    """Two teams, flat exposure, a seasonal path, yearly growth and lognormal noise."""
    months = _months("2025-01", count)
    rng = np.random.default_rng(seed)
    season = 1.0 + 0.3 * np.sin(np.arange(count) * 2 * np.pi / 12)
    trend = (1.0 + growth) ** (np.arange(count) / 12.0)
    base = np.array([100.0, 300.0])
    sales = (season * trend)[:, None] * base[None, :] * np.exp(
        rng.normal(0.0, noise, (count, 2)))
    frame = pd.DataFrame(sales, index=months, columns=["A", "B"])
    return TeamMonths(frame, pd.DataFrame(1.0, index=months, columns=["A", "B"]))


def _plan_exposure(year: int, teams: tuple[str, ...] = ("A", "B"), value: float = 1.0
                   ) -> pd.DataFrame:
    return pd.DataFrame(value, index=_months(f"{year}-01", 12), columns=list(teams))


def test_draw_months_is_seeded_and_keeps_blocks() -> None:
    a, b = draw_months(10, draws=50, seed=4), draw_months(10, draws=50, seed=4)
    assert a.shape == (50, 12) and (a == b).all()
    assert ((a[:, 1] - a[:, 0]) % 10 == 1).all() and ((a[:, 2] - a[:, 1]) % 10 == 1).all()
    assert not (draw_months(10, draws=50, seed=5) == a).all()


def test_two_years_use_year_on_year_deviations_and_the_trend() -> None:
    model = build_risk_model(_history(24, growth=0.10, noise=0.0), _plan_exposure(2027), 2027)
    assert model.method == YOY
    assert model.trend == pytest.approx(1.10, rel=1e-9)
    assert np.allclose(model.deviations, 0.0)
    # expected = last year's same month x the trend over the months in between
    history = _history(24, growth=0.10, noise=0.0).sales
    assert model.expected[0, 1] == pytest.approx(history.loc["2026-01", "B"] * 1.10)
    doubled = build_risk_model(_history(24, 0.10, 0.0), _plan_exposure(2027, value=2.0), 2027)
    assert np.allclose(doubled.expected, 2.0 * model.expected)


def test_one_year_falls_back_on_month_on_month_with_a_level_shift() -> None:
    model = build_risk_model(_history(12), _plan_exposure(2026), 2026)
    assert model.method == MOM and model.trend == 1.0 and model.level_sd > 0
    assert len(model.deviations) == 11
    assert any("only 11 months of deviations" in note for note in model.notes)


def test_too_short_a_history_is_refused_plainly() -> None:
    with pytest.raises(RiskError, match=r"^attainment risk: the history holds 3 full "
                                         r"month\(s\); at least 4 are needed"):
        build_risk_model(_history(3), _plan_exposure(2026), 2026)


def test_a_new_team_takes_the_company_rate() -> None:
    model = build_risk_model(_history(24, noise=0.0), _plan_exposure(2027, ("A", "B", "N")),
                             2027)
    rate = _history(24, noise=0.0).sales.loc["2026-01"].sum() / 2.0
    assert model.expected[0, 2] == pytest.approx(rate)
    assert any("without a sales history" in note and "N" in note for note in model.notes)


def _teams_history(count: int, levels: tuple[float, ...], noise: float, drift: float = 0.0,
                   seed: int = 11) -> TeamMonths:
    """Teams at fixed levels against each other on a common seasonal path with 5% growth;
    the last team's level drifts by ``drift`` a year (log)."""
    months = _months("2024-01", count)
    rng = np.random.default_rng(seed)
    t = np.arange(count)
    common = (1.0 + 0.3 * np.sin(t * 2 * np.pi / 12)) * 1.05 ** (t / 12)
    level = np.tile(np.log(levels), (count, 1))
    level[:, -1] += drift * t / 12
    sales = common[:, None] * 100.0 * np.exp(level + rng.normal(0.0, noise, level.shape))
    names = [f"T{i}" for i in range(len(levels))]
    return TeamMonths(pd.DataFrame(sales, index=months, columns=names),
                      pd.DataFrame(1.0, index=months, columns=names))


LEVELS = (0.8, 0.9, 1.0, 1.1, 1.25)


def _relative(model_expected: np.ndarray) -> np.ndarray:
    """Each team's expected January against the teams' mean (log)."""
    row = np.log(model_expected[0])
    return row - row.mean()


def test_a_team_level_is_its_year_against_the_company_shrunk_by_its_noise() -> None:
    names = [f"T{i}" for i in range(len(LEVELS))]
    truth = np.log(LEVELS) - np.log(LEVELS).mean()
    quiet = build_risk_model(_teams_history(24, LEVELS, 0.02), _plan_exposure(2026, names),
                             2026)
    # a steady year of each team gives its level (the noise of one month does not)
    assert np.allclose(_relative(quiet.expected), truth, atol=0.02)
    assert any(note.startswith("team levels:") for note in quiet.notes)
    noisy = build_risk_model(_teams_history(24, LEVELS, 0.6), _plan_exposure(2026, names),
                             2026)
    raw = _teams_history(24, LEVELS, 0.6)
    last = raw.sales.iloc[-12:].sum()
    raw_level = np.log(last / last.sum())
    raw_level = raw_level - raw_level.mean()
    shrunk = _relative(noisy.expected)
    # a noisy history's levels are pulled toward the company's, and are more uncertain
    assert np.abs(shrunk).sum() < 0.9 * np.abs(raw_level.to_numpy()).sum()
    assert noisy.team_sd is not None and quiet.team_sd is not None
    assert (noisy.team_sd > quiet.team_sd).all()


def test_a_short_history_makes_a_team_level_less_certain() -> None:
    names = [f"T{i}" for i in range(len(LEVELS))]
    short = build_risk_model(_teams_history(6, LEVELS, 0.2), _plan_exposure(2025, names), 2025)
    full = build_risk_model(_teams_history(12, LEVELS, 0.2), _plan_exposure(2025, names), 2025)
    assert short.team_sd is not None and full.team_sd is not None
    assert float(np.median(short.team_sd)) > float(np.median(full.team_sd))


def test_a_drifting_team_widens_the_teams_spread_not_the_companys() -> None:
    names = [f"T{i}" for i in range(len(LEVELS))]
    steady = build_risk_model(_teams_history(36, LEVELS, 0.03), _plan_exposure(2027, names),
                              2027)
    drifting = build_risk_model(_teams_history(36, LEVELS, 0.03, drift=0.5),
                                _plan_exposure(2027, names), 2027)
    assert steady.team_sd is not None and drifting.team_sd is not None
    assert float(drifting.team_sd.min()) > 2 * float(steady.team_sd.max())
    a, b = simulate(steady, draws=3000), simulate(drifting, draws=3000)
    spread_a = a.company("year").std() / a.company("year").mean()
    spread_b = b.company("year").std() / b.company("year").mean()
    team_a = a.by_period["year"].std(axis=0) / a.by_period["year"].mean(axis=0)
    team_b = b.by_period["year"].std(axis=0) / b.by_period["year"].mean(axis=0)
    assert (team_b > 2 * team_a).all()
    assert spread_b < spread_a + 0.05  # the teams' shifts are centred: the company barely moves


def test_an_unknown_trend_adds_the_growth_prior_to_the_companys_level() -> None:
    short = _history(12)
    without = build_risk_model(short, _plan_exposure(2026), 2026, growth_sd=0.0)
    model = build_risk_model(short, _plan_exposure(2026), 2026)
    # the year's growth (prior sd) and its stray (monthly changes) add in quadrature
    assert model.level_sd == pytest.approx(float(np.hypot(without.level_sd, GROWTH_SD)))
    assert any(f"prior sd {GROWTH_SD:.1%}" in note for note in model.notes)
    wide = simulate(model).company("year")
    narrow = simulate(without).company("year")
    assert wide.std() > 1.2 * narrow.std()
    # the expected path is unchanged: the prior is centred on no growth
    assert np.allclose(model.expected, without.expected)
    # a history that shows the trend does not use the prior
    long = _history(24, growth=0.10)
    measured = build_risk_model(long, _plan_exposure(2027), 2027, growth_sd=0.0)
    assert build_risk_model(long, _plan_exposure(2027), 2027, growth_sd=0.5).level_sd \
        == measured.level_sd


def test_a_teams_own_seasonality_is_not_drift() -> None:
    """Teams stronger in opposite halves of every year: their levels swing between
    consecutive half-years but not between the same halves a year apart."""
    names = [f"T{i}" for i in range(len(LEVELS))]
    base = _teams_history(36, LEVELS, 0.03)
    season = np.where((np.arange(36) % 12) < 6, 1.0, -1.0)[:, None] * np.array(
        [0.3, -0.3, 0.0, 0.0, 0.0])[None, :]
    swinging = TeamMonths(base.sales * np.exp(season), base.exposure)
    steady = build_risk_model(base, _plan_exposure(2027, names), 2027)
    model = build_risk_model(swinging, _plan_exposure(2027, names), 2027)
    assert steady.team_sd is not None and model.team_sd is not None
    # consecutive half-years would see a 0.6 swing a half-year: a drift of ~0.85 a year;
    # a year apart there is none (the swing is only in the monthly noise of the level)
    assert any("a drift of 0.0% a year measured between the same half-years a year apart"
               in note for note in model.notes)
    assert float(model.team_sd.max()) < 0.1
    assert (model.team_sd[2:] < 2 * steady.team_sd[2:]).all()
    # with one year only the consecutive half-years are all there is: the swing counts
    one_year = TeamMonths(swinging.sales.iloc[-12:], swinging.exposure.iloc[-12:])
    short = build_risk_model(one_year, _plan_exposure(2025, names), 2025)
    assert any("measured between consecutive half-years" in note for note in short.notes)
    assert short.team_sd is not None and float(short.team_sd.min()) > 0.5


def test_the_expected_path_is_the_mean_outcome() -> None:
    names = [f"T{i}" for i in range(len(LEVELS))]
    model = build_risk_model(_teams_history(30, LEVELS, 0.15, drift=0.2),
                             _plan_exposure(2027, names), 2027)
    outcomes = simulate(model, draws=4000)
    mean = outcomes.by_period["year"].mean(axis=0)
    assert np.allclose(mean, model.expected.sum(axis=0), rtol=0.03)


def test_one_off_spikes_the_baselines_normalised_are_taken_out() -> None:
    from types import SimpleNamespace

    from planner.risk.history import spike_factor

    sales = pd.DataFrame({"date": pd.to_datetime(["2025-03-10", "2025-03-11", "2024-03-10",
                                                  "2025-04-02"]),
                          "product": ["P", "Q", "P", "P"], "amount": [100.0] * 4})
    months = pd.DataFrame({"product": ["P", "P", "Q"], "month": [3, 4, 3],
                           "amount": [400.0, 50.0, 80.0],
                           "normal_amount": [100.0, 50.0, 80.0]})
    baselines = SimpleNamespace(product_months=months, window_start=pd.Timestamp("2025-01-01"),
                                window_end=pd.Timestamp("2025-12-31"))
    factor = spike_factor(sales, baselines)  # type: ignore[arg-type]
    # P's March of the window is cut to a quarter; last year's March and Q are left alone
    assert factor.tolist() == [0.25, 1.0, 1.0, 1.0]


def test_probability_falls_with_the_target_and_teams_are_joint() -> None:
    model = build_risk_model(_history(30, noise=0.08), _plan_exposure(2027), 2027)
    outcomes = simulate(model, draws=2000)
    expected = model.expected.sum(axis=0)
    rows = []
    for factor in (0.8, 1.0, 1.3):
        plan = pd.DataFrame({"team": np.repeat(["A", "B"], 12),
                             "month": _months("2027-01", 12) * 2,
                             "amount": np.concatenate([model.expected[:, 0],
                                                       model.expected[:, 1]]) * factor})
        teams = targets_by_period(plan, model.teams)
        table = attainment_table(outcomes, teams, teams.sum(axis=0))
        assert list(table.columns) == list(RISK_COLUMNS)
        rows.append(table.set_index(["level", "team", "period"])["p_attain"])
        year = table.loc[(table["team"] == "B") & (table["period"] == "year")].iloc[0]
        assert year["target"] == pytest.approx(expected[1] * factor)
        assert year["outcome_p90"] < year["outcome_p50"]
    assert (rows[0] >= rows[1]).all() and (rows[1] >= rows[2]).all()
    assert rows[0][("company", "", "year")] > 0.95 and rows[2][("company", "", "year")] < 0.05
    # the same history months are drawn for every team: outcomes are correlated
    year = outcomes.by_period["year"]
    assert np.corrcoef(year[:, 0], year[:, 1])[0, 1] > -0.5


def test_buffer_grows_with_the_confidence_and_is_zero_without_spread() -> None:
    model = build_risk_model(_history(30, noise=0.1), _plan_exposure(2027), 2027)
    outcomes = simulate(model, draws=2000)
    low, high = buffer_for(model, outcomes, 0.6), buffer_for(model, outcomes, 0.95)
    assert 0.0 <= low < high < 1.0
    flat = build_risk_model(_history(30, noise=0.0), _plan_exposure(2027), 2027)
    assert buffer_for(flat, simulate(flat, draws=500), 0.99) == 0.0


def test_stretch_limits_scale_with_the_plan_above_the_path() -> None:
    model = build_risk_model(_history(30, noise=0.1), _plan_exposure(2027), 2027)
    outcomes = simulate(model, draws=1000)
    expected = model.expected.sum(axis=0)
    at_path = stretch_limits(model, outcomes, 1.5, expected.sum())
    sd = outcomes.by_period["year"].std(axis=0)
    assert np.allclose(at_path["limit"], expected + 1.5 * sd)
    doubled = stretch_limits(model, outcomes, 1.5, 2 * expected.sum())
    assert np.allclose(doubled["limit"], 2 * at_path["limit"])


def test_flags_name_the_reason() -> None:
    table = pd.DataFrame({"level": ["team", "team", "team"], "team": ["E", "M", "H"],
                          "period": ["year"] * 3, "target": [80.0, 100.0, 150.0],
                          "expected": [100.0] * 3, "p_attain": [0.99, 0.5, 0.01],
                          "sd": [10.0] * 3})
    flags = flag_teams(table)
    assert list(flags["team"]) == ["E", "H"]
    assert list(flags["flag"]) == ["too easy", "not credible"]
    assert flags.iloc[0]["reason"] == ("target 80 is 20.0% below the expected outcome 100 "
                                       "(2.0 sd of the outcome)")


def test_confidence_out_of_range_is_refused(tmp_path: Path, sample_dir: Path) -> None:
    path = scenario_file(tmp_path, sample_dir, BODY.format(target="confidence = 1.0",
                                                           allocation=""))
    with pytest.raises(ScenarioError, match=r"target\.confidence: 1(\.0)? must be a finite "
                                            r"number > 0 and < 1"):
        api.load(path)


@pytest.fixture(scope="module")
def risk_plans(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path
               ) -> tuple[api.Plan, api.Plan]:
    folder = tmp_path_factory.mktemp("risk")
    plain = api.load(scenario_file(folder, sample_dir, BODY.format(target="", allocation="")))
    sized = api.load(scenario_file(folder, sample_dir, BODY.format(
        target="confidence = 0.9", allocation="[allocation]\nmax_stretch_sigma = 0.0"),
        "c.toml"))
    return api.plan(plain), api.plan(sized)


def test_every_plan_states_its_probabilities(risk_plans: tuple[api.Plan, api.Plan]) -> None:
    plain, _ = risk_plans
    risk = plain.risk
    assert list(risk.columns) == list(RISK_COLUMNS)
    assert set(risk["team"]) - {""} == set(plain.teams)
    assert len(risk) == 5 * (len(plain.teams) + 1)
    assert risk["p_attain"].between(0, 1).all()
    company = risk.loc[(risk["level"] == "company") & (risk["period"] == "year")].iloc[0]
    assert company["target"] == pytest.approx(plain.target)
    assert plain.buffer == pytest.approx(0.10)  # without confidence the buffer is as written
    assert plain.risk_report is not None and plain.risk_report.method


def test_confidence_sizes_the_buffer_and_stretch_binds(risk_plans: tuple[api.Plan, api.Plan]
                                                      ) -> None:
    plain, sized = risk_plans
    assert sized.risk_report is not None
    assert sized.risk_report.confidence == 0.9
    assert 0.0 <= sized.buffer < 0.5 and sized.buffer != plain.buffer
    assert sized.plan["amount"].sum() == pytest.approx(sized.target * (1 + sized.buffer),
                                                       rel=1e-6)
    assert ("confidence (buffer sized for it)", "0.9") in sized.settings
    assert any(f"buffer {sized.buffer:.2%} sized for confidence 0.9" in note
               for note in sized.risk_report.notes)
    # k = 0: every team held at its share of the path, up to whole units (a fixed-ticket
    # product is planned in units of 1,000,000: rounding moves a team by a unit or two)
    limits = sized.risk_report.stretch_limits
    assert limits is not None
    totals = sized.plan.groupby("team")["amount"].sum().reindex(limits["team"])
    assert (totals.to_numpy() <= limits["limit"].to_numpy() + 2.5e6).all()


def test_a_stretch_limit_binds_and_is_reported(sample_dir: Path, tmp_path: Path) -> None:
    from planner.allocation.inputs import prepare_allocation
    from planner.allocation.solve import solve_allocation
    from planner.errors import TargetUnreachableError
    from planner.pipeline import (
        buffered_targets,
        load_history,
        run_drivers,
        scenario_baselines,
        scenario_calendar,
        unit_prices_of,
    )

    s = api.load(scenario_file(tmp_path, sample_dir, BODY.format(target="", allocation="")))
    baselines = scenario_baselines(s, load_history(s))
    calendar = scenario_calendar(s)
    drivers = run_drivers(s, baselines, calendar)
    prepared = prepare_allocation(baselines, drivers.product_targets, s, calendar)
    prices = unit_prices_of(drivers.product_targets, prepared.inputs.products)
    prepared.inputs.products = buffered_targets(prepared.inputs.products, prices, s.buffer)
    free, _, _, _ = solve_allocation(prepared.inputs, s.solver)
    totals = free.groupby("team")["amount"].sum()
    big = totals.idxmax()
    prepared.inputs.stretch = pd.DataFrame({"team": [big], "limit": [totals[big] * 0.97]})
    _, binding, _, _ = solve_allocation(prepared.inputs, s.solver)
    row = binding.loc[binding["family"] == "stretch"]
    assert list(row["label"]) == [big]
    assert row.iloc[0]["meaning"] == "deviation avoided per unit of higher stretch limit (amount)"
    prepared.inputs.stretch = pd.DataFrame({"team": totals.index, "limit": totals * 0.9})
    with pytest.raises(TargetUnreachableError,
                       match=rf"team {totals.index[0]} above its stretch limit "
                             r"\(max_stretch_sigma\) by "):
        solve_allocation(prepared.inputs, s.solver)


def test_the_risk_outputs_are_written(tmp_path: Path,
                                      risk_plans: tuple[api.Plan, api.Plan]) -> None:
    from planner.outputs.frames import iter_teams
    from planner.outputs.labels import get_labels
    from planner.outputs.layout import TeamSettings
    from planner.outputs.risk_sheet import team_risk
    from planner.outputs.summary_workbook import write_summary_workbook
    from planner.outputs.team_workbook import write_team_workbook
    from planner.outputs.write import write_csvs

    plan = risk_plans[1]
    paths = write_csvs(plan, tmp_path)
    written = pd.read_csv(tmp_path / "attainment_risk.csv", keep_default_na=False)
    assert tmp_path / "attainment_risk.csv" in paths
    assert list(written.columns) == list(RISK_COLUMNS)
    for lang, sheet in (("en", "Risk"), ("zh", "达成风险")):
        labels = get_labels(lang)
        write_summary_workbook(tmp_path / f"summary_{lang}.xlsx", plan, labels)
        book = openpyxl.load_workbook(tmp_path / f"summary_{lang}.xlsx")
        assert book.sheetnames[-1] == sheet
        data = next(iter(iter_teams(plan)))
        team = tmp_path / f"team_{lang}.xlsx"
        write_team_workbook(team, data, TeamSettings(labels=labels, scenario=plan.name,
                                                     year=plan.year,
                                                     kpi_weights=plan.kpi_weights),
                            None, team_risk(plan, str(data.team)))
        rows = list(openpyxl.load_workbook(team)[sheet].iter_rows(values_only=True))
        year = team_risk(plan, str(data.team)).iloc[0]
        assert rows[3][3] == pytest.approx(year["p_attain"])
        assert rows[3][4] == pytest.approx(year["outcome_p50"])
        assert rows[3][5] == pytest.approx(year["outcome_p90"])
    sheet_rows = list(openpyxl.load_workbook(tmp_path / "summary_en.xlsx")["Risk"].iter_rows(
        values_only=True))
    assert sheet_rows[3][:2] == ("Company", "Year")
    assert any(r[0] == "Company outcome of the year, simulated" for r in sheet_rows)


def test_the_risk_is_deterministic(sample_dir: Path, tmp_path: Path,
                                   risk_plans: tuple[api.Plan, api.Plan]) -> None:
    again = api.plan(api.load(scenario_file(tmp_path, sample_dir,
                                            BODY.format(target="", allocation=""))))
    pd.testing.assert_frame_equal(again.risk, risk_plans[0].risk)
