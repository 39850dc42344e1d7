"""Storing cells in an xlsxwriter worksheet with fewer calls, exactly as xlsxwriter would.

Each ``write_number`` of xlsxwriter passes through a decorator that accepts ``"A1"``
references, NaN and infinity checks and the bounds check before the cell is stored;
``write_formula`` also runs a regular expression for dynamic-array functions. A team
workbook writes some 6,000 cells and an organisation 400 team workbooks.
:class:`FastCellWorksheet` stores the common cases (row and column as ints, a finite
number, a plain text, a formula of :data:`PLAIN_FUNCTIONS` only, a formatted blank)
directly: the same dimensions, the same shared strings in the same order, the same
stored cell. Anything else (``"A1"`` references, keyword arguments, NaN, long text,
other functions, ``constant_memory`` mode) goes to xlsxwriter's own method.

Besides xlsxwriter's ``write_*`` methods it has ``store_*`` methods for this package's
writers: one cell with positional arguments (:meth:`FastCellWorksheet.store_number`,
``store_string``, ``store_formula``, ``store_blank``), or a whole block of cells with
one format (:meth:`FastCellWorksheet.store_numbers`, ``store_blanks``, and a row of
texts or formulas, ``store_strings``, ``store_formulas``), whose bounds are checked once
per block. A row of texts or formulas is kept with its XML, made from a template
remembered per row, column and formulas (:class:`~planner.outputs.cell_runs.XmlRun`).
Every ``store_*`` method stores what the ``write_*`` method of each cell would, and
hands any case it does not handle to it; a blank merge across one row
(:meth:`FastCellWorksheet.merge_range`) stores its blanks the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Final

import numpy as np
from xlsxwriter.utility import xl_range
from xlsxwriter.worksheet import Worksheet

from planner.errors import OutputError
from planner.outputs.cell_kinds import BlankCell, FormulaCell, NumberCell, StringCell
from planner.outputs.cell_runs import STYLE_MARK, RowRuns, Run, XmlRun
from planner.outputs.sheet_xml import COLUMNS as _LETTERS
from planner.outputs.sheet_xml import ERROR_CODES, column_letters, escape_data, formula_text

#: The only functions this package's formulas use: Excel, LibreOffice and the
#: ``formulas`` package all evaluate them, and none needs an ``_xlfn.`` prefix.
PLAIN_FUNCTIONS: Final = frozenset({"IF", "SUM", "COUNT", "MIN", "SUMPRODUCT"})
_FUNCTION: Final = re.compile(r"([A-Z][A-Z0-9.]*)\(")
#: Formulas remembered by :func:`plain_formula` (the same few thousand texts recur in
#: every team workbook); the least recently used go first when it holds more.
PLAIN_MEMORY: Final = 50_000
#: Rows of texts and of formulas whose XML templates are remembered (the same few hundred
#: recur in every team workbook of a plan; a template is a few kilobytes at most).
RUN_MEMORY: Final = 4096
#: Fewer texts in a row than this are stored cell by cell (a run costs more).
SHORTEST_RUN: Final = 4
_NEW: Final = tuple.__new__  # a cell without the Python-level ``__new__`` of namedtuple


@lru_cache(maxsize=PLAIN_MEMORY)
def plain_formula(formula: str) -> str | None:
    """``formula`` without its ``=`` when it calls only :data:`PLAIN_FUNCTIONS`, else None.

    Such a formula needs none of xlsxwriter's rewriting (``_xlfn.`` prefixes, array or
    dynamic-array handling). Answers are remembered (see :data:`PLAIN_MEMORY`).

    Examples
    --------
    >>> plain_formula("=SUM(A1:A3)"), plain_formula("=XLOOKUP(1,A:A,B:B)")
    ('SUM(A1:A3)', None)
    """
    if formula.startswith("{") or not set(_FUNCTION.findall(formula)) <= PLAIN_FUNCTIONS:
        return None
    return formula[1:] if formula.startswith("=") else formula


class FastCellWorksheet(Worksheet):
    """A worksheet whose common cell writes skip xlsxwriter's per-call checks (see module).

    Attributes
    ----------
    runs : RowRuns
        Blocks of numbers and blanks stored a row at a time
        (:mod:`planner.outputs.cell_runs`), beside xlsxwriter's cell table.
    """

    def __init__(self) -> None:
        super().__init__()
        self.runs = RowRuns()

    def _plain_cell(self, args: tuple[Any, ...], kwargs: dict[str, Any], least: int,
                    most: int) -> bool:
        """Whether a write's arguments are ``row, col, ...`` ints in a normal sheet."""
        return (not kwargs and least <= len(args) <= most and not self.constant_memory
                and type(args[0]) is int and type(args[1]) is int)

    def write_number(self, *args: Any, **kwargs: Any) -> Any:
        """Write a number, as xlsxwriter's ``write_number``."""
        if self._plain_cell(args, kwargs, 3, 4):
            number = args[2]
            if type(number) in (float, int) and number - number == 0:  # finite
                if self._check_dimensions(args[0], args[1]):
                    return -1
                self.table[args[0]][args[1]] = _NEW(NumberCell, (
                    number, args[3] if len(args) > 3 else None))
                return 0
        return super().write_number(*args, **kwargs)

    def write_string(self, *args: Any, **kwargs: Any) -> Any:
        """Write a text, as xlsxwriter's ``write_string``."""
        if self._plain_cell(args, kwargs, 3, 4):
            text = args[2]
            if type(text) is str and len(text) <= self.xls_strmax // 2:  # never truncated
                if self._check_dimensions(args[0], args[1]):
                    return -1
                index = self.str_table._get_shared_string_index(text)
                self.table[args[0]][args[1]] = _NEW(StringCell, (
                    index, args[3] if len(args) > 3 else None))
                return 0
        return super().write_string(*args, **kwargs)

    def write_formula(self, *args: Any, **kwargs: Any) -> Any:
        """Write a formula, as xlsxwriter's ``write_formula``."""
        if self._plain_cell(args, kwargs, 3, 5) and type(args[2]) is str and args[2]:
            formula = plain_formula(args[2])
            if formula is not None:
                if self._check_dimensions(args[0], args[1]):
                    return -1
                self.table[args[0]][args[1]] = _NEW(FormulaCell, (
                    formula, args[3] if len(args) > 3 else None,
                    args[4] if len(args) > 4 else 0))
                return 0
        return super().write_formula(*args, **kwargs)

    def write_blank(self, *args: Any, **kwargs: Any) -> Any:
        """Write a formatted blank cell, as xlsxwriter's ``write_blank``."""
        if self._plain_cell(args, kwargs, 3, 4):
            fmt = args[3] if len(args) > 3 else None
            if fmt is None:
                return 0  # xlsxwriter stores no blank without a format
            if self._check_dimensions(args[0], args[1]):
                return -1
            self.table[args[0]][args[1]] = _NEW(BlankCell, (fmt,))
            return 0
        return super().write_blank(*args, **kwargs)

    def merge_range(self, *args: Any, **kwargs: Any) -> Any:
        """Merge a range, as xlsxwriter's ``merge_range``.

        A blank merge across one row (``""`` in a format) stores its blanks at once: the
        first cell, then the others as one run.
        """
        if not kwargs and len(args) == 6 and not self.constant_memory \
                and all(type(arg) is int for arg in args[:4]) and args[0] == args[2] \
                and args[1] < args[3] and type(args[4]) is str and args[4] == "" \
                and args[5] is not None:
            row, first, _, last, _, fmt = args
            cells = [(row, col) for col in range(first, last + 1)]
            merged, tables = self.merged_cells, self.table_cells
            if not any(merged.get(cell) or tables.get(cell) for cell in cells) \
                    and self._block_fits(row, first, 1, last - first + 1):
                cell_range = xl_range(row, first, row, last)
                for cell in cells:
                    merged[cell] = cell_range
                self.merge.append([row, first, row, last])
                self.store_blank(row, first, fmt)
                self.store_blanks(row, first + 1, row, last, fmt)
                return 0
        return super().merge_range(*args, **kwargs)

    # -- this package's writers: positional cells and blocks -----------------------

    def _fits(self, row: object, col: object) -> bool:
        """Whether a cell at ``row, col`` (ints) is stored here; widen the dimensions.

        As ``not self._check_dimensions(row, col)`` of xlsxwriter, in one call.
        """
        if type(row) is not int or type(col) is not int or self.constant_memory \
                or row < 0 or col < 0 or row >= self.xls_rowmax or col >= self.xls_colmax:
            return False
        sheet: Any = self  # xlsxwriter's dimensions are untyped
        low = sheet.dim_rowmin
        if low is None:
            sheet.dim_rowmin = sheet.dim_rowmax = row
        elif row < low:
            sheet.dim_rowmin = row
        elif row > sheet.dim_rowmax:
            sheet.dim_rowmax = row
        low = sheet.dim_colmin
        if low is None:
            sheet.dim_colmin = sheet.dim_colmax = col
        elif col < low:
            sheet.dim_colmin = col
        elif col > sheet.dim_colmax:
            sheet.dim_colmax = col
        return True

    def store_number(self, row: int, col: int, number: float, fmt: Any = None) -> None:
        """Store a number as ``write_number(row, col, number, fmt)`` would."""
        if (type(number) is float or type(number) is int) and number - number == 0 \
                and self._fits(row, col):
            self.table[row][col] = _NEW(NumberCell, (number, fmt))
        else:
            self.write_number(row, col, number, fmt)

    def store_string(self, row: int, col: int, text: str, fmt: Any = None) -> None:
        """Store a text as ``write_string(row, col, text, fmt)`` would."""
        if type(text) is str and len(text) <= self.xls_strmax // 2 and self._fits(row, col):
            self.table[row][col] = _NEW(StringCell, (
                self.str_table._get_shared_string_index(text), fmt))
        else:
            self.write_string(row, col, text, fmt)

    def store_formula(self, row: int, col: int, formula: str, fmt: Any = None,
                      value: object = 0) -> None:
        """Store a formula as ``write_formula(row, col, formula, fmt, value)`` would."""
        plain = plain_formula(formula) if type(formula) is str and formula else None
        if plain is not None and self._fits(row, col):
            self.table[row][col] = _NEW(FormulaCell, (plain, fmt, value))
        else:
            self.write_formula(row, col, formula, fmt, value)

    def store_blank(self, row: int, col: int, fmt: Any) -> None:
        """Store a formatted blank as ``write_blank(row, col, None, fmt)`` would."""
        if fmt is not None and self._fits(row, col):
            self.table[row][col] = _NEW(BlankCell, (fmt,))
        else:
            self.write_blank(row, col, None, fmt)

    def _block_fits(self, row: int, col: int, height: int, width: int) -> bool:
        """Whether a block of cells from ``row, col`` is stored whole; widen the dimensions.

        Checking the two corners widens the dimensions as storing every cell would.
        """
        return (height > 0 and width > 0 and self._fits(row + height - 1, col + width - 1)
                and self._fits(row, col))

    def store_numbers(self, row: int, col: int, block: Any, fmt: Any = None) -> None:
        """Store a 2-D block of numbers from ``row, col``, as ``write_number`` of each.

        Parameters
        ----------
        row, col : int
            Zero-based top-left cell.
        block : array-like
            Rows of numbers (a 2-D array or a list of equally long lists).
        fmt : Format, optional
            Format of every cell.

        Raises
        ------
        OutputError
            ``block`` is not two-dimensional.
        """
        values = np.asarray(block)
        if values.ndim != 2:
            raise OutputError(f"a block of cells needs rows of numbers: got {values.ndim} "
                              "dimension(s); pass a 2-D array or a list of rows")
        if fmt is None or values.dtype.kind not in "iuf" or not np.isfinite(values).all() \
                or not self._block_fits(row, col, *values.shape):  # cell by cell
            for i, numbers in enumerate(_rows_of(block), row):
                for j, number in enumerate(numbers, col):
                    self.write_number(i, j, number, fmt)
            return
        width = values.shape[1]
        table, runs = self.table, self.runs
        for i, numbers in enumerate(values.tolist(), row):
            runs.add(table, i, Run(col, col + width - 1, tuple(numbers), fmt))

    def store_blanks(self, first_row: int, first_col: int, last_row: int, last_col: int,
                     fmt: Any) -> None:
        """Store formatted blanks in a range, as ``write_blank`` of each cell."""
        height, width = last_row - first_row + 1, last_col - first_col + 1
        if fmt is None or not self._block_fits(first_row, first_col, height, width):
            for i in range(first_row, last_row + 1):
                for j in range(first_col, last_col + 1):
                    self.write_blank(i, j, None, fmt)
            return
        run = Run(first_col, last_col, None, fmt)
        table, runs = self.table, self.runs
        for i in range(first_row, last_row + 1):
            runs.add(table, i, run)

    def store_strings(self, row: int, col: int, texts: Sequence[str], fmt: Any) -> None:
        """Store texts left to right from ``row, col``, as ``write_string`` of each.

        With a format, in bounds and none too long, :data:`SHORTEST_RUN` or more are one
        :class:`XmlRun`.
        """
        width = len(texts)
        strmax = self.xls_strmax // 2
        if width < SHORTEST_RUN or fmt is None \
                or not all(type(text) is str and len(text) <= strmax for text in texts) \
                or not self._block_fits(row, col, 1, width):
            for j, text in enumerate(texts, col):
                self.store_string(row, j, text, fmt)
            return
        index = self.str_table._get_shared_string_index
        indexes = tuple([index(text) for text in texts])
        self.runs.add(self.table, row, XmlRun(
            col, col + width - 1, string_run_template(row, col, width) % indexes, fmt,
            StringCell, tuple(zip(indexes))))

    def store_formulas(self, row: int, col: int, formulas: Sequence[str], fmt: Any,
                       values: Sequence[object]) -> None:
        """Store formulas left to right from ``row, col``, as ``write_formula`` of each.

        ``values`` are the cached results (as :meth:`store_formula` takes them). With a
        format, in bounds and each of :data:`PLAIN_FUNCTIONS` only, they are one
        :class:`XmlRun`.
        """
        width = len(formulas)
        made = None
        if fmt is not None and width == len(values) and width \
                and all(type(text) is str for text in formulas):
            made = formula_run_template(row, col, tuple(formulas))
        if made is None or not self._block_fits(row, col, 1, width):  # cell by cell
            for j, (text, value) in enumerate(zip(formulas, values, strict=True), col):
                self.store_formula(row, j, text, fmt, value)
            return
        template, plain = made
        self.runs.add(self.table, row, XmlRun(
            col, col + width - 1, template % value_fields(values), fmt, FormulaCell,
            tuple(zip(plain, values, strict=True))))

    # -- what reads the cell table itself sees the runs' cells ---------------------

    def settle_runs(self) -> None:
        """Turn the stored runs into ordinary cells (:meth:`RowRuns.settle`)."""
        if self.runs:
            self.runs.settle(self.table)

    def _get_range_data(self, *args: Any, **kwargs: Any) -> Any:
        """Cell data for charts, as xlsxwriter reads it (runs settled first)."""
        self.settle_runs()
        return super()._get_range_data(*args, **kwargs)

    def autofit(self, *args: Any, **kwargs: Any) -> Any:
        """Fit the columns to the cells, as xlsxwriter does (runs settled first)."""
        self.settle_runs()
        return super().autofit(*args, **kwargs)


