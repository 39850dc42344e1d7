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
from functools import lru_cache
from typing import Any, Final

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from planner.outputs.cell_kinds import BlankCell, FormulaCell, NumberCell, StringCell
from planner.outputs.cell_runs import Run, run_template, run_xml

#: Formula results xlsxwriter marks as errors (``t="e"``).
ERROR_CODES: Final = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!",
                                "#VALUE!"))
_ESCAPES: Final = re.compile('["&<>\n]')  # what xlsxwriter looks for before escaping
_COLUMNS: list[str] = []
_KINDS: Final = frozenset((NumberCell, StringCell, FormulaCell, BlankCell))
#: Formulas whose escaped text is remembered (they recur in every team workbook).
FORMULA_MEMORY: Final = 50_000


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
    """Set ``sheet.row_spans`` as xlsxwriter's ``_calculate_spans`` does (no comments).

    The columns of the sheet's runs of cells (:mod:`planner.outputs.cell_runs`) count.
    """
    spans: dict[int, str] = {}
    low: int | None = None
    high = 0
    table = sheet.table
    runs = getattr(sheet, "runs", None)
    run_rows = runs.rows if runs else {}
    last = sheet.dim_rowmax
    for row in range(sheet.dim_rowmin, last + 1):
        cells = table.get(row)
        bounds = [min(cells), max(cells)] if cells else []
        if row in run_rows:
            bounds.extend(runs.span(row))  # type: ignore[union-attr]
        if bounds:
            first, final = min(bounds), max(bounds)
            if low is None:
                low, high = first, final
            else:
                low, high = min(low, first), max(high, final)
        if (row + 1) % 16 == 0 or row == last:
            if low is not None:
                spans[row // 16] = f"{low + 1}:{high + 1}"
                low = None
    sheet.row_spans = spans


def _row_entries(cells: dict[int, Any] | None, runs: list[Run]) -> list[tuple[int, Any]]:
    """A row's ordinary cells and runs, left to right (a run under later cells split)."""
    entries = list(cells.items()) if cells else []
    for run in runs:
        if cells and any(run.first <= col <= run.last for col in cells):
            entries.extend((col, cell) for col, cell in run.cells() if col not in cells)
        else:
            entries.append((run.first, run))
    entries.sort(key=_first)
    return entries


def _first(entry: tuple[int, Any]) -> int:
    return entry[0]


@lru_cache(maxsize=FORMULA_MEMORY)
def _formula_text(formula: str) -> str:
    """A formula as element data (escaped as xlsxwriter does), remembered."""
    return escape_data(formula)


def _formula_xml(ref: str, style: str, cell: Any) -> str:
    """The ``<c>`` element of a formula cell with a format (as :func:`cell_xml`)."""
    value = cell[2]
    kind_attr = ""
    if isinstance(value, bool):
        kind_attr, value = ' t="b"', 1 if value else 0
    elif isinstance(value, str) and value != "":
        kind_attr = ' t="e"' if value in ERROR_CODES else ' t="str"'
        value = escape_data(value)
    return (f'<c r="{ref}" s="{style}"{kind_attr}><f>{_formula_text(cell[0])}</f>'
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
    calculate_spans(sheet)
    table, row_info, spans = sheet.table, sheet.row_info, sheet.row_spans
    runs = getattr(sheet, "runs", None)
    run_rows = runs.rows if runs else {}
    write = sheet.fh.write
    if sheet.dim_colmax is not None:
        column_letters(sheet.dim_colmax)  # every column's letters, for the loop below
    letters = _COLUMNS
    styles: dict[Any, str] = {}  # format -> its style index, as text
    templates: dict[tuple[int, int, bool, str], str] = {}  # a run's cells, by row
    number_cell, string_cell, formula_cell, blank_cell = NumberCell, StringCell, FormulaCell, \
        BlankCell
    for row in range(sheet.dim_rowmin, sheet.dim_rowmax + 1):
        cells = table.get(row)
        row_runs = run_rows.get(row)
        if not cells and not row_runs:
            if row in row_info:  # a blank row with attributes only
                sheet._write_empty_row(row, spans.get(row // 16), row_info[row])
            continue
        sheet._write_row(row, spans.get(row // 16), row_info.get(row))
        number = str(row + 1)
        parts: list[str] = []
        entries = _row_entries(cells, row_runs) if row_runs else sorted(cells.items())
        for col, cell in entries:
            kind = cell.__class__
            if kind is blank_cell:
                fmt = cell[0]
            elif kind is Run:
                fmt = cell.fmt
            else:
                fmt = cell[1] if kind in _KINDS else None
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
            if kind is number_cell:
                parts.append(f'<c r="{letters[col]}{number}" s="{style}">'
                             f"<v>{cell[0]:.16G}</v></c>")
            elif kind is string_cell:
                parts.append(f'<c r="{letters[col]}{number}" s="{style}" t="s">'
                             f"<v>{cell[0]}</v></c>")
            elif kind is formula_cell:
                parts.append(_formula_xml(letters[col] + number, style, cell))
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
