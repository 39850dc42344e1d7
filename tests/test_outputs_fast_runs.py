"""Team workbooks' rows of texts and formulas, blank merges, shared strings and zip file.

Rows of texts and formulas are stored as runs whose XML is made when they are stored
(:class:`planner.outputs.cell_runs.XmlRun`), a blank merge across a row as its blanks at
once and the shared strings part is written in one string
(:mod:`planner.outputs.xlsx_package`): every part must still be xlsxwriter's own, byte
for byte, whatever is written over the runs and in whatever order.
"""

from __future__ import annotations

import io
import random
import zipfile
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from test_outputs_cell_runs import OPTIONS, _book, _parts, _same_parts
from xlsxwriter.workbook import Workbook

from planner import names as n
from planner.outputs.cell_runs import XmlRun
from planner.outputs.cells import (
    PlannerWorkbook,
    formula,
    put_formulas,
    put_headers,
    put_numbers,
    put_text,
    put_texts,
)
from planner.outputs.frames import SeatRows, _SeatTable
from planner.outputs.shared_strings import plain_text
from planner.outputs.team_workbook import _week_rows

CACHED = [1.5, "", 0.0, -2.25e-9, True, False, "#N/A", "a<b&c", 7, None, float("nan"),
          np.float64(3.0)]
FORMULAS = ["=SUM(A{r}:B{r})", '=IF(A{r}=0,"",B{r}/A{r})', "=MIN(C{r},1)",
            "=A{r}*5%", "=XLOOKUP(1,A1:A3,B1:B3)", "=A{r}<>B{r}", ""]


@pytest.mark.filterwarnings("ignore:Formula can't be None or empty")
@pytest.mark.parametrize("seed", range(16))
def test_random_rows_of_texts_and_formulas_write_what_xlsxwriter_writes(seed: int) -> None:
    """Rows of texts and formulas, merges, cells over and under them, in a random order."""
    rnd = random.Random(seed)
    steps: list[tuple[str, tuple[Any, ...]]] = []
    for _ in range(rnd.randint(4, 14)):
        row, col = rnd.randint(0, 20), rnd.randint(0, 20)
        width = rnd.randint(1, 15)
        choice = rnd.random()
        if choice < 0.25:
            texts = [rnd.choice(["t", "Total", " lead", "x<&>", "", f"n{rnd.randint(0, 9)}",
                                 "_x0041_", "a\x01b", "=SUM(A1)"]) for _ in range(width)]
            steps.append(("texts", (row, col, texts)))
        elif choice < 0.5:
            texts = [rnd.choice(FORMULAS).format(r=row + 1) for _ in range(width)]
            steps.append(("formulas", (row, col, texts,
                                       [rnd.choice(CACHED) for _ in range(width)])))
        elif choice < 0.6:
            steps.append(("merge", (row, col, col + rnd.randint(1, 6))))
        elif choice < 0.7:
            steps.append(("text", (row, col, f"t{rnd.randint(0, 5)}")))
        elif choice < 0.8:
            steps.append(("formula", (row, col, f"=SUM(A{row + 1}:B{row + 1})",
                                      rnd.choice(CACHED))))
        elif choice < 0.9:
            steps.append(("numbers", (row, col, np.arange(width * 2.0).reshape(2, width))))
        else:
            steps.append(("row", (row, rnd.choice([None, 30]))))
    if seed % 4 == 0:
        steps.append(("chart", ()))

    def fill(wb: Workbook, sheet: Any) -> None:
        formats = [wb.add_format({"num_format": "#,##0"}), wb.add_format({"bold": True}),
                   wb.add_format({"num_format": "0.0%", "italic": True})]
        fast = isinstance(wb, PlannerWorkbook)
        merged: set[tuple[int, int]] = set()
        for k, (kind, args) in enumerate(steps):
            fmt = formats[k % len(formats)]
            if kind == "texts":
                row, col, texts = args
                if fast:
                    (put_headers if k % 2 else put_texts)(sheet, row, col, texts, fmt)
                else:
                    for j, text in enumerate(texts, col):
                        sheet.write_string(row, j, text, fmt)
            elif kind == "formulas":
                row, col, texts, cached = args
                if fast:
                    put_formulas(sheet, row, col, texts, fmt, cached)
                else:
                    for j, (text, value) in enumerate(zip(texts, cached, strict=True), col):
                        formula(sheet, row, j, text, fmt, value)
            elif kind == "merge":
                row, first, last = args
                cells = {(row, col) for col in range(first, last + 1)}
                if not cells & merged:  # xlsxwriter refuses overlapping merges
                    merged |= cells
                    sheet.merge_range(row, first, row, last, "", fmt)
            elif kind == "text":
                put_text(sheet, *args, fmt)
            elif kind == "formula":
                row, col, text, cached = args
                formula(sheet, row, col, text, fmt, cached)
            elif kind == "numbers":
                row, col, values = args
                if fast:
                    put_numbers(sheet, row, col, values, fmt)
                else:
                    for i, numbers in enumerate(values.tolist(), row):
                        for j, number in enumerate(numbers, col):
                            sheet.write_number(i, j, number, fmt)
            elif kind == "row":
                sheet.set_row(args[0], args[1], formats[1])
            else:  # a chart reads the cells under its series (xlsxwriter's own reader)
                chart = wb.add_chart({"type": "line"})
                chart.add_series({"values": ["Sheet", 0, 0, 30, 20]})
                sheet.insert_chart(40, 0, chart)

    _same_parts(fill)


