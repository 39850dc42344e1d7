"""The classes xlsxwriter stores a worksheet's cells in (it dispatches on their names).

Examples
--------
>>> NumberCell.__name__, NumberCell(1.5, None).number
('Number', 1.5)
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, Final

from xlsxwriter import worksheet as _xlsx_sheet


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
DatetimeCell: Final = _cell_class("Datetime", "number, format")