@lru_cache(maxsize=RUN_MEMORY)
def string_run_template(row: int, col: int, width: int) -> str:
    """The XML of ``width`` texts from ``row, col``: ``%d`` for each string index.

    The style index is :data:`~planner.outputs.cell_runs.STYLE_MARK` (remembered).
    """
    column_letters(col + width - 1)
    number = row + 1
    return "".join([f'<c r="{name}{number}" s="{STYLE_MARK}" t="s"><v>%d</v></c>'
                    for name in _LETTERS[col:col + width]])


@lru_cache(maxsize=RUN_MEMORY)
def formula_run_template(row: int, col: int, formulas: tuple[str, ...]
                         ) -> tuple[str, tuple[str, ...]] | None:
    """The XML of formulas from ``row, col``, and each formula as stored (remembered).

    The XML has two ``%s`` for each cell, its type attribute and its cached value
    (:func:`value_fields`), and :data:`~planner.outputs.cell_runs.STYLE_MARK` for the
    style index. None when a formula is not plain (:func:`plain_formula`) or holds the
    mark.
    """
    plain = [plain_formula(text) if text else None for text in formulas]
    if None in plain:
        return None
    column_letters(col + len(formulas) - 1)
    number = row + 1
    texts = [formula_text(text).replace("%", "%%") for text in plain]  # type: ignore[arg-type]
    if any(STYLE_MARK in text for text in texts):
        return None
    template = "".join([f'<c r="{name}{number}" s="{STYLE_MARK}"%s><f>{text}</f><v>%s</v></c>'
                        for name, text in zip(_LETTERS[col:col + len(texts)], texts,
                                              strict=True)])
    return template, tuple(plain)  # type: ignore[arg-type]


def value_fields(values: Sequence[object]) -> tuple[object, ...]:
    """Each formula cell's type attribute and cached value, as xlsxwriter writes them.

    Examples
    --------
    >>> value_fields([1.5, "", "#N/A", True, "a<b"])
    ('', 1.5, '', '', ' t="e"', '#N/A', ' t="b"', 1, ' t="str"', 'a&lt;b')
    """
    fields: list[object] = []
    for value in values:
        if value.__class__ is float:
            fields += ("", value)
        elif isinstance(value, bool):
            fields += (' t="b"', 1 if value else 0)
        elif isinstance(value, str) and value != "":
            fields += (' t="e"' if value in ERROR_CODES else ' t="str"', escape_data(value))
        else:
            fields += ("", value)
    return tuple(fields)


def _rows_of(block: Any) -> Sequence[Sequence[Any]]:
    """The rows of a 2-D block (an array's rows as lists of Python numbers)."""
    return block.tolist() if isinstance(block, np.ndarray) else block
