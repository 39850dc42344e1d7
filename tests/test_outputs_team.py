"""Team workbooks: numbers equal plan.csv (cached values and a real recalculation),
hostile names stay literal text, Chinese labels, live attainment and score formulas."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from plan_fixture import AT_TEAM, CHINESE_TEAM, HOSTILE_TEAM, TEAMS, make_plan_result

from planner import names as n
from planner.outputs import write_outputs
from planner.outputs.labels import get_labels
from planner.outputs.safety import safe_file_stem

formulas = pytest.importorskip("formulas")
CENT = 0.005


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    result = make_plan_result()
    dirs = {}
    for lang in ("en", "zh"):
        out = tmp_path_factory.mktemp(f"out_{lang}")
        write_outputs(result, out, lang=lang)
        dirs[lang] = out
    return dirs


def team_path(out: Path, team: str) -> Path:
    taken: set[str] = set()
    stems = {t: safe_file_stem(t, taken) for t in TEAMS}
    return out / n.TEAMS_DIR / f"{stems[team]}.xlsx"


def plan_csv(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / n.PLAN_CSV, keep_default_na=False)


def expected_grid(out: Path, team: str) -> pd.DataFrame:
    plan = plan_csv(out)
    sub = plan.loc[plan[n.TEAM] == team]
    return sub.groupby([n.PRODUCT, n.MONTH])[n.AMOUNT].sum().unstack(n.MONTH).fillna(0.0)


def read_targets(path: Path, sheet: str) -> tuple[dict[str, list[float]], float]:
    """Product -> 12 months + total (cached values), and the grand total."""
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    rows = {}
    for row in ws.iter_rows(min_row=6, max_col=15, values_only=True):
        if row[0] in (get_labels("en")["total"], get_labels("zh")["total"]):
            return rows, float(row[14])
        rows[row[0]] = [float(v) for v in row[2:15]]
    raise AssertionError("no total row")


def test_team_files_are_named_safely_and_one_per_team(written: dict[str, Path]) -> None:
    files = sorted(p.name for p in (written["en"] / n.TEAMS_DIR).iterdir())
    assert files == sorted(["=HYPERLINK(_http___x_,_y_).xlsx", "@SUM(A1).xlsx", "销售一组.xlsx"])


@pytest.mark.parametrize("team", TEAMS)
def test_cached_values_equal_plan_csv(written: dict[str, Path], team: str) -> None:
    out = written["en"]
    rows, grand = read_targets(team_path(out, team), "Targets")
    grid = expected_grid(out, team)
    assert set(rows) == set(grid.index)
    for product, values in rows.items():
        months = grid.loc[product]
        assert values[:12] == pytest.approx(months.to_numpy(), abs=CENT)
        assert values[12] == pytest.approx(months.sum(), abs=CENT)
    assert grand == pytest.approx(grid.to_numpy().sum(), abs=CENT)


@pytest.mark.parametrize("team", TEAMS)
def test_hostile_names_are_literal_text_on_every_sheet(written: dict[str, Path],
                                                       team: str) -> None:
    wb = openpyxl.load_workbook(team_path(written["en"], team))
    assert wb.sheetnames == ["Targets", "Weekly", "Seats", "Actuals", "Scorecard"]
    for ws in wb.worksheets:
        cell = ws["B2"]
        assert cell.data_type == "s"
        assert cell.value == team
    products = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=1).data_type
                for ws in [wb["Targets"]] for r in range(6, 9)}
    assert products == {"Trust A": "s", "Fund B": "s", "+Loan C": "s"}
    assert team.replace("&", "&&") in wb["Targets"].oddHeader.left.text


def test_print_setup_and_frozen_panes(written: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(team_path(written["en"], CHINESE_TEAM))["Targets"]
    assert ws.freeze_panes == "B6"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out of the file
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$5:$5"
    assert ws.oddFooter.center.text == "Page &P of &N"
    assert ws["C6"].number_format == "#,##0"
    assert ws["O6"].value.startswith("=SUM(C6:N6)")


def test_chinese_labels(written: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(team_path(written["zh"], CHINESE_TEAM))
    assert wb.sheetnames == ["目标", "周目标", "坐席", "实际", "记分卡"]
    ws = wb["目标"]
    header = [ws.cell(row=5, column=c).value for c in (1, 2, 3, 15)]
    assert header == ["产品", "毛利档次", "1月", "合计"]
    assert ws["A2"].value == "团队" and ws["B2"].value == CHINESE_TEAM
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    score = wb["记分卡"]
    assert score["A7"].value == "销售额" and score["F6"].value == "达成率"
    assert set(get_labels("en")) == set(get_labels("zh"))


def recalculate(path: Path) -> dict[str, object]:
    logging.getLogger("formulas").setLevel(logging.ERROR)
    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate()
    cells = {}
    for key, value in solution.items():
        raw = getattr(value, "value", value)
        arr = np.asarray(raw, dtype=object)
        if arr.size == 1:
            cells[key.split("]", 1)[1]] = arr.ravel()[0]
    return cells


def errors(cells: dict[str, object]) -> list[tuple[str, object]]:
    bad = ("#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#N/A", "#NUM!")
    return [(k, v) for k, v in cells.items() if str(v) in bad]


@pytest.mark.parametrize(("lang", "team"), [("en", HOSTILE_TEAM), ("zh", CHINESE_TEAM)])
def test_recalculated_totals_equal_plan_csv(written: dict[str, Path], lang: str,
                                            team: str) -> None:
    out = written[lang]
    lb = get_labels(lang)
    cells = recalculate(team_path(out, team))
    assert errors(cells) == []
    targets = lb["sheet_targets"].upper()
    grid = expected_grid(out, team)
    for i, product in enumerate(grid.index.map(str).tolist()):
        row = 6 + [cells[f"{targets}'!A{r}"] for r in range(6, 9)].index(product)
        for j, col in enumerate("CDEFGHIJKLMN"):
            assert float(cells[f"{targets}'!{col}{row}"]) == pytest.approx(
                grid.loc[product].iloc[j], abs=CENT), (i, j)
        assert float(cells[f"{targets}'!O{row}"]) == pytest.approx(grid.loc[product].sum(),
                                                                   abs=CENT)
    assert float(cells[f"{targets}'!O9"]) == pytest.approx(grid.to_numpy().sum(), abs=CENT)
    weekly = lb["sheet_weekly"].upper()
    assert float(cells[f"{weekly}'!G59"]) == pytest.approx(grid.to_numpy().sum(), abs=CENT)
    assert cells[f"{lb['sheet_scorecard'].upper()}'!G11"] == ""  # no actuals yet: blank


def test_actuals_drive_attainment_and_weighted_score(written: dict[str, Path],
                                                     tmp_path: Path) -> None:
    """A manager types January actuals at 90% and a new-customer target and actual."""
    source = team_path(written["en"], AT_TEAM)
    path = tmp_path / "filled.xlsx"
    shutil.copy(source, path)
    targets = openpyxl.load_workbook(source, data_only=True)["Targets"]
    wb = openpyxl.load_workbook(path)
    actuals, score = wb["Actuals"], wb["Scorecard"]
    for row in range(6, 9):
        actuals.cell(row=row, column=3, value=targets.cell(row=row, column=3).value * 0.9)
    share = targets["C9"].value / targets["O9"].value
    score["C9"] = 100.0  # new customers: full-year target
    score["E9"] = 100.0 * share * 1.2  # new customers: actual to date, 120%
    wb.save(path)
    cells = recalculate(path)
    assert errors(cells) == []
    assert cells["ACTUALS'!C17"] == pytest.approx(0.9)  # Total row attainment, January
    assert cells["ACTUALS'!O17"] == pytest.approx(0.9)  # year to date
    assert cells["ACTUALS'!D17"] == ""  # February: no actual, blank not #DIV/0!
    assert cells["SCORECARD'!F7"] == pytest.approx(0.9)  # revenue
    assert cells["SCORECARD'!F8"] == pytest.approx(1.0)  # high-margin mix as planned
    assert cells["SCORECARD'!F9"] == pytest.approx(1.2)  # new customers
    assert cells["SCORECARD'!F10"] == ""  # active customers: not reported
    expected = (0.4 * 0.9 + 0.2 * 1.0 + 0.2 * 1.2) / 0.8
    assert cells["SCORECARD'!G11"] == pytest.approx(expected)


def test_seats_sheet_equals_plan_seats(written: dict[str, Path]) -> None:
    out = written["en"]
    seats = pd.read_csv(out / n.PLAN_SEATS_CSV, keep_default_na=False)
    sub = seats.loc[seats[n.TEAM] == CHINESE_TEAM]
    ws = openpyxl.load_workbook(team_path(out, CHINESE_TEAM), data_only=True)["Seats"]
    by_seat = sub.groupby(n.SEAT)[n.AMOUNT].sum()
    rows = {ws.cell(row=r, column=1).value: r for r in range(6, 6 + len(by_seat) + 1)}
    for seat, amount in by_seat.items():
        assert ws.cell(row=rows[seat], column=15).value == pytest.approx(amount, abs=CENT)
    assert ws.cell(row=rows["Total"], column=15).value == pytest.approx(by_seat.sum(), abs=CENT)
    jan = sub.loc[sub[n.MONTH] == "2027-01"].groupby(n.SEAT)[n.AMOUNT].sum()
    for seat, amount in jan.items():
        assert ws.cell(row=rows[seat], column=3).value == pytest.approx(amount, abs=CENT)


def test_team_without_seats_or_high_margin_products(tmp_path: Path) -> None:
    result = make_plan_result()
    result.plan_seats = result.plan_seats.iloc[0:0]
    result.products = result.products.assign(**{n.MARGIN_TIER: "standard"})
    write_outputs(result, tmp_path)
    path = team_path(tmp_path, CHINESE_TEAM)
    wb = openpyxl.load_workbook(path, data_only=True)
    assert wb["Seats"]["A6"].value == "No per-seat targets for this team."
    targets = wb["Targets"]
    assert targets["A10"].value == "of which high margin"
    assert [targets.cell(row=10, column=c).value for c in (3, 15)] == [0, 0]
    assert wb["Scorecard"]["C8"].value == 0  # high-margin mix target: none planned


# --- names: "code name", always text ---------------------------------------------------

def test_products_and_teams_show_code_and_name_as_text(tmp_path: Path) -> None:
    result = make_plan_result()
    result.products = result.products.assign(name=["Trust A", "=Fund B name", ""])
    result.team_names = {CHINESE_TEAM: "East region", AT_TEAM: AT_TEAM}
    write_outputs(result, tmp_path)
    wb = openpyxl.load_workbook(team_path(tmp_path, CHINESE_TEAM))
    for ws in wb.worksheets:
        assert ws["B2"].value == f"{CHINESE_TEAM} East region"
    targets = wb["Targets"]
    labels = {targets.cell(row=r, column=1).value: targets.cell(row=r, column=1).data_type
              for r in range(6, 9)}
    # a name equal to the code or blank shows the code alone
    assert labels == {"Trust A": "s", "Fund B =Fund B name": "s", "+Loan C": "s"}
    weekly = [c.value for c in wb["Weekly"][5]]
    assert weekly[3:6] == ["Trust A", "Fund B =Fund B name", "+Loan C"]
    assert "East region" in targets.oddHeader.left.text
    same = openpyxl.load_workbook(team_path(tmp_path, AT_TEAM))["Targets"]
    assert same["B2"].value == AT_TEAM


# --- printing: readable on paper ---------------------------------------------------------

@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Outputs of a plan with 26 products: the weekly sheet is 53 weeks x 26 products."""
    out = tmp_path_factory.mktemp("wide")
    write_outputs(make_plan_result(n_products=26), out)
    return out


