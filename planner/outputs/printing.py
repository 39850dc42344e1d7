"""Print layout of a sheet: one page wide when that stays readable, else several pages.

Every sheet prints on A4 landscape with its header rows (and label columns) repeated on
every page and its panes frozen (:func:`planner.outputs.styles.page_setup`). How wide it
prints is decided once its columns are known (when the workbook closes): a sheet whose
columns fit across one page at :data:`MIN_FIT_SCALE` or more is fitted to one page
wide; a wider one (a weekly sheet with 26 products, the per-seat sheet of a large team)
prints at :data:`WIDE_SCALE` across as many pages as it needs, instead of being squeezed
onto one page where nothing can be read.

Widths follow Excel's rule for the default font (Calibri 11: 7 pixels a character plus
5 of padding, 96 pixels an inch).

Examples
--------
>>> column_pixels(8.43), column_pixels(12)
(64, 89)
>>> print_scale(1200), print_scale(3000)
(None, 80)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

A4_WIDTH_MM: Final = 297.0  # landscape
SIDE_MARGIN_IN: Final = 0.5
DEFAULT_COLUMN_WIDTH: Final = 8.43
#: Printable width of an A4 landscape page at 100%, in screen pixels (96 an inch).
PAGE_PIXELS: Final = int((A4_WIDTH_MM / 25.4 - 2 * SIDE_MARGIN_IN) * 96)
#: Smallest scale at which a sheet is fitted to one page wide (10-pt text prints at 6).
MIN_FIT_SCALE: Final = 0.6
#: Scale of a sheet too wide for one page: printed across several pages.
WIDE_SCALE: Final = 80


def column_pixels(width: float) -> int:
    """Pixels of a column ``width`` characters wide (Excel's conversion, Calibri 11)."""
    if width <= 0:
        return 0
    if width < 1:
        return int(width * 12 + 0.5)
    return int(width * 7 + 0.5) + 5


def sheet_pixels(widths: Mapping[int, float], last_col: int) -> int:
    """Width in pixels of columns ``0..last_col`` (unset columns at the default width)."""
    return sum(column_pixels(widths.get(col, DEFAULT_COLUMN_WIDTH))
               for col in range(last_col + 1))


def print_scale(pixels: int) -> int | None:
    """``None`` to fit one page wide, else the percent scale to print across pages."""
    if pixels <= PAGE_PIXELS / MIN_FIT_SCALE:
        return None
    return WIDE_SCALE
