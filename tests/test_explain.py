"""How each team's target was set (issue 19): the bridge sums to the target to the cent,
binding rules and hires show as steps, explain.csv and Plan.explain, and the team
workbook's first sheet recalculates without error cells and prints one page wide."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import SamplePlan, scenario_file

from planner import names as n
from planner.api.results import Plan
from planner.errors import PlannerError
from planner.explain import steps as st
from planner.explain.bridge import bridge
from planner.explain.inputs import inputs_of
from planner.explain.months import month_steps
from planner.explain.table import explain_table, product_steps, team_steps
from planner.explain.text import fairness_side, keys_match
from planner.outputs import write_outputs
from planner.outputs.labels import get_labels
from planner.pipeline import run_plan
from planner.plan_result import PlanResult
from planner.scenario import load_scenario

SAMPLE = ("sample_10x.toml", "sample_conservative.toml", "sample_high_margin.toml")


def _plan(path: Path) -> PlanResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_plan(load_scenario(path))


@pytest.fixture(scope="module")
def plans(sample_plans: Callable[[str], SamplePlan]) -> dict[str, PlanResult]:
    """The shipped sample scenarios planned (once per session; this module's copies)."""
    return {name: sample_plans(name).result for name in SAMPLE}


def _cents(values: pd.Series) -> pd.Series:
    return np.rint(values * 100.0).astype(np.int64)


@pytest.mark.parametrize("name", SAMPLE)
def test_steps_sum_to_every_team_target_to_the_cent(plans: dict[str, PlanResult],
                                                    name: str) -> None:
    result = plans[name]
    rows = bridge(result)
    target = _cents(result.plan.groupby([n.TEAM, n.PRODUCT])[n.AMOUNT].sum())
    by_cell = rows.groupby([n.TEAM, n.PRODUCT])["cents"].sum()
    assert by_cell.reindex(target.index).fillna(0).astype(np.int64).equals(target)
    team_target = _cents(result.plan.groupby(n.TEAM)[n.AMOUNT].sum())
    for team in result.teams:
        steps = team_steps(result, team)
        assert int(steps["cents"].sum()) == int(team_target[team]), team
        assert list(steps["step"]) == [s for s in st.STEPS if s in set(steps["step"])]
        assert steps["step"].iloc[0] == st.LAST_YEAR
        assert (steps["note"].str.len() > 10).all()
        grid = product_steps(result, team)
        assert int(grid["target"].sum()) == int(team_target[team])
        months = month_steps(result, team)
        assert (months["even"] + months["season"] + months["capacity_rules"]
                ).equals(months["target"])
        assert int(months["target"].sum()) == int(team_target[team])
    # last year is last year's sales of the team, the buffer is the scenario's
    last = rows.loc[rows["step"] == st.LAST_YEAR].groupby(n.TEAM)["amount"].sum()
    hist = result.history_teams.groupby(n.TEAM)[n.AMOUNT].sum().reindex(last.index)
    assert last.to_numpy() == pytest.approx(hist.to_numpy(), abs=0.01)
    buffer = rows.loc[rows["step"] == st.BUFFER, "amount"].sum()
    assert buffer == pytest.approx(result.plan[n.AMOUNT].sum() * result.buffer
                                   / (1 + result.buffer), rel=1e-6)


def test_capacity_parts_add_up_to_the_allocations_growth(plans: dict[str, PlanResult]) -> None:
    ex = inputs_of(plans["sample_10x.toml"])
    parts = ex.capacity[["history", *st.CAPACITY_STEPS]].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(ex.capacity["planned"].to_numpy(), rel=1e-9)


def test_a_team_with_hires_shows_the_hires_step(plans: dict[str, PlanResult]) -> None:
    result = plans["sample_10x.toml"]
    # T03: the scenario's 20 grade C hires from February, joined by the plan's own 40 that
    # month ([hiring]), and the plan's 40 a month in January, March and April
    steps = team_steps(result, "T03").set_index("step")
    assert steps.loc[st.HIRES, "amount"] > 0
    assert ("60 grade C from Feb; 40 grade C from Jan; 40 grade C from Mar; 40 grade C from "
            "Apr" in steps.loc[st.HIRES, "note"])
    assert "ramps up over 5 months" in steps.loc[st.HIRES, "note"]
    # T01 hires only what the plan places (no [[hires]] there)
    assert "40 grade C from Jan" in team_steps(result, "T01").set_index("step").loc[
        st.HIRES, "note"]
    assert st.HIRES not in set(bridge(plans["sample_conservative.toml"])["step"])
    months = month_steps(result, "T03").set_index("month")
    assert "60 hire(s) start" in months.loc["2027-02", "note"]
    assert "40 hire(s) start" in months.loc["2027-03", "note"]
    assert "hires ramping" in months.loc["2027-05", "note"]


def test_a_team_whose_fairness_band_binds_shows_that_step(sample_dir: Path,
                                                          tmp_path: Path) -> None:
    body = ("[calendar]\nyear = 2027\ncountry = \"CN\"\n[target]\nmultiple = 3.0\n"
            "[levers.customers]\ncap = 2.0\n[levers.productivity]\ncap = 3.0\n"
            "[[hires]]\ngrade = \"C\"\nteam = \"T03\"\nmonth = 2\ncount = 30\n"
            "[allocation]\nfairness_band = 0.01\n")
    result = _plan(scenario_file(tmp_path, sample_dir, body))
    ex = inputs_of(result)
    bound = [t for t in result.teams if fairness_side(result, ex, t) is not None]
    assert bound, "expected a team at its fairness band's edge"
    for team in bound:
        steps = team_steps(result, team).set_index("step")
        assert steps.loc[st.FAIRNESS, "amount"] != 0
        assert "binds at its" in steps.loc[st.FAIRNESS, "note"]
        target = result.plan.loc[result.plan[n.TEAM] == team, n.AMOUNT].sum()
        assert int(steps["cents"].sum()) == int(np.rint(target * 100))


def test_explain_csv_api_and_languages(plans: dict[str, PlanResult], tmp_path: Path) -> None:
    result = plans["sample_10x.toml"]
    table = Plan.of(result).explain("T03")
    assert list(table.columns) == ["team", "step", "product", "amount", "note"]
    assert set(table["team"]) == {"T03"}
    assert table["amount"].sum() == pytest.approx(
        result.plan.loc[result.plan[n.TEAM] == "T03", n.AMOUNT].sum(), abs=0.005)
    assert "倍于去年" in explain_table(result, "T03", "zh").set_index("step").loc[
        st.LEVERS, "note"].iloc[0]
    assert keys_match()
    with pytest.raises(PlannerError, match=r"team 'T99' is not in plan 'sample_10x'"):
        Plan.of(result).explain("T99")
    bare = PlanResult(**{**result.__dict__, "explanation": None})
    with pytest.raises(PlannerError, match="has no explanation inputs"):
        explain_table(bare)
    write_outputs(result, tmp_path)
    csv = pd.read_csv(tmp_path / n.EXPLAIN_CSV)
    assert list(csv.columns) == ["team", "step", "product", "amount", "note"]
    sums = _cents(csv.groupby("team")["amount"].sum())
    plan = _cents(pd.read_csv(tmp_path / n.PLAN_CSV).groupby("team")["amount"].sum())
    assert sums.reindex(plan.index).equals(plan)


@pytest.fixture(scope="module")
def books(plans: dict[str, PlanResult], tmp_path_factory: pytest.TempPathFactory
          ) -> dict[str, Path]:
    out = {}
    for lang in ("en", "zh"):
        folder = tmp_path_factory.mktemp(f"explain_{lang}")
        write_outputs(plans["sample_10x.toml"], folder, lang=lang)
        out[lang] = folder / n.TEAMS_DIR / "T03.xlsx"
    return out


def _target_row(ws: openpyxl.worksheet.worksheet.Worksheet, label: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == label)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_explain_is_the_first_sheet_and_its_target_is_the_teams(
        books: dict[str, Path], plans: dict[str, PlanResult], lang: str) -> None:
    lb = get_labels(lang)
    wb = openpyxl.load_workbook(books[lang], data_only=True)
    assert wb.sheetnames[:2] == [lb["sheet_explain"], lb["sheet_targets"]]
    ws = wb[lb["sheet_explain"]]
    assert ws["A1"].value == lb["title_explain"] and ws["B2"].value == "T03"
    row = _target_row(ws, lb["explain_target"])
    plan = plans["sample_10x.toml"].plan
    assert ws.cell(row, 2).value == pytest.approx(
        plan.loc[plan[n.TEAM] == "T03", n.AMOUNT].sum(), abs=0.005)
    labels = [ws.cell(r, 1).value for r in range(6, row)]
    assert lb["step_hires"] in labels and lb["step_last_year"] == labels[0]
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1)


