"""write_outputs: CSV files, summary.xlsx, progress messages and errors."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from plan_fixture import CHINESE_TEAM, TEAMS, make_plan_result

from planner import names as n
from planner.errors import OutputError
from planner.outputs import write_outputs
from planner.plan_result import PlanResult

CENT = 0.005
SHEETS_EN = ["Settings", "Warnings", "Drivers", "Product targets", "Team x product",
             "Monthly phasing", "Weekly phasing", "Binding constraints", "Last year vs plan",
             "Charts"]
SHEETS_ZH = ["设置", "警告", "驱动因素", "产品目标", "团队×产品", "月度分解", "周度分解", "紧约束",
             "去年与计划", "图表"]


@pytest.fixture(scope="module")
def result() -> PlanResult:
    return make_plan_result()


@pytest.fixture(scope="module")
def out(result: PlanResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("summary")
    write_outputs(result, directory)
    return directory


def test_files_written_and_returned(result: PlanResult, tmp_path: Path) -> None:
    messages: list[str] = []
    paths = write_outputs(result, tmp_path, progress=messages.append)
    names = [p.relative_to(tmp_path).as_posix() for p in paths]
    assert names[:5] == [n.PLAN_CSV, n.PLAN_SEATS_CSV, n.DRIVERS_CSV, n.PRODUCT_TARGETS_CSV,
                         n.SUMMARY_XLSX]
    assert sum(name.startswith("teams/") for name in names) == len(TEAMS)
    assert names[-3:] == ["charts/phasing.png", "charts/waterfall.png", "charts/capacity.png"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths)
    assert messages[:4] == ["preparing the team workbooks", "writing summary.xlsx",
                            "writing charts", "writing team workbooks 0/3"]
    assert "writing plan.csv and the other CSV files" in messages
    assert messages[-1] == "writing team workbooks 3/3"


def test_plan_csv_columns_formats_and_literal_names(result: PlanResult, out: Path) -> None:
    plan = pd.read_csv(out / n.PLAN_CSV, keep_default_na=False)
    assert tuple(plan.columns) == n.PLAN_COLUMNS
    assert set(plan[n.TEAM]) == set(TEAMS)  # '=HYPERLINK(...)' and '@SUM(A1)' verbatim
    assert "+Loan C" in set(plan[n.PRODUCT])
    assert plan[n.WEEK_START].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert plan[n.MONTH].str.fullmatch(r"2027-\d{2}").all()
    assert plan.loc[0, n.WEEK_START] == "2026-12-28"  # the ISO week holding 1 January
    # unrounded floats: every amount round-trips exactly
    assert (plan[n.AMOUNT].to_numpy() == result.plan[n.AMOUNT].to_numpy()).all()
    raw = (out / n.PLAN_CSV).read_text(encoding="utf-8")
    assert '"=HYPERLINK(""http://x"",""y"")"' in raw


def test_other_csv_columns(out: Path) -> None:
    seats = pd.read_csv(out / n.PLAN_SEATS_CSV)
    assert tuple(seats.columns) == n.PLAN_SEATS_COLUMNS
    drivers = pd.read_csv(out / n.DRIVERS_CSV)
    assert tuple(drivers.columns) == (*n.DRIVERS_COLUMNS, "kind")
    targets = pd.read_csv(out / n.PRODUCT_TARGETS_CSV)
    assert tuple(targets.columns) == (*n.PRODUCT_TARGETS_COLUMNS, "multiple")


def test_summary_sheets_and_matrix_totals(out: Path) -> None:
    values = openpyxl.load_workbook(out / n.SUMMARY_XLSX, data_only=True)
    formulas = openpyxl.load_workbook(out / n.SUMMARY_XLSX)
    assert values.sheetnames == SHEETS_EN
    plan = pd.read_csv(out / n.PLAN_CSV, keep_default_na=False)
    ws, wf = values["Team x product"], formulas["Team x product"]
    header = [c.value for c in ws[3]]
    assert header[:5] == ["Team", "Trust A", "Fund B", "+Loan C", "Total"]
    by_team = plan.groupby(n.TEAM)[n.AMOUNT].sum()
    for row in range(4, 7):
        assert ws.cell(row=row, column=1).data_type == "s"
        team = ws.cell(row=row, column=1).value
        assert ws.cell(row=row, column=5).value == pytest.approx(by_team[team], abs=CENT)
        assert wf.cell(row=row, column=5).value == f"=SUM(B{row}:D{row})"
    assert ws.cell(row=7, column=1).value == "Total"
    assert ws.cell(row=7, column=5).value == pytest.approx(plan[n.AMOUNT].sum(), abs=CENT)
    assert wf.cell(row=7, column=2).value == "=SUM(B4:B6)"
    assert {ws.cell(row=r, column=1).value for r in range(4, 7)} == set(TEAMS)


def test_summary_user_text_stays_text(out: Path) -> None:
    wb = openpyxl.load_workbook(out / n.SUMMARY_XLSX)
    settings = wb["Settings"]
    cells = {c.coordinate: c for row in settings.iter_rows() for c in row if c.value is not None}
    note = [c for c in cells.values() if c.value == "=1+1"]
    assert note and all(c.data_type == "s" for c in note)
    meaning = [c for row in wb["Binding constraints"].iter_rows() for c in row
               if c.value == "=one more unit of supply"]
    assert meaning and meaning[0].data_type == "s"
    assert "&&" in settings.oddHeader.left.text  # "demo & test" escaped in the header


def test_summary_monthly_and_last_year(out: Path, result: PlanResult) -> None:
    wb = openpyxl.load_workbook(out / n.SUMMARY_XLSX, data_only=True)
    monthly = wb["Monthly phasing"]
    plan = result.plan
    jan = plan.loc[plan[n.MONTH] == "2027-01"].groupby(n.PRODUCT)[n.AMOUNT].sum()
    rows = {monthly.cell(row=r, column=1).value: r for r in range(4, 8)}
    for product, amount in jan.items():
        assert monthly.cell(row=rows[product], column=3).value == pytest.approx(amount, abs=CENT)
    last_year = wb["Last year vs plan"]
    texts = [c.value for row in last_year.iter_rows() for c in row if isinstance(c.value, str)]
    assert "By month" in texts and "Dec" in texts
    archive = (out / n.SUMMARY_XLSX).read_bytes()
    assert archive.count(b"xl/charts/chart") >= 2  # two native charts (openpyxl drops them)


def test_summary_in_chinese(result: PlanResult, tmp_path: Path) -> None:
    write_outputs(result, tmp_path, lang="zh")
    wb = openpyxl.load_workbook(tmp_path / n.SUMMARY_XLSX)
    assert wb.sheetnames == SHEETS_ZH
    assert wb["团队×产品"]["A3"].value == "团队"
    assert CHINESE_TEAM in {wb["团队×产品"].cell(row=r, column=1).value for r in range(4, 7)}


def test_errors(result: PlanResult, tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(OutputError, match=re.escape(
            f"output directory {str(missing)!r} does not exist or is not a directory: "
            "create it first")):
        write_outputs(result, missing)
    with pytest.raises(OutputError, match=re.escape(
            "output language 'fr' is not supported: use one of en, zh")):
        write_outputs(result, tmp_path, lang="fr")
    broken = PlanResult(**{**result.__dict__, "plan": result.plan.drop(columns=n.UNITS)})
    with pytest.raises(OutputError, match=r"cannot write plan\.csv: the plan result has no "
                                          r"column\(s\) units"):
        write_outputs(broken, tmp_path)



def test_datetime_months_are_accepted(result: PlanResult, tmp_path: Path) -> None:
    plan = result.plan.assign(**{n.MONTH: pd.to_datetime(result.plan[n.MONTH] + "-01")})
    write_outputs(PlanResult(**{**result.__dict__, "plan": plan}), tmp_path)
    written = pd.read_csv(tmp_path / n.PLAN_CSV)
    assert written[n.MONTH].iloc[0] == "2027-01"
    ws = openpyxl.load_workbook(tmp_path / n.SUMMARY_XLSX, data_only=True)["Monthly phasing"]
    assert ws["C4"].value > 0


def test_summary_shows_code_and_name_as_text(result: PlanResult, tmp_path: Path) -> None:
    named = PlanResult(**{**result.__dict__,
                          "products": result.products.assign(name=["Trust A", "=Fund", None]),
                          "team_names": {CHINESE_TEAM: "East"}})
    write_outputs(named, tmp_path)
    wb = openpyxl.load_workbook(tmp_path / n.SUMMARY_XLSX)
    matrix = wb["Team x product"]
    assert [c.value for c in matrix[3]][:4] == ["Team", "Trust A", "Fund B =Fund", "+Loan C"]
    teams = {matrix.cell(row=r, column=1).value for r in range(4, 7)}
    assert f"{CHINESE_TEAM} East" in teams and "@SUM(A1)" in teams
    for sheet in ("Product targets", "Monthly phasing", "Last year vs plan"):
        cells = [c for row in wb[sheet].iter_rows(min_row=4, max_col=1) for c in row
                 if c.value == "Fund B =Fund"]
        assert cells and cells[0].data_type == "s", sheet
    weekly = [c.value for c in wb["Weekly phasing"][3]]
    assert "Fund B =Fund" in weekly
    # plan.csv keeps the codes
    assert set(pd.read_csv(tmp_path / n.PLAN_CSV)[n.PRODUCT]) == {"Trust A", "Fund B", "+Loan C"}
