"""Writing cells safely: user text always as text, numbers as numbers, references.

Never call xlsxwriter's ``write()`` with user data: it turns strings that start
with ``=`` into formulas. :func:`put` dispatches on the Python type and sends
every string through ``write_string``.

Examples
--------
>>> ref(4, 2), ref(4, 2, "Targets"), rng(4, 2, 6, 2, "It's")
('C5', "'Targets'!C5", "'It''s'!C5:C7")
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Final

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from planner.outputs.fast_cells import SHORTEST_RUN, FastCellWorksheet, plain_formula
from planner.outputs.printing import print_scale, sheet_pixels
from planner.outputs.safety import cell_text
from planner.outputs.sheet_xml import column_letters, write_rows
from planner.outputs.xlsx_package import FastPackageMixin

#: What xlsxwriter looks for before escaping an attribute's value.
_ATTRIBUTE_ESCAPES: Final = re.compile('["&<>\n]')


class PlainFormulaWorksheet(FastCellWorksheet):
    """A worksheet that skips xlsxwriter's future-function rewriting for plain formulas.

    xlsxwriter runs about 30 regular-expression substitutions on every formula to
    add ``_xlfn.`` prefixes to newer functions; for formulas that only use
    :data:`~planner.outputs.fast_cells.PLAIN_FUNCTIONS` they change nothing and took
    40% of the time of a team workbook. Any other formula goes through xlsxwriter's
    own preparation. Common
    cells are stored and written with fewer calls, exactly as xlsxwriter would
    (:mod:`planner.outputs.fast_cells`, :mod:`planner.outputs.sheet_xml`).

    It also remembers its column widths, so that its print width is chosen from them
    when the workbook closes (:mod:`planner.outputs.printing`).
    """

    def __init__(self) -> None:
        super().__init__()
        self.column_widths: dict[int, float] = {}
        #: Set by :func:`planner.outputs.styles.page_setup`: choose the print width.
        self.fit_on_close = False

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        plain = plain_formula(formula)
        if plain is not None:
            return plain
        return super()._prepare_formula(formula, expand_future_functions)

    def _write_rows(self) -> None:
        """Write the sheet's rows of cells, as xlsxwriter would (:mod:`.sheet_xml`)."""
        if self.constant_memory or self.comments:
            self.settle_runs()
            super()._write_rows()
        else:
            if self.hyperlinks:  # xlsxwriter reads the cells under its links
                self.settle_runs()
            write_rows(self, super()._write_cell)

    def _escape_attributes(self, attribute: Any) -> Any:
        """An attribute's value escaped as xlsxwriter escapes it (a number at once)."""
        if not isinstance(attribute, str) or _ATTRIBUTE_ESCAPES.search(attribute) is None:
            return attribute  # xlsxwriter's search fails on a number: returned as it is
        return (attribute.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
                .replace(">", "&gt;").replace("\n", "&#xA;"))

    def set_column(self, *args: Any, **kwargs: Any) -> Any:
        """Set columns as xlsxwriter does, remembering the width of each column."""
        result = super().set_column(*args, **kwargs)
        first, last = (args + (None, None))[:2]
        width = kwargs.get("width", args[2] if len(args) > 2 else None)
        if isinstance(first, int) and isinstance(last, int) and width is not None:
            for col in range(first, min(last, first + 16_384) + 1):
                self.column_widths[col] = float(width)
        return result

    def fit_print_width(self) -> None:
        """Fit to one page wide when that stays readable, else print across pages."""
        last = self.dim_colmax
        if last is None:
            self.fit_to_pages(1, 0)
            return
        scale = print_scale(sheet_pixels(self.column_widths, int(last)))
        if scale is None:
            self.fit_to_pages(1, 0)
        else:
            self.set_print_scale(scale)


class PlannerWorkbook(FastPackageMixin, Workbook):
    """An xlsxwriter workbook whose worksheets are :class:`PlainFormulaWorksheet`.

    On closing, each sheet set up for printing gets its print width
    (:meth:`PlainFormulaWorksheet.fit_print_width`). Written in memory, its zip file is
    compressed at a faster level (:mod:`planner.outputs.xlsx_package`).
    """

    worksheet_class = PlainFormulaWorksheet

    def close(self) -> None:
        """Choose every sheet's print width, then write the file."""
        for sheet in self.worksheets():
            if isinstance(sheet, PlainFormulaWorksheet) and sheet.fit_on_close:
                sheet.fit_print_width()
        super().close()