def test_rows_of_texts_and_formulas_are_runs_until_written_over() -> None:
    wb = PlannerWorkbook(io.BytesIO(), OPTIONS)
    sheet, fmt = wb.add_worksheet(), wb.add_format({"bold": True})
    put_texts(sheet, 0, 0, ["a", "b", "c", "d"], fmt)
    put_texts(sheet, 1, 0, ["a", "b"], fmt)  # too short: cells
    put_formulas(sheet, 2, 1, ["=SUM(A1:A2)", "=A1%"], fmt, [3, ""])
    put_formulas(sheet, 3, 0, ["=XLOOKUP(1,A:A,B:B)"], fmt, [0])  # not plain: a cell
    assert [type(run) for run in sheet.runs.rows[0]] == [XmlRun]
    assert set(sheet.table[1]) == {0, 1} and 1 not in sheet.runs.rows
    run = sheet.runs.rows[2][0]
    assert (run.first, run.last, run.fields) == (1, 2, (("SUM(A1:A2)", 3.0), ("A1%", "")))
    assert 'r="C3"' in run.xml and "<f>A1%</f><v></v>" in run.xml
    assert 3 not in sheet.runs.rows and sheet.table[3][0].formula
    assert sheet.str_table.count == 6 and sheet.str_table.unique_count == 4
    put_text(sheet, 0, 2, "over")  # a later cell splits the run
    wb.close()
    values = openpyxl.load_workbook(wb.filename, read_only=False)["Sheet1"]
    assert [c.value for c in values[1]] == ["a", "b", "over", "d"]


@pytest.mark.parametrize("text", [
    "plain", "", " lead", "trail ", "tab\t", "end\n", "\u00a0nbsp", "nbsp\u2003", "a\x01b",
    "_x0041_", "_x004g_", "R&D", "a<b>c", '"quoted"', "line\nbreak", "\ufffe", "中文 名称",
    "<r>not rich</r>", "x" * 300])
def test_shared_strings_are_written_as_xlsxwriter_writes_them(text: str) -> None:
    def fill(wb: Workbook, sheet: Any) -> None:
        for k in range(3):
            sheet.write_string(k, 0, f"{k}{text}" if k else text)
        sheet.write_rich_string(4, 0, "a ", wb.add_format({"bold": True}), "rich", " string")

    _same_parts(fill)
    assert plain_text(text) == (text in ("plain", "", '"quoted"', "_x004g_", "line\nbreak",
                                         "中文 名称", "x" * 300))


def test_zip_file_holds_xlsxwriters_parts_and_stays_valid(tmp_path: Any) -> None:
    def fill(wb: Workbook, sheet: Any) -> None:
        put_numbers(sheet, 0, 0, np.arange(600.0).reshape(20, 30) * 1.25, wb.add_format())
        put_text(sheet, 25, 0, "total")

    plain = _book(Workbook, fill)
    first, second = _book(PlannerWorkbook, fill), _book(PlannerWorkbook, fill)
    assert _parts(first) == _parts(second) == _parts(plain)
    for book in (first, second):
        with zipfile.ZipFile(io.BytesIO(book)) as z:
            assert z.testzip() is None
            assert [i.filename for i in z.infolist()] == zipfile.ZipFile(
                io.BytesIO(plain)).namelist()
            assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
    path = tmp_path / "book.xlsx"  # a file name as target
    wb = PlannerWorkbook(str(path), OPTIONS)
    fill(wb, wb.add_worksheet("Sheet"))
    wb.close()
    assert _parts(path.read_bytes()) == _parts(plain)
    assert openpyxl.load_workbook(path)["Sheet"]["B2"].value == 38.75


def test_seat_rows_cut_each_teams_seats_from_one_table() -> None:
    grid = pd.DataFrame({n.TEAM: ["A", "A", "B"], n.SEAT: ["s1", "s2", "s3"],
                         n.GRADE: ["g1", "g2", "g1"], "p1": [1.0, 2.0, 3.0],
                         "p2": [0.5, 0.0, -0.0]}).astype({n.SEAT: "str", n.GRADE: "str"})
    grid.columns.name = n.PRODUCT
    table = _SeatTable(grid, {"A": (0, 2), "B": (2, 3)})
    rows = table.rows("A", pd.Index(["p2", "p9", "p1"], name=n.PRODUCT))
    assert rows.seats == ["s1", "s2"] and rows.grades == ["g1", "g2"]
    assert rows.values.tolist() == [[0.5, 0.0, 1.0], [0.0, 0.0, 2.0]]
    assert rows.values.flags.c_contiguous
    frame = rows.frame()
    assert list(frame.columns) == [n.SEAT, n.GRADE, "p2", "p9", "p1"]
    assert frame.columns.name == n.PRODUCT and frame[n.SEAT].tolist() == ["s1", "s2"]
    assert table.rows("C", pd.Index(["p1"])).values.shape == (0, 1)
    empty = _SeatTable(pd.DataFrame(), {}).rows("A", pd.Index(["m1"]))
    assert isinstance(empty, SeatRows) and empty.frame().empty
    assert list(empty.frame().columns) == [n.SEAT, n.GRADE, "m1"]


def test_week_rows_are_read_once_per_table() -> None:
    weeks = pd.DataFrame({n.WEEK: ["W1", "W2"],
                          n.WEEK_START: [pd.Timestamp("2027-01-04"), pd.NaT],
                          n.WORKING_DAYS: [5.0, None]})
    rows = _week_rows(weeks)
    assert (rows.weeks, rows.days, rows.total_days) == (["W1", "W2"], ["2027-01-04", None],
                                                        5.0)
    assert _week_rows(weeks) is rows
    other = weeks.assign(**{n.WORKING_DAYS: [4.0, 3.0]})
    assert _week_rows(other).total_days == 7.0
