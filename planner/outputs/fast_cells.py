"""Storing cells in an xlsxwriter worksheet with fewer calls, exactly as xlsxwriter would.

Each ``write_number`` of xlsxwriter passes through a decorator that accepts ``"A1"``
references, NaN and infinity checks and the bounds check before the cell is stored;
``write_formula`` also runs a regular expression for dynamic-array functions. A team
workbook writes some 5,000 cells and an organisation 400 team workbooks.
:class:`FastCellWorksheet` stores the common cases (row and column as ints, a finite
number, a plain text, a formula of :data:`PLAIN_FUNCTIONS` only, a formatted blank)
directly: the same dimensions, the same shared strings in the same order, the same
stored cell. Anything else (``"A1"`` references, keyword arguments, NaN, long text,
other functions, ``constant_memory`` mode) goes to xlsxwriter's own method.
"""

from __future__ import annotations

import re
from collections import namedtuple
from typing import Any, Final

from xlsxwriter import worksheet as _xlsx_sheet
from xlsxwriter.worksheet import Worksheet

#: The only functions this package's formulas use: Excel, LibreOffice and the
#: ``formulas`` package all evaluate them, and none needs an ``_xlfn.`` prefix.
PLAIN_FUNCTIONS: Final = frozenset({"IF", "SUM", "COUNT", "MIN", "SUMPRODUCT"})
_FUNCTION: Final = re.compile(r"([A-Z][A-Z0-9.]*)\(")


def _cell_class(kind: str, fields: str) -> Any:
    """The class xlsxwriter stores a ``kind`` of cell in (it reads the class name)."""
    for name in (f"Cell{kind}Tuple", f"cell_{kind.lower()}_tuple"):
        found = getattr(_xlsx_sheet, name, None)
        if found is not None:
            return found
    return namedtuple(kind, fields)  # the same class name: xlsxwriter dispatches on it


NumberCell: Final = _cell_class("Number", "number, format")
StringCell: Final = _cell_class("String", "string, format")
FormulaCell: Final = _cell_class("Formula", "formula, format, value")
BlankCell: Final = _cell_class("Blank", "format")


def plain_formula(formula: str) -> str | None:
    """``formula`` without its ``=`` when it calls only :data:`PLAIN_FUNCTIONS`, else None.

    Such a formula needs none of xlsxwriter's rewriting (``_xlfn.`` prefixes, array or
    dynamic-array handling).

    Examples
    --------
    >>> plain_formula("=SUM(A1:A3)"), plain_formula("=XLOOKUP(1,A:A,B:B)")
    ('SUM(A1:A3)', None)
    """
    if formula.startswith("{") or not set(_FUNCTION.findall(formula)) <= PLAIN_FUNCTIONS:
        return None
    return formula[1:] if formula.startswith("=") else formula


class FastCellWorksheet(Worksheet):
    """A worksheet whose common cell writes skip xlsxwriter's per-call checks (see module)."""

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
                self.table[args[0]][args[1]] = NumberCell(number, args[3] if len(args) > 3
                                                          else None)
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
                self.table[args[0]][args[1]] = StringCell(index, args[3] if len(args) > 3
                                                          else None)
                return 0
        return super().write_string(*args, **kwargs)

    def write_formula(self, *args: Any, **kwargs: Any) -> Any:
        """Write a formula, as xlsxwriter's ``write_formula``."""
        if self._plain_cell(args, kwargs, 3, 5) and type(args[2]) is str and args[2]:
            formula = plain_formula(args[2])
            if formula is not None:
                if self._check_dimensions(args[0], args[1]):
                    return -1
                self.table[args[0]][args[1]] = FormulaCell(
                    formula, args[3] if len(args) > 3 else None, args[4] if len(args) > 4 else 0)
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
            self.table[args[0]][args[1]] = BlankCell(fmt)
            return 0
        return super().write_blank(*args, **kwargs)
