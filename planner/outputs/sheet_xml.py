"""A worksheet's cells as XML, byte for byte what xlsxwriter writes, with fewer calls.

xlsxwriter writes each cell of ``<sheetData>`` through several small methods (the cell
reference, a list of attributes each checked for characters to escape, a writer per
element), about 10 microseconds a cell; a team workbook holds some 5,000 cells, and an
organisation 400 team workbooks. :func:`write_rows` writes the same rows and cells
with one formatted string per cell and one write per row. It handles the cells the
workbooks of this package hold (numbers, shared strings, formulas and blanks, each with
a format); any other cell (no format, rich strings, booleans, array formulas, errors)
is handed to xlsxwriter's own ``_write_cell``, and a sheet with comments or in
``constant_memory`` mode is written by xlsxwriter whole. The tests compare both
writers' XML byte for byte.
"""

from __future__ import annotations

import re
from typing import Any, Final

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

#: Formula results xlsxwriter marks as errors (``t="e"``).
ERROR_CODES: Final = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!",
                                "#VALUE!"))
_ESCAPES: Final = re.compile('["&<>\n]')  # what xlsxwriter looks for before escaping
_COLUMNS: list[str] = []


def column_letters(col: int) -> str:
    """Letters of a zero-based column (cached).

    Examples
    --------
    >>> column_letters(0), column_letters(27)
    ('A', 'AB')
    """
    while len(_COLUMNS) <= col:
        _COLUMNS.append(xl_col_to_name(len(_COLUMNS)))
    return _COLUMNS[col]


def escape_data(data: Any) -> Any:
    """Escape ``& < >`` in text as xlsxwriter does in element data (other values as given).

    Examples
    --------
    >>> escape_data("=IF(A1<2,'a&b',1)"), escape_data(2.5)
    ("=IF(A1&lt;2,'a&amp;b',1)", 2.5)
    """
    if isinstance(data, str) and _ESCAPES.search(data):
        return data.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return data


def cell_xml(ref: str, cell: Any) -> str | None:
    """The ``<c>`` element of a cell with a format, or None when xlsxwriter must write it.

    Parameters
    ----------
    ref : str
        The cell's A1 reference.
    cell : namedtuple
        xlsxwriter's stored cell (its class name says its kind).

    Returns
    -------
    str or None
    """
    fmt = cell.format
    if fmt is None:
        return None  # a row's or column's format applies: xlsxwriter decides
    kind = cell.__class__.__name__
    style = fmt._get_xf_index()
    if kind == "Number" or kind == "Datetime":
        return f'<c r="{ref}" s="{style}"><v>{cell.number:.16G}</v></c>'
    if kind == "String":
        return f'<c r="{ref}" s="{style}" t="s"><v>{cell.string}</v></c>'
    if kind == "Blank":
        return f'<c r="{ref}" s="{style}"/>'
    if kind == "Formula":
        value = cell.value
        kind_attr = ""
        if isinstance(value, bool):
            kind_attr, value = ' t="b"', 1 if value else 0
        elif isinstance(value, str) and value != "":
            kind_attr = ' t="e"' if value in ERROR_CODES else ' t="str"'
        return (f'<c r="{ref}" s="{style}"{kind_attr}><f>{escape_data(cell.formula)}</f>'
                f'<v>{escape_data(value)}</v></c>')
    return None


def calculate_spans(sheet: Worksheet) -> None:
    """Set ``sheet.row_spans`` as xlsxwriter's ``_calculate_spans`` does (no comments)."""
    spans: dict[int, str] = {}
    low: int | None = None
    high = 0
    table = sheet.table
    last = sheet.dim_rowmax
    for row in range(sheet.dim_rowmin, last + 1):
        cells = table.get(row)
        if cells:
            first, final = min(cells), max(cells)
            if low is None:
                low, high = first, final
            else:
                low, high = min(low, first), max(high, final)
        if (row + 1) % 16 == 0 or row == last:
            if low is not None:
                spans[row // 16] = f"{low + 1}:{high + 1}"
                low = None
    sheet.row_spans = spans


def write_rows(sheet: Worksheet, fallback: Any) -> None:
    """Write the rows of ``sheet``'s ``<sheetData>`` to its XML file handle.

    Parameters
    ----------
    sheet : Worksheet
        A worksheet whose dimensions are set (it holds at least one cell), without
        comments and not in ``constant_memory`` mode.
    fallback : callable
        xlsxwriter's ``_write_cell(row, col, cell)``, for the cells :func:`cell_xml`
        leaves to it.
    """
    calculate_spans(sheet)
    table, row_info, spans = sheet.table, sheet.row_info, sheet.row_spans
    write = sheet.fh.write
    for row in range(sheet.dim_rowmin, sheet.dim_rowmax + 1):
        cells = table.get(row)
        if not cells:
            if row in row_info:  # a blank row with attributes only
                sheet._write_empty_row(row, spans.get(row // 16), row_info[row])
            continue
        sheet._write_row(row, spans.get(row // 16), row_info.get(row))
        number = str(row + 1)
        parts: list[str] = []
        for col in sorted(cells):
            cell = cells[col]
            text = cell_xml(column_letters(col) + number, cell)
            if text is None:
                write("".join(parts))
                parts = []
                fallback(row, col, cell)
            else:
                parts.append(text)
        parts.append("</row>")
        write("".join(parts))
