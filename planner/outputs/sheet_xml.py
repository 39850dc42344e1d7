"""A worksheet's cells as XML, byte for byte what xlsxwriter writes, with fewer calls.

xlsxwriter writes each cell of ``<sheetData>`` through several small methods (the cell
reference, a list of attributes each checked for characters to escape, a writer per
element), about 10 microseconds a cell; a team workbook holds some 5,000 cells, and an
organisation 400 team workbooks. :func:`write_rows` writes the same rows and cells
with one formatted string per cell (a run of cells, :mod:`planner.outputs.cell_runs`,
with one string operation) and one write per row, the row's start tag included. It
handles the cells the workbooks of this package hold (numbers, shared strings, formulas
and blanks, each with a format); any other cell (no format, rich strings, booleans,
array formulas, errors) is handed to xlsxwriter's own ``_write_cell``, and a sheet with
comments or in ``constant_memory`` mode is written by xlsxwriter whole. The tests compare
both writers' XML byte for byte.
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import itemgetter
from typing import Any, Final

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from planner.outputs.cell_kinds import BlankCell, FormulaCell, NumberCell, StringCell
from planner.outputs.cell_runs import Run, XmlRun, run_template, run_xml, xml_of

#: Formula results xlsxwriter marks as errors (``t="e"``).
ERROR_CODES: Final = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!",
                                "#VALUE!"))
_ESCAPES: Final = re.compile('["&<>\n]')  # what xlsxwriter looks for before escaping
#: Letters of the columns met so far, by position (see :func:`column_letters`).
COLUMNS: list[str] = []
_FIRST: Final = itemgetter(0)
#: Formulas whose escaped text is remembered (they recur in every team workbook).
FORMULA_MEMORY: Final = 50_000


def column_letters(col: int) -> str:
    """Letters of a zero-based column (cached).

    Examples
    --------
    >>> column_letters(0), column_letters(27)
    ('A', 'AB')
    """
    while len(COLUMNS) <= col:
        COLUMNS.append(xl_col_to_name(len(COLUMNS)))
    return COLUMNS[col]


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
    """Set ``sheet.row_spans`` as xlsxwriter's ``_calculate_spans`` does (no comments).

    The columns of the sheet's runs of cells (:mod:`planner.outputs.cell_runs`) count.
    """
    _sheet_rows(sheet)


def _sheet_rows(sheet: Worksheet) -> list[tuple[int, list[tuple[int, Any]] | None]]:
    """The rows to write, each with its cells and runs left to right; set the spans.

    A row with attributes only comes with None. ``sheet.row_spans`` is set as
    xlsxwriter's ``_calculate_spans`` sets it (no comments): per 16 rows, the first and
    last column of their cells and runs.
    """
    table, row_info = sheet.table, sheet.row_info
    runs = getattr(sheet, "runs", None)
    run_rows = runs.rows if runs else {}
    spans: dict[int, str] = {}
    rows: list[tuple[int, list[tuple[int, Any]] | None]] = []
    cell: Any
    low: int | None = None
    high = 0
    last = sheet.dim_rowmax
    for row in range(sheet.dim_rowmin, last + 1):
        cells = table.get(row)
        row_runs = run_rows.get(row)
        if cells or row_runs:
            entries: list[tuple[int, Any]] = (_row_entries(cells, row_runs) if row_runs
                                              else sorted(cells.items()))
            rows.append((row, entries))
            first = entries[0][0]
            final, cell = entries[-1]  # runs and cells never overlap: the last ends last
            if isinstance(cell, (Run, XmlRun)):
                final = cell.last
            if low is None:
                low, high = first, final
            else:
                low, high = min(low, first), max(high, final)
        elif row in row_info:
            rows.append((row, None))
        if (row + 1) % 16 == 0 or row == last:
            if low is not None:
                spans[row // 16] = f"{low + 1}:{high + 1}"
                low = None
    sheet.row_spans = spans
    return rows


def _row_entries(cells: dict[int, Any] | None,
                 runs: list[Run | XmlRun]) -> list[tuple[int, Any]]:
    """A row's ordinary cells and runs, left to right (a run under later cells split)."""
    cells = cells or {}
    entries = list(cells.items())
    for run in runs:
        first, last = run.first, run.last
        for col in cells:
            if first <= col <= last:  # a later cell over the run: its other cells
                entries.extend((col, cell) for col, cell in run.cells() if col not in cells)
                break
        else:
            entries.append((first, run))
    entries.sort(key=_FIRST)
    return entries