def quote_sheet(name: str) -> str:
    """Sheet name as used in a formula: always quoted, inner quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


def _cell(row: int, col: int, absolute: bool) -> str:
    """``xl_rowcol_to_cell(row, col, absolute, absolute)``, column letters cached."""
    if row < 0 or col < 0:
        return xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)  # warns
    return (f"${column_letters(col)}${row + 1}" if absolute
            else f"{column_letters(col)}{row + 1}")


def ref(row: int, col: int, sheet: str | None = None, absolute: bool = False) -> str:
    """A1-style reference of a zero-based cell, optionally on another sheet."""
    cell = _cell(row, col, absolute)
    return cell if sheet is None else f"{quote_sheet(sheet)}!{cell}"


def rng(r1: int, c1: int, r2: int, c2: int, sheet: str | None = None,
        absolute: bool = False) -> str:
    """A1-style range of zero-based cells, optionally on another sheet."""
    first, last = _cell(r1, c1, absolute), _cell(r2, c2, absolute)
    return f"{first}:{last}" if sheet is None else f"{quote_sheet(sheet)}!{first}:{last}"


def col_name(col: int) -> str:
    """Column letters of a zero-based column."""
    return xl_col_to_name(col)


def is_missing(value: object) -> bool:
    """None, NaN, NaT and pandas NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def put(sheet: Worksheet, row: int, col: int, value: object, fmt: Any = None,
        text_fmt: Any = None) -> None:
    """Write one value: text as text, numbers as numbers, missing as blank.

    Parameters
    ----------
    sheet : Worksheet
    row, col : int
        Zero-based cell.
    value : object
        str (written literally), int/float/numpy number, bool, date-like, or
        missing (None/NaN/NaT: a blank cell keeping ``fmt``).
    fmt : Format, optional
        Format of numbers and blanks.
    text_fmt : Format, optional
        Format of text (defaults to ``fmt``).
    """
    if isinstance(value, (bool, np.bool_)):
        sheet.write_boolean(row, col, bool(value), text_fmt or fmt)
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number):
            put_number(sheet, row, col, number, fmt)
        else:
            sheet.write_blank(row, col, None, fmt)
    elif is_missing(value):
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, (pd.Timestamp, datetime, date)):
        put_text(sheet, row, col, pd.Timestamp(value).strftime("%Y-%m-%d"), text_fmt or fmt)
    else:
        put_text(sheet, row, col, value, text_fmt or fmt)


def put_text(sheet: Worksheet, row: int, col: int, value: object, fmt: Any = None) -> None:
    """Write ``value`` as text, whatever it looks like."""
    if isinstance(sheet, FastCellWorksheet):
        sheet.store_string(row, col, cell_text(value), fmt)
    else:
        sheet.write_string(row, col, cell_text(value), fmt)


def put_number(sheet: Worksheet, row: int, col: int, number: float, fmt: Any = None) -> None:
    """Write a finite number (as ``write_number``; NaN and infinity raise ``TypeError``)."""
    if isinstance(sheet, FastCellWorksheet):
        sheet.store_number(row, col, number, fmt)
    else:
        sheet.write_number(row, col, number, fmt)


def put_numbers(sheet: Worksheet, row: int, col: int, block: Any, fmt: Any = None) -> None:
    """Write a 2-D block of finite numbers from ``(row, col)``, all in one format.

    The same cells as ``write_number`` of each value, stored a block at a time
    (:meth:`~planner.outputs.fast_cells.FastCellWorksheet.store_numbers`).

    Parameters
    ----------
    sheet : Worksheet
    row, col : int
        Zero-based top-left cell.
    block : array-like
        Rows of numbers: a 2-D array or a list of equally long lists.
    fmt : Format, optional
    """
    if isinstance(sheet, FastCellWorksheet):
        sheet.store_numbers(row, col, block, fmt)
        return
    rows = block.tolist() if isinstance(block, np.ndarray) else block
    for i, numbers in enumerate(rows, row):
        for j, number in enumerate(numbers, col):
            sheet.write_number(i, j, number, fmt)


def put_blanks(sheet: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int,
               fmt: Any) -> None:
    """Write formatted blank cells over a range (as ``write_blank`` of each cell)."""
    if isinstance(sheet, FastCellWorksheet):
        sheet.store_blanks(first_row, first_col, last_row, last_col, fmt)
        return
    for i in range(first_row, last_row + 1):
        for j in range(first_col, last_col + 1):
            sheet.write_blank(i, j, None, fmt)