def _office() -> str:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (libreoffice-calc) and pdftotext (poppler-utils) not installed")
    return office


RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def _convert(office: str, book: Path, out: Path, to: str) -> Path:
    """Convert with LibreOffice, recalculating every formula on load."""
    profile = out / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, "utf-8")
    target = out / to
    target.mkdir(exist_ok=True)
    subprocess.run([office, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", to, "--outdir", str(target), str(book)], check=True,
                   capture_output=True, timeout=180)
    return target / f"{book.stem}.{to}"


def test_libreoffice_recalculates_without_errors_and_prints_one_page_wide(
        books: dict[str, Path], plans: dict[str, PlanResult], tmp_path: Path) -> None:
    office = _office()
    lb = get_labels("en")
    recalculated = _convert(office, books["en"], tmp_path, "xlsx")
    ws = openpyxl.load_workbook(recalculated, data_only=True)[lb["sheet_explain"]]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert not [v for v in values if isinstance(v, str) and v.startswith(("#", "Err:"))]
    plan = plans["sample_10x.toml"].plan
    row = _target_row(ws, lb["explain_target"])
    assert ws.cell(row, 2).value == pytest.approx(
        plan.loc[plan[n.TEAM] == "T03", n.AMOUNT].sum(), abs=0.01)
    assert ws.cell(row, 3).value == pytest.approx(ws.cell(row, 2).value, abs=0.01)
    pdf = _convert(office, books["en"], tmp_path, "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = [p for p in text.split("\f") if lb["title_explain"] in p.split("\n", 1)[0]]
    assert pages, "no page of the explain sheet"
    # one page wide: each table's first and last column headers print on the same page
    assert any("Step" in p and "Running total" in p and "Why" in p for p in pages)
    assert any("Product" in p and "Levers" in p and "Target" in p for p in pages)
    assert any("Working days" in p and "Share of year" in p for p in pages)
    assert len(pages) <= 2


def test_a_rule_that_does_not_bind_moves_nothing_and_costs_no_solve(
        plans: dict[str, PlanResult], monkeypatch: pytest.MonkeyPatch) -> None:
    """Fairness and the mix never bind in sample_conservative: their steps are zero and
    the capacity level is the plan's own optimum, of the same objective as a cold solve."""
    from planner.allocation.solve import solve_allocation
    from planner.explain import rules

    result = plans["sample_conservative.toml"]
    ex = inputs_of(result)
    assert rules.present(ex.allocation) == [st.CAPACITY_RULE, st.FAIRNESS, st.MIX]
    calls: list[list[str]] = []
    monkeypatch.setattr(rules, "solve_allocation",
                        lambda inputs, options: calls.append(["solve"]) or solve_allocation(
                            inputs, options))
    ex.cache.pop("rule_levels", None)
    levels = rules.rule_levels(ex)
    assert calls == []
    final = ex.raw.groupby([n.TEAM, n.PRODUCT])[n.AMOUNT].sum()
    for step in st.RULE_STEPS:
        assert levels[step].reindex(final.index).equals(final)
    rows = bridge(result)
    assert (rows.loc[rows["step"].isin([st.FAIRNESS, st.MIX]), "cents"] == 0).all()
    plan_objective = solve_allocation(ex.allocation, ex.solver)[3].objective
    alone = solve_allocation(rules.with_rules(ex.allocation, [st.CAPACITY_RULE]), ex.solver)
    assert alone[3].objective == pytest.approx(plan_objective, rel=1e-9)


def test_slack_rows_hold_only_with_room_to_spare() -> None:
    from test_allocation import tiny

    from planner.allocation.solve import solve_allocation
    from planner.explain.rules import slack_rows_hold

    # team A can do 60 in W01 against a reference of 100: 40 moves, to A's W02 or to B
    wide = pd.DataFrame({"team": ["A", "B"], "lower": [100.0, 100.0], "upper": [300.0, 300.0]})
    inputs = tiny(capacity_a=60.0, fairness=wide)
    plan, *_ = solve_allocation(inputs)
    amounts = plan[n.AMOUNT].to_numpy(float)
    assert slack_rows_hold(inputs, amounts, [st.FAIRNESS])
    assert slack_rows_hold(inputs, amounts, [st.SUPPLY, st.MIX])  # rules it does not have
    edge = float(plan.loc[plan[n.TEAM] == "A", n.AMOUNT].sum())
    at_edge = wide.assign(lower=[edge, 100.0])  # A's total exactly at its lower edge
    assert not slack_rows_hold(tiny(capacity_a=60.0, fairness=at_edge), amounts,
                               [st.FAIRNESS])
    inside = wide.assign(lower=[edge - 1e-5, 100.0])  # within the room asked for: not slack
    assert not slack_rows_hold(tiny(capacity_a=60.0, fairness=inside), amounts,
                               [st.FAIRNESS])
    assert slack_rows_hold(tiny(capacity_a=60.0, fairness=wide.assign(lower=[edge - 1.0, 100.0])),
                           amounts, [st.FAIRNESS])
