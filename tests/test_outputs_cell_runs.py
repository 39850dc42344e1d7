"""Team workbooks' cell writers: blocks of cells, positional cells and the zip file.

Blocks of numbers and blanks are stored as runs of a row (:mod:`planner.outputs.cell_runs`)
and written with one string operation a row; every sheet part must still be xlsxwriter's
own, byte for byte, whatever is written over the blocks and in whatever order. The
workbook's zip file is compressed at a faster level (:mod:`planner.outputs.xlsx_package`):
the parts are unchanged and the file stays a valid workbook.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from xlsxwriter.workbook import Workbook

from planner.errors import OutputError
from planner.outputs.cells import (
    PlannerWorkbook,
    formula,
    put_blanks,
    put_number,
    put_numbers,
    put_text,
)
from planner.outputs.layout import row_sums
from planner.outputs.team_workbook import day_text
from planner.outputs.xlsx_package import COMPRESS_LEVEL

OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
           "strings_to_urls": False}


def _parts(book: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}


def _book(workbook: type[Workbook], fill: Callable[[Workbook, Any], None]) -> bytes:
    out = io.BytesIO()
    wb = workbook(out, OPTIONS)
    fill(wb, wb.add_worksheet("Sheet"))
    wb.close()
    return out.getvalue()


def _same_parts(fill: Callable[[Workbook, Any], None]) -> None:
    plain = _parts(_book(Workbook, fill))
    fast = _parts(_book(PlannerWorkbook, fill))
    assert fast.keys() == plain.keys()
    for name in plain:
        assert fast[name] == plain[name], name


def _random_values(rnd: random.Random, height: int, width: int) -> np.ndarray:
    kinds = [lambda: round(rnd.uniform(-1e7, 1e7), 2), lambda: 0.0, lambda: -0.0,
             lambda: float(rnd.randint(-10**6, 10**6)), lambda: rnd.uniform(-1, 1) * 1e-9,
             lambda: rnd.uniform(0, 1) * 10 ** rnd.randint(-30, 30)]
    return np.array([[rnd.choice(kinds)() for _ in range(width)] for _ in range(height)])


@pytest.mark.parametrize("seed", range(12))
def test_random_blocks_write_what_xlsxwriter_writes(seed: int) -> None:
    """Blocks, cells over and under them, blocks over blocks, in a random order."""
    rnd = random.Random(seed)
    steps: list[tuple[str, tuple[Any, ...]]] = []
    for _ in range(rnd.randint(3, 12)):
        row, col = rnd.randint(0, 30), rnd.randint(0, 30)
        height, width = rnd.randint(1, 8), rnd.randint(1, 45)
        choice = rnd.random()
        if choice < 0.35:
            steps.append(("numbers", (row, col, _random_values(rnd, height, width))))
        elif choice < 0.5:
            steps.append(("blanks", (row, col, row + height - 1, col + width - 1)))
        elif choice < 0.65:
            steps.append(("text", (row, col, f"t{rnd.randint(0, 5)} <&>")))
        elif choice < 0.8:
            steps.append(("formula", (row, col, f"=SUM(A{row + 1}:B{row + 1})",
                                      rnd.choice([1.5, "", 0.0]))))
        elif choice < 0.9:
            steps.append(("number", (row, col, rnd.uniform(-100, 100))))
        else:
            steps.append(("row", (row, rnd.choice([None, 30]))))
    steps.append(("chart", ()))

    def fill(wb: Workbook, sheet: Any) -> None:
        formats = [wb.add_format({"num_format": "#,##0"}), wb.add_format({"bold": True}),
                   wb.add_format({"num_format": "0.0%", "italic": True})]
        fast = isinstance(wb, PlannerWorkbook)
        for k, (kind, args) in enumerate(steps):
            fmt = formats[k % len(formats)]
            if kind == "numbers":
                row, col, values = args
                if fast:
                    put_numbers(sheet, row, col, values, fmt)
                else:
                    for i, numbers in enumerate(values.tolist(), row):
                        for j, number in enumerate(numbers, col):
                            sheet.write_number(i, j, number, fmt)
            elif kind == "blanks":
                r1, c1, r2, c2 = args
                if fast:
                    put_blanks(sheet, r1, c1, r2, c2, fmt)
                else:
                    for i in range(r1, r2 + 1):
                        for j in range(c1, c2 + 1):
                            sheet.write_blank(i, j, None, fmt)
            elif kind == "text":
                put_text(sheet, *args, fmt)
            elif kind == "formula":
                row, col, text, cached = args
                formula(sheet, row, col, text, fmt, cached)
            elif kind == "number":
                put_number(sheet, *args, fmt)
            elif kind == "row":
                sheet.set_row(args[0], args[1], formats[1])
            else:  # a chart reads the cells under its series (xlsxwriter's own reader)
                chart = wb.add_chart({"type": "line"})
                chart.add_series({"values": ["Sheet", 0, 0, 40, 3]})
                sheet.insert_chart(45, 0, chart)

    _same_parts(fill)


def test_blocks_in_a_sheet_xlsxwriter_writes_itself_are_written_too() -> None:
    """A sheet with comments is written by xlsxwriter: the runs become cells first."""
    values = np.arange(24, dtype=float).reshape(4, 6) / 7

    def fill(wb: Workbook, sheet: Any) -> None:
        fmt = wb.add_format({"bold": True})
        if isinstance(wb, PlannerWorkbook):
            put_numbers(sheet, 1, 1, values, fmt)
            put_blanks(sheet, 6, 0, 7, 3, fmt)
        else:
            for i, numbers in enumerate(values.tolist(), 1):
                for j, number in enumerate(numbers, 1):
                    sheet.write_number(i, j, number, fmt)
            for i in (6, 7):
                for j in range(4):
                    sheet.write_blank(i, j, None, fmt)
        sheet.write_comment(0, 0, "a note")
        sheet.write_url(2, 2, "https://example.com", string="link")  # over a run's cell

    _same_parts(fill)


def test_blocks_out_of_bounds_or_not_finite_are_written_cell_by_cell() -> None:
    wb = PlannerWorkbook(io.BytesIO(), OPTIONS)
    sheet, fmt = wb.add_worksheet(), wb.add_format()
    put_numbers(sheet, 1_048_575, 0, [[1.0], [2.0]], fmt)  # the second row is outside
    assert sheet.table[1_048_575][0].number == 1.0 and not sheet.runs
    put_numbers(sheet, 0, 0, [[1, 2], [3, 4]], fmt)  # ints: runs
    assert sheet.runs.rows[0][0].numbers == (1, 2)
    with pytest.raises(TypeError, match="NAN/INF not supported"):
        put_numbers(sheet, 5, 0, [[1.0, float("nan")]], fmt)
    with pytest.raises(OutputError, match="a block of cells needs rows of numbers: got 1 "
                                          "dimension"):
        put_numbers(sheet, 0, 0, [1.0, 2.0], None)
    put_blanks(sheet, 3, 0, 3, 5, None)  # no format: nothing stored, as xlsxwriter
    assert 3 not in sheet.runs.rows and not sheet.table.get(3)
    wb.close()


def test_workbook_zip_is_compressed_faster_and_stays_valid() -> None:
    def fill(wb: Workbook, sheet: Any) -> None:
        put_numbers(sheet, 0, 0, np.arange(600.0).reshape(20, 30) * 1.25, wb.add_format())
        put_text(sheet, 25, 0, "total")

    fast = _book(PlannerWorkbook, fill)
    plain = _book(Workbook, fill)
    assert _parts(fast) == _parts(plain)
    with zipfile.ZipFile(io.BytesIO(fast)) as z:
        assert z.testzip() is None
        assert [i.filename for i in z.infolist()] == zipfile.ZipFile(
            io.BytesIO(plain)).namelist()
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    sheet = openpyxl.load_workbook(io.BytesIO(fast))["Sheet"]
    assert sheet["B2"].value == 38.75 and sheet["A26"].value == "total"
    assert COMPRESS_LEVEL == 1


def test_row_sums_add_as_each_row_alone() -> None:
    rnd = np.random.default_rng(3)
    for shape in ((53, 40), (40, 12), (7, 130), (3, 0), (0, 4)):
        values = np.round(rnd.normal(size=shape) * 1e5, 2)
        for array in (values, np.asfortranarray(values)):
            assert row_sums(array) == [float(row.sum()) for row in array]


def test_week_starts_are_written_as_put_writes_them() -> None:
    assert day_text(pd.Timestamp("2027-01-04")) == "2027-01-04"
    assert day_text(np.datetime64("2027-12-27")) == "2027-12-27"
    assert day_text(pd.NaT) is None and day_text(None) is None