def put_row(sheet: Worksheet, row: int, col: int, values: Iterable[object],
            fmt: Any = None, text_fmt: Any = None) -> None:
    """Write values left to right from (row, col) with :func:`put`."""
    for offset, value in enumerate(values):
        put(sheet, row, col + offset, value, fmt, text_fmt)


def put_texts(sheet: Worksheet, row: int, col: int, values: Sequence[object],
              fmt: Any) -> None:
    """Write values as text left to right from ``(row, col)``, as :func:`put_text` of each."""
    if isinstance(sheet, FastCellWorksheet):
        if len(values) < SHORTEST_RUN:  # a run would cost more: cell by cell
            for offset, value in enumerate(values, col):
                sheet.store_string(row, offset, cell_text(value), fmt)
        else:
            sheet.store_strings(row, col, [cell_text(value) for value in values], fmt)
        return
    for offset, value in enumerate(values):
        sheet.write_string(row, col + offset, cell_text(value), fmt)


def put_headers(sheet: Worksheet, row: int, col: int, headers: Sequence[object],
                fmt: Any) -> None:
    """Write a header row; headers that come from data are text too."""
    put_texts(sheet, row, col, headers, fmt)


def put_frame(sheet: Worksheet, row: int, col: int, frame: pd.DataFrame,
              headers: Sequence[str], formats: Sequence[Any], header_fmt: Any,
              text_fmt: Any = None) -> int:
    """Write a header row and the frame's rows below it; return the next free row.

    ``formats`` gives one number format per column, or a function of the value
    returning one (text uses ``text_fmt``). Values go through :func:`put`, so
    strings stay text.
    """
    put_headers(sheet, row, col, headers, header_fmt)
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=row + 1):
        for j, value in enumerate(values):
            fmt = formats[j](value) if callable(formats[j]) else formats[j]
            put(sheet, i, col + j, value, fmt, text_fmt)
    return row + 1 + len(frame)


def cached_value(cached: object) -> object:
    """A formula's cached value as stored: missing or non-finite ones as ``""``.

    Examples
    --------
    >>> cached_value(2), cached_value(float("nan")), cached_value(None), cached_value("x")
    (2.0, '', '', 'x')
    """
    kind = cached.__class__
    if kind is str:  # the common cases first
        return cached
    if kind is float:
        return cached if math.isfinite(cached) else ""  # type: ignore[arg-type]
    if isinstance(cached, (int, float, np.integer, np.floating)) and not isinstance(cached, bool):
        return float(cached) if math.isfinite(float(cached)) else ""
    return "" if is_missing(cached) else cached


def formula(sheet: Worksheet, row: int, col: int, text: str, fmt: Any,
            cached: object = 0) -> None:
    """Write a formula built by this package (never from user text) with its cached value.

    The cached value is what viewers that do not recalculate show; missing or
    non-finite cached values are stored as ``""`` (:func:`cached_value`).
    """
    value = cached if cached.__class__ is str else cached_value(cached)
    if isinstance(sheet, FastCellWorksheet):
        sheet.store_formula(row, col, text, fmt, value)
    else:
        sheet.write_formula(row, col, text, fmt, value)


def put_formulas(sheet: Worksheet, row: int, col: int, texts: Sequence[str], fmt: Any,
                 cached: Sequence[object]) -> None:
    """Write formulas left to right from ``(row, col)``, as :func:`formula` of each.

    Parameters
    ----------
    sheet : Worksheet
    row, col : int
        Zero-based first cell.
    texts : sequence of str
        The formulas (built by this package, never from user text).
    fmt : Format
        Format of every cell.
    cached : sequence
        Each formula's cached value (as :func:`formula` takes it).
    """
    values = [value if value.__class__ is str else cached_value(value) for value in cached]
    if isinstance(sheet, FastCellWorksheet):
        sheet.store_formulas(row, col, texts, fmt, values)
        return
    for j, (text, value) in enumerate(zip(texts, values, strict=True), col):
        sheet.write_formula(row, j, text, fmt, value)


def text_width(values: Iterable[object], minimum: float = 8, maximum: float = 40) -> float:
    """Column width fitting the longest text (CJK characters count double)."""
    longest = 0
    for value in values:
        text = cell_text(value)
        width = len(text) if text.isascii() else sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
        longest = max(longest, width)
    return float(min(max(longest + 2, minimum), maximum))
