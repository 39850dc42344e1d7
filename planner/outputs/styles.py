"""Cell formats and page setup shared by the workbooks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from planner.outputs.printing import SIDE_MARGIN_IN
from planner.outputs.safety import header_text

AMOUNT_FORMAT: Final = "#,##0"
PERCENT_FORMAT: Final = "0.0%"
MULTIPLE_FORMAT: Final = '0.00"x"'
GENERAL_FORMAT: Final = "General"
INPUT_FILL: Final = "#FFF2CC"  # light yellow: cells the line manager fills in
HEADER_FILL: Final = "#D9E1F2"
TOTAL_FILL: Final = "#F2F2F2"
FONT: Final = "Calibri"
A4: Final = 9


@dataclass(frozen=True)
class Formats:
    """The formats of one workbook (xlsxwriter formats belong to a workbook).

    Attributes
    ----------
    title, subtitle, label, text, note, header, header_left : Format
        Text styles.
    amount, amount_total, percent, percent_total, multiple, general, flag : Format
        Number styles (``#,##0`` for amounts, ``0.0%`` for shares).
    input_amount, input_percent : Format
        Unlocked, light-yellow input cells.
    label_total : Format
        Bold label of a total row.
    """

    title: Any
    subtitle: Any
    label: Any
    text: Any
    note: Any
    header: Any
    header_left: Any
    amount: Any
    amount_total: Any
    percent: Any
    percent_total: Any
    multiple: Any
    general: Any
    flag: Any
    input_amount: Any
    input_percent: Any
    label_total: Any


def make_formats(workbook: Workbook) -> Formats:
    """Create the shared formats in ``workbook``."""
    base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}

    def fmt(**props: object) -> Any:
        return workbook.add_format({**base, **props})

    header = {"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True}
    total = {"bold": True, "bg_color": TOTAL_FILL, "top": 1}
    inputs = {"bg_color": INPUT_FILL, "locked": False, "border": 1, "border_color": "#BFBFBF"}
    return Formats(
        title=fmt(bold=True, font_size=14),
        subtitle=fmt(bold=True, font_size=11),
        label=fmt(bold=True),
        text=fmt(),
        note=fmt(italic=True, font_color="#595959"),
        header=fmt(align="center", **header),
        header_left=fmt(align="left", **header),
        amount=fmt(num_format=AMOUNT_FORMAT),
        amount_total=fmt(num_format=AMOUNT_FORMAT, **total),
        percent=fmt(num_format=PERCENT_FORMAT),
        percent_total=fmt(num_format=PERCENT_FORMAT, **total),
        multiple=fmt(num_format=MULTIPLE_FORMAT),
        general=fmt(num_format=GENERAL_FORMAT),
        flag=fmt(num_format="0", font_color="#808080"),
        input_amount=fmt(num_format=AMOUNT_FORMAT, **inputs),
        input_percent=fmt(num_format=PERCENT_FORMAT, **inputs),
        label_total=fmt(**total),
    )


def page_setup(
    sheet: Worksheet,
    *,
    left: str,
    center: str,
    footer: str,
    header_row: int,
    freeze: tuple[int, int] | None = None,
) -> None:
    """A4 landscape, header rows (and label columns) repeated, header and footer, panes.

    The print width is chosen when the workbook closes, from the sheet's columns
    (:mod:`planner.outputs.printing`): one page wide when that prints at a readable
    size, otherwise across several pages, each with the repeated headers.

    Parameters
    ----------
    sheet : Worksheet
        The sheet to set up.
    left, center : str
        Header texts as the user wrote them (escaped here: ``&`` is doubled).
    footer : str
        Footer centre text with page codes (``&P``, ``&N``): trusted, not escaped.
    header_row : int
        Zero-based row of the column headers, repeated on every printed page.
    freeze : (int, int) or None
        Freeze panes above and left of this cell; the columns left of it are
        repeated on every printed page.
    """
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.repeat_rows(header_row)
    sheet.set_margins(left=SIDE_MARGIN_IN, right=SIDE_MARGIN_IN, top=0.75, bottom=0.75)
    sheet.set_header(f"&L{header_text(left)}&C{header_text(center)}")
    sheet.set_footer(f"&C{footer}")
    if freeze is not None:
        sheet.freeze_panes(*freeze)
        if freeze[1] > 0:
            sheet.repeat_columns(0, freeze[1] - 1)
    if hasattr(sheet, "fit_on_close"):
        sheet.fit_on_close = True
    else:  # a plain xlsxwriter sheet: fit to one page wide, as before
        sheet.fit_to_pages(1, 0)


def protect(sheet: Worksheet) -> None:
    """Protect formulas (no password) while leaving input cells and layout editable."""
    sheet.protect("", {
        "format_cells": True,
        "format_columns": True,
        "format_rows": True,
        "sort": True,
        "autofilter": True,
    })
