"""Layout shared by the sheets of a team workbook: rows, columns, the product grid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from xlsxwriter.worksheet import Worksheet

from planner.outputs.cells import formula, put_formulas, put_text, rng
from planner.outputs.frames import HIGH, TeamData
from planner.outputs.labels import Labels
from planner.outputs.styles import Formats, page_setup

TITLE_ROW, TEAM_ROW, SCENARIO_ROW, YEAR_ROW = 0, 1, 2, 3
HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1
MONTH_COL = 2  # Targets/Actuals: A product, B tier, C..N months, O total
TOTAL_COL = MONTH_COL + 12
LAST_MONTH_COL = TOTAL_COL - 1
DEFAULT_CAP = 1.5
WORKBOOK_OPTIONS = {"constant_memory": False, "strings_to_formulas": False,
                    "strings_to_numbers": False, "strings_to_urls": False}


@dataclass(frozen=True)
class Grid:
    """Where the product x month grid sits (the same on Targets and Actuals).

    Attributes
    ----------
    first : int
        Zero-based row of the first product.
    count : int
        Number of products.
    high : tuple of (int, int) or None
        First and last row of the high-margin products (they are listed first).
    """

    first: int
    count: int
    high: tuple[int, int] | None

    @property
    def last(self) -> int:
        """Row of the last product (``first - 1`` when there are none)."""
        return self.first + self.count - 1

    @property
    def total_row(self) -> int:
        """Row of the month totals."""
        return self.first + self.count

    @property
    def high_row(self) -> int:
        """Row of the high-margin subtotal."""
        return self.total_row + 1


@dataclass(frozen=True)
class TeamSettings:
    """What every team workbook shares: language, scenario, year, KPI weights.

    Attributes
    ----------
    labels : Labels
    scenario : str
        Scenario name.
    year : int
        Plan year.
    kpi_weights : dict of str to float
        Scorecard weights, in scorecard order.
    cap : float
        Attainment cap of the weighted score (1.5 = 150%).
    """

    labels: Labels
    scenario: str
    year: int
    kpi_weights: dict[str, float]
    cap: float = DEFAULT_CAP


@dataclass(frozen=True)
class Context:
    """What every sheet of one team workbook needs besides the team's numbers."""

    labels: Labels
    formats: Formats
    scenario: str
    year: int
    kpi_weights: dict[str, float]
    cap: float = DEFAULT_CAP


def make_grid(data: TeamData) -> Grid:
    """Layout of the team's product grid."""
    high = [i for i, t in enumerate(data.tiers) if t == HIGH]
    span = (FIRST_ROW + high[0], FIRST_ROW + high[-1]) if high else None
    return Grid(first=FIRST_ROW, count=len(data.products), high=span)


def sheet_top(sheet: Worksheet, ctx: Context, title: str, team: str) -> None:
    """Title, team, scenario and plan year in the top-left corner."""
    fm, lb = ctx.formats, ctx.labels
    put_text(sheet, TITLE_ROW, 0, title, fm.title)
    put_text(sheet, TEAM_ROW, 0, lb["team"], fm.label)
    put_text(sheet, TEAM_ROW, 1, team, fm.subtitle)
    put_text(sheet, SCENARIO_ROW, 0, lb["scenario"], fm.label)
    put_text(sheet, SCENARIO_ROW, 1, ctx.scenario, fm.text)
    put_text(sheet, YEAR_ROW, 0, lb["plan_year"], fm.label)
    put_text(sheet, YEAR_ROW, 1, str(ctx.year), fm.text)


def print_setup(sheet: Worksheet, ctx: Context, team: str, title: str, header_row: int,
                freeze: tuple[int, int]) -> None:
    """Page setup with the team name in the header and page numbers in the footer."""
    page_setup(sheet, left=team, center=title, footer=ctx.labels["page"],
               header_row=header_row, freeze=freeze)


def month_headers(ctx: Context) -> list[str]:
    """Return the twelve month labels."""
    return [ctx.labels.month(m) for m in range(1, 13)]


def row_sums(values: np.ndarray) -> list[float]:
    """Each row's sum, as ``float(values[i].sum())`` adds it (the same order, the same bits).

    A row's sum and a C-ordered array's ``sum(axis=1)`` add the row's numbers in the
    same (pairwise) order, whatever the array's memory order.

    Examples
    --------
    >>> row_sums(np.array([[0.1, 0.2], [1.0, 2.0]]))
    [0.30000000000000004, 3.0]
    """
    if values.ndim != 2 or values.shape[1] == 0:
        return [float(row.sum()) for row in values]
    return np.ascontiguousarray(values).sum(axis=1).tolist()  # type: ignore[no-any-return]


def sum_column(sheet: Worksheet, top: int, bottom: int, col: int, fmt: Any,
               row: int, cached: float) -> None:
    """``=SUM(col top:bottom)`` at ``row`` (``0`` when the range is empty)."""
    if bottom < top:
        sheet.write_number(row, col, 0.0, fmt)
    else:
        formula(sheet, row, col, f"=SUM({rng(top, col, bottom, col)})", fmt, cached)


def sum_row(sheet: Worksheet, row: int, first: int, last: int, col: int, fmt: Any,
            cached: float) -> None:
    """``=SUM(row first:last)`` at ``col`` (``0`` when the range is empty)."""
    if last < first:
        sheet.write_number(row, col, 0.0, fmt)
    else:
        formula(sheet, row, col, f"=SUM({rng(row, first, row, last)})", fmt, cached)


def sum_columns(sheet: Worksheet, top: int, bottom: int, first: int, fmt: Any, row: int,
                cached: list[float]) -> None:
    """:func:`sum_column` of the columns from ``first`` on, one per cached value."""
    if bottom < top:
        for j, value in enumerate(cached):
            sum_column(sheet, top, bottom, first + j, fmt, row, value)
        return
    put_formulas(sheet, row, first,
                 [f"=SUM({rng(top, col, bottom, col)})"
                  for col in range(first, first + len(cached))], fmt, cached)