@lru_cache(maxsize=FORMULA_MEMORY)
def formula_text(formula: str) -> str:
    """A formula as element data (escaped as xlsxwriter does), remembered."""
    return escape_data(formula)


def formula_xml(ref: str, style: str, cell: Any) -> str:
    """The ``<c>`` element of a formula cell with a format (as :func:`cell_xml`)."""
    value = cell[2]
    kind_attr = ""
    if isinstance(value, bool):
        kind_attr, value = ' t="b"', 1 if value else 0
    elif isinstance(value, str) and value != "":
        kind_attr = ' t="e"' if value in ERROR_CODES else ' t="str"'
        value = escape_data(value)
    return (f'<c r="{ref}" s="{style}"{kind_attr}><f>{formula_text(cell[0])}</f>'
            f"<v>{value}</v></c>")


def write_rows(sheet: Worksheet, fallback: Any) -> None:
    """Write the rows of ``sheet``'s ``<sheetData>`` to its XML file handle.

    The common cells (numbers, shared strings, formulas and blanks with a format) are
    written here; every other one by ``fallback``. Each format's style index is asked
    for when a cell first uses it, in xlsxwriter's order (row by row, left to right),
    so the workbook numbers its styles as xlsxwriter would.

    Parameters
    ----------
    sheet : Worksheet
        A worksheet whose dimensions are set (it holds at least one cell), without
        comments and not in ``constant_memory`` mode.
    fallback : callable
        xlsxwriter's ``_write_cell(row, col, cell)``, for the cells :func:`cell_xml`
        leaves to it.
    """
    rows = _sheet_rows(sheet)
    row_info, spans = sheet.row_info, sheet.row_spans
    write = sheet.fh.write
    if sheet.dim_colmax is not None:
        column_letters(sheet.dim_colmax)  # every column's letters, for the loop below
    letters = COLUMNS
    # a row without attributes starts with the tag xlsxwriter's ``_write_row`` writes
    plain_rows = (sheet.excel_version != 2010
                  and sheet.default_row_height == sheet.original_row_height)
    styles: dict[Any, str] = {}  # format -> its style index, as text
    templates: dict[tuple[int, int, bool, str], str] = {}  # a run's cells, by row
    number_cell, string_cell, formula_cell, blank_cell = NumberCell, StringCell, FormulaCell, \
        BlankCell
    for row, entries in rows:
        if entries is None:  # a blank row with attributes only
            sheet._write_empty_row(row, spans.get(row // 16), row_info[row])
            continue
        number = str(row + 1)
        if plain_rows and row not in row_info:
            span = spans.get(row // 16)
            parts = [f'<row r="{number}" spans="{span}">' if span else f'<row r="{number}">']
        else:
            sheet._write_row(row, spans.get(row // 16), row_info.get(row))
            parts = []
        for col, cell in entries:
            kind = cell.__class__
            if kind is string_cell or kind is formula_cell or kind is number_cell:
                fmt = cell[1]
            elif kind is Run or kind is XmlRun:
                fmt = cell.fmt
            elif kind is blank_cell:
                fmt = cell[0]
            else:
                fmt = None
            if fmt is None:  # another kind of cell, or a row's or column's format
                text = cell_xml(letters[col] + number, cell)
                if text is None:
                    write("".join(parts))
                    parts = []
                    fallback(row, col, cell)
                else:
                    parts.append(text)
                continue
            style = styles.get(fmt)
            if style is None:
                style = styles[fmt] = str(fmt._get_xf_index())
            if kind is string_cell:
                parts.append(f'<c r="{letters[col]}{number}" s="{style}" t="s">'
                             f"<v>{cell[0]}</v></c>")
            elif kind is formula_cell:
                parts.append(formula_xml(letters[col] + number, style, cell))
            elif kind is number_cell:
                parts.append(f'<c r="{letters[col]}{number}" s="{style}">'
                             f"<v>{cell[0]:.16G}</v></c>")
            elif kind is XmlRun:
                parts.append(xml_of(cell, style))
            elif kind is Run:
                key = (cell.first, cell.last, cell.numbers is None, style)
                template = templates.get(key)
                if template is None:
                    template = templates[key] = run_template(letters, cell, style)
                parts.append(run_xml(template, number, cell))
            else:
                parts.append(f'<c r="{letters[col]}{number}" s="{style}"/>')
        parts.append("</row>")
        write("".join(parts))
