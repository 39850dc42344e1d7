"""Actuals from the team workbooks line managers return (their yellow Actuals cells).

Each returned workbook is checked against the one planner wrote into the plan folder
(``teams/<team>.xlsx``): the same sheets, the same title, team, scenario and plan year
cells, the same header row and the same product in every row of the Actuals grid. A
moved row, a renamed product or text such as ``"1,234"`` in a number cell is a
:class:`~planner.errors.InputError` naming the file, the sheet and the cell, and every
problem of every file is reported at once. The files are opened read-only and never
written.

Layout (zero-based rows and columns as :mod:`planner.outputs.layout` writes them):
rows 0..3 title, team, scenario and plan year (labels in column A, values in B); row 4
the header; from row 5 one row per product (label in A, margin tier in B, months in
C..N); then the total row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from planner import names as n
from planner.errors import Problem
from planner.outputs.labels import get_labels
from planner.outputs.layout import (
    FIRST_ROW,
    HEADER_ROW,
    LAST_MONTH_COL,
    MONTH_COL,
    SCENARIO_ROW,
    TEAM_ROW,
    TOTAL_COL,
)
from planner.tracking.plan_dir import PlanFolder

ACTUALS_SHEETS = tuple(get_labels(lang)["sheet_actuals"] for lang in ("en", "zh"))


def cell_name(row: int, col: int) -> str:
    """A1 name of a zero-based cell.

    Examples
    --------
    >>> cell_name(5, 3)
    'D6'
    """
    return f"{get_column_letter(col + 1)}{row + 1}"


def _where(path: Path, sheet: str, row: int | None = None, col: int | None = None) -> str:
    where = f"{path.name} sheet '{sheet}'"
    return where if row is None or col is None else f"{where} cell {cell_name(row, col)}"


def _problem(path: Path, sheet: str, row: int | None, col: int | None, message: str) -> Problem:
    return Problem(_where(path, sheet, row, col), None, None, None, message)


@dataclass
class _Grid:
    """What one sheet holds: its cell values by (row, col), zero-based."""

    values: dict[tuple[int, int], Any]

    def get(self, row: int, col: int) -> Any:
        return self.values.get((row, col))


def _read_sheet(path: Path, last_row: int) -> tuple[list[str], str | None, _Grid]:
    """Sheet names, the Actuals sheet's name and its cells down to ``last_row``."""
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        names = list(book.sheetnames)
        sheet = next((s for s in ACTUALS_SHEETS if s in names), None)
        values: dict[tuple[int, int], Any] = {}
        if sheet is not None:
            rows = book[sheet].iter_rows(min_row=1, max_row=last_row + 1, max_col=TOTAL_COL + 1,
                                         values_only=True)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is not None:
                        values[(r, c)] = value
        return names, sheet, _Grid(values)
    finally:
        book.close()


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _layout_cells(count: int) -> list[tuple[int, int]]:
    """The text cells that must match planner's workbook (everything but the inputs)."""
    cells = [(0, 0), (TEAM_ROW, 0), (TEAM_ROW, 1), (SCENARIO_ROW, 0), (SCENARIO_ROW, 1),
             (SCENARIO_ROW + 1, 0), (SCENARIO_ROW + 1, 1)]
    cells += [(HEADER_ROW, c) for c in range(TOTAL_COL + 1)]
    cells += [(FIRST_ROW + i, c) for i in range(count) for c in (0, 1)]
    cells.append((FIRST_ROW + count, 0))
    return cells


@dataclass
class _Original:
    """Planner's own workbook of one team."""

    team: str
    path: Path
    sheets: list[str]
    sheet: str
    grid: _Grid
    products: list[str]  # product code of each grid row


def _product_code(label: str, codes: list[str]) -> str | None:
    """The product code a row label ``"code"`` or ``"code name"`` stands for."""
    best = None
    for code in codes:
        if (label == code or label.startswith(code + " ")) and (
                best is None or len(code) > len(best)):
            best = code
    return best


def _originals(folder: PlanFolder, problems: list[Problem]) -> dict[str, _Original]:
    """Planner's workbook of every team, by the team label in cell B2."""
    out: dict[str, _Original] = {}
    for team, path in folder.workbooks.items():
        codes = folder.team_products(team)
        if not path.is_file():
            problems.append(Problem(str(path), None, None, None,
                                    "is missing from the plan folder; re-run planner plan"))
            continue
        sheets, sheet, grid = _read_sheet(path, FIRST_ROW + len(codes))
        if sheet is None:
            problems.append(Problem(str(path), None, None, None,
                                    "has no Actuals sheet; re-run planner plan"))
            continue
        labels = [_text(grid.get(FIRST_ROW + i, 0)) for i in range(len(codes))]
        products = [_product_code(label, codes) or label for label in labels]
        out[_text(grid.get(TEAM_ROW, 1))] = _Original(team, path, sheets, sheet, grid, products)
    return out


