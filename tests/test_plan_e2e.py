"""End to end on the sample data: `planner plan` and every constraint family of the plan."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import REPO, calls_once, run_cli

import planner.api
from planner import names as n
from planner.outputs.safety import safe_file_stem
from planner.scenario import load_scenario

HOSTILE = {"T01": '=HYPERLINK("http://x","y")', "T02": "@SUM(A1)", "T03": "销售一组",
           "T04": "../../etc/passwd"}
CENT = 0.01
TICKET = 1_000_000  # the sample's fixed-ticket products


@pytest.fixture(scope="module", autouse=True)
def planned_once() -> Iterator[dict[object, Any]]:
    """``planner plan`` solves the hostile scenario once in this module.

    Every ``plan`` command here runs the same scenario: the first run solves it, later
    runs (``--lang zh``, the failures while writing) write that result, and the tests
    check what each run writes or leaves behind. ``test_same_input_same_plan`` solves it
    again through :func:`planner.pipeline.run_plan`, which this does not touch.
    """
    with calls_once(planner.api, "plan") as kept:
        yield kept


@pytest.fixture(scope="module")
def hostile_case(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path,
                 planned_once: dict[object, Any]) -> dict:
    """Sample data with hostile team names, the 10x scenario on it, and its plan run."""
    root = tmp_path_factory.mktemp("e2e")
    data = root / "data"
    shutil.copytree(sample_dir, data)
    seats = pd.read_csv(data / "seats.csv", dtype=str, keep_default_na=False)
    seats["team"] = seats["team"].replace(HOSTILE)
    seats.to_csv(data / "seats.csv", index=False)
    text = (REPO / "scenarios" / "sample_10x.toml").read_text(encoding="utf-8")
    text = text.replace('dir = "../data/sample"', f'dir = "{data.as_posix()}"')
    text = text.replace('team = "T03"', f'team = "{HOSTILE["T03"]}"')
    text = text.replace("official = false", "official = true")
    scenario = root / "s.toml"
    scenario.write_text(text, encoding="utf-8")
    out = root / "out"
    run = run_cli("plan", scenario, "--out", out)
    assert run.status == 0, run.stderr
    (result,) = planned_once.values()  # the plan the command solved and wrote to out
    return {"root": root, "scenario": scenario, "out": out, "run": run, "result": result}


def test_plan_command_writes_everything(hostile_case: dict) -> None:
    run, out = hostile_case["run"], hostile_case["out"]
    assert run.status == 0, run.stderr
    for name in (n.PLAN_CSV, n.PLAN_SEATS_CSV, n.DRIVERS_CSV, n.PRODUCT_TARGETS_CSV,
                 n.SUMMARY_XLSX, "charts/phasing.png", "charts/waterfall.png",
                 "charts/capacity.png"):
        assert (out / name).is_file(), name
    plan = pd.read_csv(out / n.PLAN_CSV, keep_default_na=False)
    assert list(plan.columns) == list(n.PLAN_COLUMNS)
    assert plan[n.WEEK].str.fullmatch(r"\d{4}-W\d{2}").all()
    assert plan[n.MONTH].str.fullmatch(r"2027-\d{2}").all()
    assert set(plan[n.TEAM]) >= set(HOSTILE.values())
    leftovers = [p.name for p in hostile_case["root"].iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_ten_times_reproduced_with_buffer(hostile_case: dict) -> None:
    out = hostile_case["out"]
    plan = pd.read_csv(out / n.PLAN_CSV, keep_default_na=False)
    targets = pd.read_csv(out / n.PRODUCT_TARGETS_CSV).set_index(n.PRODUCT)
    result = hostile_case["result"]
    # whole units of the 1,000,000 products; the variable-ticket ones take up the rounding
    # to the cent (the exact target has fractions of a cent)
    assert targets["target_amount"].sum() == pytest.approx(10 * result.history_total,
                                                            abs=2 * CENT)
    assert plan[n.AMOUNT].sum() == pytest.approx(10 * result.history_total * 1.10,
                                                 abs=2 * CENT)
    by_product = plan.groupby(n.PRODUCT)[n.AMOUNT].sum()
    expected = targets["target_amount"] * 1.10
    gap = (by_product - expected.loc[by_product.index]).abs()
    assert (gap <= TICKET).all(), gap  # within one ticket of the exact buffered target
    fixed = targets.loc[targets["ticket"].notna()]
    assert sorted(fixed.index) == ["AM_B", "TRUST_A"]
    assert (fixed["ticket"] == TICKET).all()
    assert (fixed["target_units"] % 1 == 0).all()
    assert (fixed["target_amount"] == fixed["target_units"] * TICKET).all()


def test_constraint_families_hold(hostile_case: dict) -> None:
    r = hostile_case["result"]
    plan = r.plan
    # capacity per team-week, up to whole units: within two 1,000,000 tickets
    load = plan.groupby([n.TEAM, n.WEEK])[n.AMOUNT].sum()
    cap = r.capacity.set_index([n.TEAM, n.WEEK])["capacity"]
    assert (load <= cap.loc[load.index] * (1 + 1e-6) + 2 * TICKET).all()
    # nothing in weeks without working days
    weeks = r.calendar_weeks.set_index(n.WEEK)[n.WORKING_DAYS]
    assert (weeks.loc[plan[n.WEEK]].to_numpy() > 0).all()
    # selling window: the three-month product only in its months
    ul = plan.loc[plan[n.PRODUCT] == "UL_INS"]
    assert set(ul[n.MONTH].str[-2:].astype(int)) <= {3, 4, 5}
    # high-margin minimum share (scenario: 20%)
    tiers = r.products.set_index(n.PRODUCT)[n.MARGIN_TIER]
    high = plan.loc[plan[n.PRODUCT].map(tiers) == "high", n.AMOUNT].sum()
    assert high / plan[n.AMOUNT].sum() >= 0.20 - 1e-6
    # fairness: each team's uplift over its capacity-adjusted history within +-20% of overall
    fair = r.fairness.set_index(n.TEAM)
    teams = plan.groupby(n.TEAM)[n.AMOUNT].sum().loc[fair.index]
    assert len(fair) == 12
    assert (teams >= fair["lower"] * (1 - 1e-6)).all() and (teams <= fair["upper"] * (1 + 1e-6)).all()
    assert np.allclose(fair["upper"] / fair["lower"], 1.5)
    # weeks -> months -> year exact: month totals are the sum of week parts
    month = plan.groupby(n.MONTH)[n.AMOUNT].sum()
    week = plan.groupby(n.WEEK)[n.AMOUNT].sum()
    assert month.sum() == pytest.approx(week.sum(), rel=1e-12)
    assert month.sum() == pytest.approx(r.target * 1.10, rel=1e-6)


def test_seats_sum_exactly_to_teams(hostile_case: dict) -> None:
    out = hostile_case["out"]
    plan = pd.read_csv(out / n.PLAN_CSV, keep_default_na=False)
    seats = pd.read_csv(out / n.PLAN_SEATS_CSV, keep_default_na=False)
    keys = [n.TEAM, n.PRODUCT, n.MONTH]
    team = plan.groupby(keys)[n.AMOUNT].sum()
    seat = seats.groupby(keys)[n.AMOUNT].sum()
    assert np.allclose(seat.loc[team.index].to_numpy(), team.to_numpy(), atol=CENT)
    hired = seats.loc[seats[n.SEAT].str.contains("-new-")]
    assert not hired.empty  # hires get targets, ramping from their start month
    # the scenario's [[hires]] row of T03 (grade C from February; the plan's own February
    # grade C hires there join that row, the plan's other hires start in other months)
    first = hired.loc[hired[n.SEAT].str.startswith(f"{HOSTILE['T03']}-new-C-02-")].groupby(
        n.MONTH)[n.AMOUNT].sum()
    assert first.index.min() == "2027-02"
    assert first.iloc[0] < first.iloc[-1]


def test_team_workbooks_equal_plan_and_names_are_literal(hostile_case: dict) -> None:
    out = hostile_case["out"]
    plan = pd.read_csv(out / n.PLAN_CSV, keep_default_na=False)
    files = sorted(p.name for p in (out / n.TEAMS_DIR).iterdir())
    assert len(files) == 12
    taken: set[str] = set()
    stems = {t: safe_file_stem(t, taken) for t in sorted(set(plan[n.TEAM]))}
    assert sorted(f"{s}.xlsx" for s in stems.values()) == files
    assert all("/" not in f and ".." not in f for f in files)
    for team in HOSTILE.values():
        wb = openpyxl.load_workbook(out / n.TEAMS_DIR / f"{stems[team]}.xlsx", data_only=True)
        ws = wb["Targets"]  # the first sheet is "How this target was set" (issue 19)
        texts = [c.value for row in ws.iter_rows(max_row=5) for c in row if c.data_type == "s"]
        assert any(team in str(v) for v in texts)
        sub = plan.loc[plan[n.TEAM] == team]
        expected = sub.groupby(n.PRODUCT)[n.AMOUNT].sum()
        got = {}
        for row in ws.iter_rows(min_row=6, values_only=True):
            if row[0] in expected.index:
                got[row[0]] = row[14]
        for product, value in expected.items():
            assert got[product] == pytest.approx(value, abs=CENT)


def test_existing_output_is_not_touched_without_force(hostile_case: dict) -> None:
    out = hostile_case["root"] / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    run = run_cli("plan", hostile_case["scenario"], "--out", out)
    assert run.status == 2
    assert "already exists" in run.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    forced = run_cli("plan", hostile_case["scenario"], "--out", out, "--force")
    assert forced.status == 2
    assert "was not written by planner; remove it yourself or choose another --out" in (
        forced.stderr)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_failure_midway_leaves_nothing(hostile_case: dict, monkeypatch: pytest.MonkeyPatch,
                                       tmp_path: Path) -> None:
    import planner.outputs.write as write

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(write, "team_jobs", boom)
    out = tmp_path / "out"
    run = run_cli("plan", hostile_case["scenario"], "--out", out)
    assert run.status == 1
    assert "disk full" in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_failure_with_force_keeps_the_old_output(hostile_case: dict,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    import planner.outputs.write as write
    from planner.output_guard import write_manifest

    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.csv").write_text("old")
    write_manifest(out, "plan", complete=True)  # an earlier planner run's folder
    monkeypatch.setattr(write, "write_charts", lambda *a, **k: (_ for _ in ()).throw(
        RuntimeError("no fonts")))
    run = run_cli("plan", hostile_case["scenario"], "--out", out, "--force")
    assert run.status == 1
    assert (out / "plan.csv").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_chinese_labels(hostile_case: dict, tmp_path: Path) -> None:
    run = run_cli("plan", hostile_case["scenario"], "--out", tmp_path / "zh", "--lang", "zh")
    assert run.status == 0, run.stderr
    wb = openpyxl.load_workbook(tmp_path / "zh" / n.SUMMARY_XLSX, read_only=True)
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in wb.sheetnames)


def test_same_input_same_plan(hostile_case: dict) -> None:
    from planner.pipeline import run_plan

    again = run_plan(load_scenario(hostile_case["scenario"]))
    pd.testing.assert_frame_equal(again.plan, hostile_case["result"].plan, check_exact=True)
    pd.testing.assert_frame_equal(again.plan_seats, hostile_case["result"].plan_seats,
                                  check_exact=True)


def test_scorecard_carries_customer_targets(hostile_case: dict) -> None:
    from planner.outputs.labels import get_labels

    out, r = hostile_case["out"], hostile_case["result"]
    targets = r.customer_targets.set_index(n.TEAM)
    # split by plan share, with the buffer: the teams add up to the company target x 1.1
    assert targets["active_customers"].sum() > targets["new_customers"].sum() > 0
    team = HOSTILE["T02"]
    taken: set[str] = set()
    stems = {t: safe_file_stem(t, taken) for t in sorted(set(r.plan[n.TEAM]))}
    lb = get_labels("en")
    ws = openpyxl.load_workbook(out / n.TEAMS_DIR / f"{stems[team]}.xlsx")[lb["sheet_scorecard"]]
    found = {row[0].value: row[2].value for row in ws.iter_rows() if row[0].value}
    assert found[lb.kpi("new_customers")] == round(targets.loc[team, "new_customers"])
    assert found[lb.kpi("active_customers")] == round(targets.loc[team, "active_customers"])
