"""planner replan: closed weeks frozen to actuals, the rest of the year under the same rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli
from openpyxl import load_workbook
from tracking_fixture import AS_OF, Story, story  # noqa: F401 - the session fixture

import planner.api.tracking as api_tracking
from planner import api
from planner.errors import InputError
from planner.tracking.columns import REPLAN_DIFF_COLUMNS
from planner.tracking.replan_parts import REPLAN_STEP


@pytest.fixture(scope="module", autouse=True)
def shared_solves() -> Iterator[None]:
    """Each distinct re-plan is solved once in this module.

    The API and the CLI both call :func:`planner.tracking.replan.run_replan`; a call with
    the same scenario, plan, actuals, as-of date and seats file gets the result of the
    first one (strict mode is applied after it, in the API), so the CLI tests check the
    shell and the files over results the API tests check in depth.
    """
    solved: dict[tuple[str, ...], tuple] = {}
    real = api_tracking.run_replan

    def once(scenario, plan_dir, actuals, as_of, seats=None, strict=False,  # noqa: ANN001
             progress=None):  # noqa: ANN001, ANN202
        key = (str(scenario.path), scenario.leavers, str(plan_dir),
               *map(str, actuals), str(as_of), str(seats), str(strict))
        if key not in solved:
            solved[key] = real(scenario, plan_dir, actuals, as_of, seats, strict, progress)
        return solved[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(api_tracking, "run_replan", once)
        yield


@pytest.fixture(scope="module")
def replanned(story: Story) -> api.Replan:  # noqa: F811
    return api.replan(story.scenario, story.plan, story.actuals, AS_OF)


@pytest.fixture(scope="module")
def written(story: Story, tmp_path_factory: pytest.TempPathFactory,  # noqa: F811
            replanned: api.Replan) -> tuple[Path, object]:
    """``planner replan`` as of 2026-06-30 (the same re-plan as ``replanned``)."""
    out = tmp_path_factory.mktemp("replan") / "out"
    run = run_cli("replan", story.scenario, "--plan", story.plan, "--actuals", story.actuals,
                  "--as-of", AS_OF, "--out", out)
    return out, run


def _closed(plan: pd.DataFrame) -> pd.Series:
    start = pd.to_datetime(plan["week_start"])
    end = np.minimum(start + pd.Timedelta(days=6),
                     pd.to_datetime(plan["month"] + "-01") + pd.offsets.MonthEnd(0))
    return pd.Series(end <= pd.Timestamp(AS_OF), index=plan.index)


def _rounding(plan: pd.DataFrame) -> pd.Series:
    """Whole units may put up to a ticket of each fixed-ticket product more in a week part."""
    parts = plan.groupby(["team", "week"])["month"].nunique()
    return parts * 2e6 + 1.0  # TRUST_A and AM_B, 1,000,000 each


def _within_capacity(result: api.Replan) -> None:
    plan = result.plan
    open_weeks = set(plan.loc[~_closed(plan), "week"]) - set(plan.loc[_closed(plan), "week"])
    cap = result.capacity.loc[result.capacity["week"].isin(open_weeks)]
    assert len(cap) > 0
    slack = cap.set_index(["team", "week"]).index.map(_rounding(plan)).to_numpy(float)
    assert (cap["load"].to_numpy() <= cap["capacity"].to_numpy() + slack).all()


def test_closed_weeks_equal_the_actuals(story: Story, replanned: api.Replan) -> None:  # noqa: F811
    plan = replanned.plan
    closed = plan.loc[_closed(plan)]
    sales = pd.read_csv(story.actuals / "sales.csv")
    sales = sales.loc[sales["date"] <= AS_OF]
    seats = pd.read_csv(story.actuals / "seats.csv").set_index("seat")["team"]
    day = pd.to_datetime(sales["date"])
    iso = day.dt.isocalendar()
    keys = pd.DataFrame({"team": sales["seat"].map(seats), "product": sales["product"],
                         "week": iso["year"].astype(str) + "-W" + iso["week"].map("{:02d}".format),
                         "month": sales["date"].str[:7]})
    sold = sales["amount"].groupby([keys[c] for c in keys.columns]).sum()
    got = closed.groupby(["team", "product", "week", "month"])["amount"].sum()
    both = sold.to_frame("sold").join(got.to_frame("plan"), how="outer").fillna(0.0)
    assert len(both) == len(got)  # every sale lands in a closed cell of the plan
    assert np.abs(both["sold"] - both["plan"]).max() < 1e-6  # to the cent (float sums)


def test_year_reaches_the_targets_under_the_rules(story: Story,  # noqa: F811
                                                  replanned: api.Replan) -> None:
    revision = replanned.revision
    assert revision is not None and revision.feasible and revision.problems == []
    original = pd.read_csv(story.plan / "plan.csv").groupby("product")["amount"].sum()
    year = replanned.plan.groupby("product")["amount"].sum()
    tickets = {"TRUST_A": 1e6, "AM_B": 1e6}
    for product, target in original.items():
        assert year[product] >= target - 0.01, product
        assert year[product] <= max(target, year[product]) + tickets.get(product, 0.01)
    # capacity holds in every week still open (within a ticket of rounding)
    _within_capacity(replanned)
    plan = replanned.plan
    # the fairness band holds for every team over the year
    fair = replanned.fairness.set_index("team")
    totals = plan.groupby("team")["amount"].sum()
    assert (totals.reindex(fair.index) >= fair["lower"] - 2e6).all()
    assert (totals.reindex(fair.index) <= fair["upper"] + 2e6).all()
    diff = revision.diff
    assert list(diff.columns) == list(REPLAN_DIFF_COLUMNS)
    assert np.allclose(diff["change"], diff["revised"] - diff["original"])
    assert diff["original"].sum() == pytest.approx(original.sum())


def test_cli_writes_everything_plan_writes(story: Story,  # noqa: F811
                                           written: tuple[Path, object]) -> None:
    out, run = written
    assert run.status == 0, run.stderr
    core = ("plan.csv", "plan_seats.csv", "drivers.csv", "product_targets.csv",
            "summary.xlsx", "teams/", "charts/")
    plan_files = {p.relative_to(story.plan).as_posix() for p in story.plan.rglob("*")
                  if p.is_file() and p.relative_to(story.plan).as_posix().startswith(core)}
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert plan_files <= files and "replan_diff.csv" in files
    # every file plan writes, explain.csv and attainment_risk.csv too
    every = {p.relative_to(story.plan).as_posix() for p in story.plan.rglob("*") if p.is_file()}
    assert {"explain.csv", "attainment_risk.csv"} <= every <= files
    book = load_workbook(out / "teams" / "T01.xlsx", read_only=True)
    assert book.sheetnames[-1] == "Re-plan"
    planned = load_workbook(story.plan / "teams" / "T01.xlsx", read_only=True).sheetnames
    assert book.sheetnames == [*planned, "Re-plan"]
    sheet = book["Re-plan"]
    labels = [row[0] for row in sheet.iter_rows(min_col=1, max_col=1, values_only=True)]
    assert {"Original target", "Actual to date", "Revised target",
            "Change (revised - original)"} <= set(labels)
    assert "the year meets its targets" in run.stdout


LEAVING = ("T01", "T02", "T03", "T04", "T05", "T06")


@pytest.fixture(scope="module")
def seats_now(story: Story, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """The seats file with every seat of six teams leaving on 2026-07-10."""
    seats = pd.read_csv(story.history / "seats.csv", dtype=str, keep_default_na=False)
    gone = seats["team"].isin(LEAVING) & (seats["end_date"] == "")
    seats.loc[gone, "end_date"] = "2026-07-10"
    path = tmp_path_factory.mktemp("seats") / "seats_now.csv"
    seats.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def spread(story: Story, seats_now: Path) -> api.Replan:  # noqa: F811
    return api.replan(story.scenario, story.plan, story.actuals, AS_OF, seats=seats_now)


def test_leavers_best_plan_with_shortfall_and_strict(story: Story, seats_now: Path,  # noqa: F811
                                                      spread: api.Replan,
                                                      tmp_path: Path) -> None:
    revision = spread.revision
    assert revision is not None and not revision.feasible
    assert revision.short > 0 and revision.recovered < revision.needed
    assert any(p.startswith("product ") and " target short by " in p
               for p in revision.problems)
    # the best plan breaks no capacity rule in the open weeks
    _within_capacity(spread)
    cap = spread.capacity
    t01 = cap.loc[cap["team"] == "T01"].set_index("week")["capacity"]
    assert t01.loc["2026-W30":].max() < 0.2 * t01.loc["2026-W20":"2026-W25"].min()
    assert "re-plan: the year cannot be met" in " ".join(spread.warnings)
    out = tmp_path / "x"
    run = run_cli("replan", story.scenario, "--plan", story.plan, "--actuals", story.actuals,
                  "--as-of", AS_OF, "--seats", seats_now, "--strict", "--out", out)
    assert run.status == 3
    assert ": re-plan as of 2026-06-30: the year cannot be met (" in run.stderr
    # strict mode writes the folder with diagnosis.md alone, as plan does
    assert sorted(p.name for p in out.iterdir()) == [".planner-output.json", "diagnosis.md"]
    text = (out / "diagnosis.md").read_text(encoding="utf-8")
    assert text == revision.diagnosis("s26") and text in run.stdout
    recoverable = revision.recovered / revision.needed
    assert (f"under the rules they can sell {revision.recovered:,.2f} ({recoverable:.1%} is "
            f"recoverable, {revision.short:,.2f} short)") in text
    short = revision.shortfall.loc[revision.shortfall["short"] > 0.005]
    assert len(short) > 0 and "## Shortfall per product" in text
    for row in short.itertuples():
        assert (f"| {row.product} | {row.target:,.2f} | {row.planned:,.2f} | "
                f"{row.short:,.2f} |") in text
    assert abs(short["short"].sum() - revision.short) < 0.01 * revision.short
    assert "## What binds" in text and "- capacity binds in " in text
    assert "T01 (" in text  # capacity counted per team


def test_relieved_leavers_take_their_targets_off(story: Story, seats_now: Path,  # noqa: F811
                                                  spread: api.Replan, tmp_path: Path) -> None:
    scenario = tmp_path / "relieve.toml"
    scenario.write_text(story.scenario.read_text(encoding="utf-8")
                        + '[replan]\nleavers = "relieve"\n', encoding="utf-8")
    relieve = api.replan(scenario, story.plan, story.actuals, AS_OF, seats=seats_now)
    assert relieve.revision is not None and spread.revision is not None
    off = relieve.revision.relieved
    assert float(off["amount"].sum()) > 0 and set(off["team"]) <= set(LEAVING)
    assert spread.revision.relieved.empty
    assert relieve.revision.needed == pytest.approx(
        spread.revision.needed - float(off["amount"].sum()), rel=1e-9)
    assert relieve.revision.short < spread.revision.short


def test_replan_from_workbooks(story: Story, tmp_path: Path) -> None:  # noqa: F811
    import shutil

    paths = []
    for team in pd.read_csv(story.plan / "plan.csv", dtype=str)["team"].unique():
        path = tmp_path / f"{team}.xlsx"
        shutil.copy(story.plan / "teams" / f"{team}.xlsx", path)
        book = load_workbook(path)
        sheet = book["Actuals"]
        for row in range(6, 6 + 6):
            if sheet.cell(row, 1).value:
                sheet.cell(row, 3).value = 3_000_000.0
        book.save(path)
        paths.append(path)
    result = api.replan(story.scenario, story.plan, paths, "2026-01-31")
    january = result.plan.loc[result.plan["month"] == "2026-01"]
    typed = january.groupby(["team", "product"])["amount"].sum()
    assert np.allclose(typed, 3_000_000.0)
    with pytest.raises(InputError, match=r"T01.xlsx: has no actuals for 2026-02, which "
                                         r"--as-of 2026-02-28 closes"):
        api.replan(story.scenario, story.plan, paths, "2026-02-28")


def test_replan_carries_the_explanation_and_the_risk(story: Story,  # noqa: F811
                                                    replanned: api.Replan,
                                                    written: tuple[Path, object]) -> None:
    out, _ = written
    assert replanned.explanation is not None and replanned.risk_report is not None
    explain = pd.read_csv(out / "explain.csv", dtype={"team": str, "product": str})
    revised = replanned.plan.groupby("team")["amount"].sum()
    original = pd.read_csv(story.plan / "plan.csv", dtype={"team": str}).groupby("team")[
        "amount"].sum()
    # a team's rows add up to its revised target; without the re-plan rows, to the plan's
    totals = explain.groupby("team")["amount"].sum()
    assert np.abs(totals.reindex(revised.index) - revised).max() < 0.005 * len(explain)
    planned = explain.loc[explain["step"] != REPLAN_STEP].groupby("team")["amount"].sum()
    assert np.abs(planned.reindex(original.index) - original).max() < 0.005 * len(explain)
    changed = explain.loc[explain["step"] == REPLAN_STEP]
    assert len(changed) > 0 and changed["note"].str.startswith("re-plan as of 2026-06-30").all()
    t01 = replanned.explain("T01")
    assert t01["amount"].sum() == pytest.approx(revised["T01"], abs=0.01)
    assert list(t01["step"]) == list(explain.loc[explain["team"] == "T01", "step"])
    # the risk is measured given the actuals: closed quarters are what was sold
    risk = pd.read_csv(out / "attainment_risk.csv", dtype={"team": str})
    sales = pd.read_csv(story.actuals / "sales.csv")
    sales = sales.loc[sales["date"] <= AS_OF]
    first_half = {"Q1": sales.loc[sales["date"] < "2026-04-01", "amount"].sum(),
                  "Q2": sales.loc[sales["date"] >= "2026-04-01", "amount"].sum()}
    company = risk.loc[risk["level"] == "company"].set_index("period")
    for quarter, sold in first_half.items():
        assert company.loc[quarter, "expected"] == pytest.approx(sold, rel=1e-9)
        assert company.loc[quarter, "sd"] < 1e-6 * sold
        assert company.loc[quarter, "p_attain"] in (0.0, 1.0)
    assert company.loc["Q3", "sd"] > 0 and 0.0 < company.loc["year", "p_attain"] < 1.0
    assert any("re-plan as of 2026-06-30: the closed part of each month is its actual" in note
               for note in replanned.risk_report.notes)
    book = load_workbook(out / "teams" / "T01.xlsx", read_only=True)
    sheet = book["Re-plan"]
    notes = [row[0] for row in sheet.iter_rows(min_row=5, max_row=6, max_col=1,
                                                 values_only=True)]
    assert notes == ["as of 2026-06-30", "The sheet 'How this target was set' explains the "
                     "original target; this sheet shows what the re-plan changed."]