def test_wide_sheets_print_across_pages_narrow_ones_fit_one_page(wide: Path) -> None:
    wb = openpyxl.load_workbook(team_path(wide, CHINESE_TEAM))
    for name in ("Weekly", "Seats"):
        ws = wb[name]
        assert not ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.page_setup.scale == 80
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.print_title_rows == "$5:$5" and ws.print_title_cols == "$A:$A"
        assert ws.freeze_panes == "B6"
    for name in ("Targets", "Actuals", "Scorecard"):
        ws = wb[name]
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.page_setup.fitToHeight == 0
    summary = openpyxl.load_workbook(wide / n.SUMMARY_XLSX)
    assert not summary["Weekly phasing"].sheet_properties.pageSetUpPr.fitToPage
    assert summary["Settings"].sheet_properties.pageSetUpPr.fitToPage


def _office() -> str:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (libreoffice-calc) and pdftotext (poppler-utils) not installed")
    return office


def _pdf_pages(office: str, book: Path, out: Path) -> list[list[tuple[str, float, float]]]:
    """Convert ``book`` to PDF with LibreOffice; per page: (word, top, height)."""
    import re
    import subprocess

    profile = (out / "profile").as_uri()
    subprocess.run([office, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(out), str(book)], check=True, capture_output=True,
                   timeout=180)
    pdf = out / f"{book.stem}.pdf"
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = []
    for page in html.split("<page ")[1:]:
        words = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" '
                           r'yMax="([\d.]+)">([^<]*)</word>', page)
        pages.append([(w, float(y0), float(y1) - float(y0)) for y0, y1, w in words])
    return pages


def test_weekly_sheet_of_26_products_prints_readably_in_libreoffice(wide: Path,
                                                                    tmp_path: Path) -> None:
    office = _office()
    book = tmp_path / "team.xlsx"
    shutil.copy(team_path(wide, CHINESE_TEAM), book)
    pages = _pdf_pages(office, book, tmp_path)
    lb = get_labels("en")

    def header(page: list[tuple[str, float, float]]) -> str:  # team and sheet title
        return " ".join(w for w, top, _ in page if top < 40)

    weekly = [p for p in pages if lb["title_weekly"] in header(p)]
    assert len(weekly) > 1  # across several pages, not squeezed onto one
    heights = [h for page in weekly for w, top, h in page if top > 45 and w.strip()]
    # 10-pt cells at 80%: word boxes about 10 pt high (squeezed onto one page: about 4)
    assert np.median(heights) >= 8.0
    targets = [p for p in pages if lb["title_targets"] in header(p)]
    assert len(targets) == 1  # the monthly sheet still fits one page