def _check_layout(path: Path, sheets: list[str], sheet: str, grid: _Grid,
                  original: _Original, problems: list[Problem]) -> bool:
    """Compare a returned workbook's layout with planner's; False when it differs."""
    ok = True
    if sheets != original.sheets:
        problems.append(Problem(path.name, None, None, None,
                                f"has sheets {', '.join(sheets)} but planner wrote "
                                f"{', '.join(original.sheets)}; return the workbook with its "
                                "sheets as planner wrote them"))
        ok = False
    for row, col in _layout_cells(len(original.products)):
        found, expected = _text(grid.get(row, col)), _text(original.grid.get(row, col))
        if found != expected:
            what = "scenario" if (row, col) == (SCENARIO_ROW, 1) else "text"
            problems.append(_problem(path, sheet, row, col,
                                     f"{what} {found!r}, but planner wrote {expected!r} there "
                                     f"(team {original.team}); a row was moved, renamed or "
                                     "typed over: return the workbook as planner wrote it, "
                                     "with numbers only in the yellow cells"))
            ok = False
    return ok


def _numbers(path: Path, sheet: str, grid: _Grid, original: _Original, year: int,
             problems: list[Problem]) -> list[tuple[str, str, str, float]]:
    """``(team, product, month, amount)`` of every filled input cell."""
    rows = []
    for i, product in enumerate(original.products):
        row = FIRST_ROW + i
        for col in range(MONTH_COL, LAST_MONTH_COL + 1):
            value = grid.get(row, col)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(_problem(
                    path, sheet, row, col,
                    f"{value!r} is {'text' if isinstance(value, str) else type(value).__name__}"
                    ", not a number: type the amount as a plain number (no thousands "
                    "separators, quotes, units or dates), or leave the cell empty"))
                continue
            if value != value or abs(value) == float("inf"):
                problems.append(_problem(path, sheet, row, col,
                                         f"{value!r} is not a finite number"))
                continue
            month = f"{year:04d}-{col - MONTH_COL + 1:02d}"
            rows.append((original.team, product, month, float(value)))
    return rows


def read_workbook_actuals(paths: list[Path], folder: PlanFolder,
                          problems: list[Problem]) -> pd.DataFrame:
    """Actuals of returned team workbooks, checked against the plan folder's.

    Parameters
    ----------
    paths : list of Path
        Returned ``.xlsx`` files, one per team (any file names).
    folder : PlanFolder
        The plan they were written for.
    problems : list of Problem
        Every problem found is appended (the caller raises them together).

    Returns
    -------
    DataFrame
        ``team, product, month, amount``: one row per filled input cell.
    """
    originals = _originals(folder, problems)
    rows: list[tuple[str, str, str, float]] = []
    seen: dict[str, Path] = {}
    longest = max((len(o.products) for o in originals.values()), default=0)
    for path in paths:
        try:
            sheets, sheet, grid = _read_sheet(path, FIRST_ROW + longest)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's problem
            problems.append(Problem(str(path), None, None, None,
                                    f"cannot be read as an Excel workbook ({type(exc).__name__}: "
                                    f"{exc}); return the .xlsx file planner wrote"))
            continue
        if sheet is None:
            problems.append(Problem(path.name, None, None, None,
                                    f"has no sheet {ACTUALS_SHEETS[0]!r} (sheets: "
                                    f"{', '.join(sheets)}); return a team workbook planner wrote"))
            continue
        label = _text(grid.get(TEAM_ROW, 1))
        original = originals.get(label)
        if original is None:
            problems.append(_problem(path, sheet, TEAM_ROW, 1,
                                     f"team {label!r} is not a team of the plan in "
                                     f"{folder.path} (teams: {', '.join(originals)}); return "
                                     "a workbook of this plan"))
            continue
        if original.team in seen:
            problems.append(Problem(path.name, None, None, None,
                                    f"is a second workbook of team {original.team} (the first "
                                    f"is {seen[original.team].name}); give one per team"))
            continue
        seen[original.team] = path
        if _check_layout(path, sheets, sheet, grid, original, problems):
            rows += _numbers(path, sheet, grid, original, folder.year, problems)
    return pd.DataFrame(rows, columns=[n.TEAM, n.PRODUCT, n.MONTH, n.AMOUNT])
