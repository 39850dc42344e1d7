"""One line manager's workbook: ``teams/<team>.xlsx``.

Sheets: how the target was set (when the plan carries its explanation), targets by
product by month, targets by week, per-seat targets, an
actuals entry grid with attainment, and a KPI scorecard (see
:mod:`planner.outputs.scorecard`). Plan numbers are constants; every total is a
live ``=SUM(...)`` whose cached value is the Python sum, so viewers that do not
recalculate show the same numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from planner import names as n
from planner.outputs.cells import (
    PlannerWorkbook,
    put,
    put_formulas,
    put_headers,
    put_numbers,
    put_text,
    put_texts,
    rng,
    text_width,
)
from planner.outputs.explain_sheet import write_explain
from planner.outputs.frames import HIGH, SeatRows, TeamData
from planner.outputs.layout import (
    FIRST_ROW,
    HEADER_ROW,
    LAST_MONTH_COL,
    MONTH_COL,
    TOTAL_COL,
    WORKBOOK_OPTIONS,
    Context,
    Grid,
    TeamSettings,
    make_grid,
    month_headers,
    print_setup,
    row_sums,
    sheet_top,
    sum_column,
    sum_columns,
    sum_row,
)
from planner.outputs.risk_sheet import write_team_risk
from planner.outputs.scorecard import write_actuals, write_scorecard
from planner.outputs.styles import make_formats
from planner.plan_result import PlanResult


def write_targets(wb: Workbook, data: TeamData, ctx: Context, grid: Grid) -> None:
    """Sheet 1: targets by product (rows) and month (columns), with totals."""
    fm, lb = ctx.formats, ctx.labels
    sheet = wb.add_worksheet(lb["sheet_targets"])
    sheet_top(sheet, ctx, lb["title_targets"], data.team_label)
    put_headers(sheet, HEADER_ROW, 0,
                [lb["product"], lb["margin_tier"], *month_headers(ctx), lb["total"]], fm.header)
    values = data.monthly.to_numpy(dtype=float)
    row_totals = row_sums(values)
    for i, product in enumerate(data.product_labels):
        row = grid.first + i
        put_texts(sheet, row, 0, [product, lb.tier(data.tiers[i])], fm.text)
        sum_row(sheet, row, MONTH_COL, LAST_MONTH_COL, TOTAL_COL, fm.amount_total,
                row_totals[i])
    put_numbers(sheet, grid.first, MONTH_COL, values[:, :12], fm.amount)
    put_texts(sheet, grid.total_row, 0, [lb["total"], ""], fm.label_total)
    put_text(sheet, grid.high_row, 0, lb["of_which_high"], fm.label)
    put_text(sheet, grid.high_row, 1, lb.tier(HIGH), fm.text)
    high_rows = slice(grid.high[0] - grid.first, grid.high[1] - grid.first + 1) \
        if grid.high else slice(0, 0)
    month_totals, high_totals = values.sum(axis=0), values[high_rows].sum(axis=0)
    _sums_and_total(sheet, grid.first, grid.last, grid.total_row, fm.amount_total,
                    month_totals.tolist(), float(month_totals.sum()))
    if grid.high is None:
        for j in range(12):
            sheet.write_number(grid.high_row, MONTH_COL + j, 0.0, fm.amount)
        sum_row(sheet, grid.high_row, MONTH_COL, LAST_MONTH_COL, TOTAL_COL, fm.amount,
                float(high_totals.sum()))
    else:
        _sums_and_total(sheet, grid.high[0], grid.high[1], grid.high_row, fm.amount,
                        high_totals.tolist(), float(high_totals.sum()))
    sheet.set_column(0, 0, text_width([lb["product"], lb["of_which_high"], *data.product_labels]))
    sheet.set_column(1, 1, text_width([lb["margin_tier"], *map(lb.tier, data.tiers)], 10))
    sheet.set_column(MONTH_COL, LAST_MONTH_COL, 12)
    sheet.set_column(TOTAL_COL, TOTAL_COL, 14)
    print_setup(sheet, ctx, data.team_label, lb["title_targets"], HEADER_ROW, (FIRST_ROW, 1))


def _sums_and_total(sheet: Worksheet, top: int, bottom: int, row: int, fmt: Any,
                    month_sums: list[float], total: float) -> None:
    """In ``row``: each month's ``=SUM`` of rows ``top``..``bottom``, then their total.

    The cells as :func:`~planner.outputs.layout.sum_column` of each month and
    :func:`~planner.outputs.layout.sum_row` of the total write them.
    """
    if bottom < top:  # no rows: zeros, as sum_column writes them
        for j, value in enumerate(month_sums):
            sum_column(sheet, top, bottom, MONTH_COL + j, fmt, row, value)
        sum_row(sheet, row, MONTH_COL, LAST_MONTH_COL, TOTAL_COL, fmt, total)
        return
    texts = [f"=SUM({rng(top, col, bottom, col)})" for col in range(MONTH_COL, TOTAL_COL)]
    texts.append(f"=SUM({rng(row, MONTH_COL, row, LAST_MONTH_COL)})")
    put_formulas(sheet, row, MONTH_COL, texts, fmt, [*month_sums, total])


@functools.lru_cache(maxsize=4096)
def day_text(value: object) -> str | None:
    """A week's start as :func:`~planner.outputs.cells.put` writes it (None: missing).

    Every team's weekly sheet has the same weeks: each date is formatted once.

    Examples
    --------
    >>> day_text(pd.Timestamp("2027-01-04")), day_text(None)
    ('2027-01-04', None)
    """
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return None if pd.isna(stamp) else stamp.strftime("%Y-%m-%d")


@dataclass(frozen=True)
class WeekRows:
    """The weeks of a weekly sheet as written: the same for every team of a plan.

    Attributes
    ----------
    weeks : list
        Each week's label.
    days : list of str or None
        Each week's start (:func:`day_text`; None: missing).
    working_days : list
        Each week's working days.
    total_days : float
        Their sum (missing ones left out).
    """

    weeks: list[Any]
    days: list[str | None]
    working_days: list[Any]
    total_days: float


#: The week table last read (the same object for every team of a plan) and its rows.
_WEEKS: list[tuple[pd.DataFrame, WeekRows]] = []


def _week_rows(weeks: pd.DataFrame) -> WeekRows:
    """The rows of ``weeks`` (``week, week_start, working_days``), read once per table.

    The table is remembered by identity: every team's grids share the plan's one.
    """
    if _WEEKS and _WEEKS[0][0] is weeks:
        return _WEEKS[0][1]
    rows = WeekRows(weeks[n.WEEK].tolist(),
                    [day_text(start) for start in weeks[n.WEEK_START].tolist()],
                    weeks[n.WORKING_DAYS].tolist(),
                    float(pd.to_numeric(weeks[n.WORKING_DAYS], errors="coerce").sum()))
    _WEEKS[:] = [(weeks, rows)]
    return rows


def write_weekly(wb: Workbook, data: TeamData, ctx: Context) -> None:
    """Sheet 2: targets by week (rows) and product (columns), with totals."""
    fm, lb = ctx.formats, ctx.labels
    sheet = wb.add_worksheet(lb["sheet_weekly"])
    sheet_top(sheet, ctx, lb["title_weekly"], data.team_label)
    first_product = 3
    total_col = first_product + len(data.products)
    put_headers(sheet, HEADER_ROW, 0,
                [lb["week"], lb["week_start"], lb["working_days"], *data.product_labels,
                 lb["total"]],
                fm.header)
    values = data.weekly.to_numpy()
    weeks = _week_rows(data.weeks)
    row_totals = row_sums(values)
    for i, (week, day, days) in enumerate(zip(weeks.weeks, weeks.days, weeks.working_days,
                                              strict=True)):
        row = FIRST_ROW + i
        if day is None:
            put_text(sheet, row, 0, week, fm.text)
            put(sheet, row, 1, None, fm.text)
        else:
            put_texts(sheet, row, 0, [week, day], fm.text)
        put(sheet, row, 2, days, fm.general)
        sum_row(sheet, row, first_product, total_col - 1, total_col, fm.amount_total,
                row_totals[i])
    put_numbers(sheet, FIRST_ROW, first_product, values.astype(float), fm.amount)
    last = FIRST_ROW + len(weeks.weeks) - 1
    total_row = last + 1
    put_texts(sheet, total_row, 0, [lb["total"], ""], fm.label_total)
    column_totals = values.sum(axis=0)
    sum_columns(sheet, FIRST_ROW, last, 2, fm.amount_total, total_row,
                [weeks.total_days, *column_totals.tolist(), float(values.sum())])
    sheet.set_column(0, 1, 11)
    sheet.set_column(2, 2, 9)
    sheet.set_column(first_product, total_col,
                     max(12.0, min(text_width(data.product_labels, 12, 24), 24.0)))
    print_setup(sheet, ctx, data.team_label, lb["title_weekly"], HEADER_ROW, (FIRST_ROW, 1))


def _seat_block(sheet: Worksheet, ctx: Context, rows: SeatRows, top: int) -> int:
    """Rows of seat | grade | values | total, then a total row; return the total row."""
    fm, lb = ctx.formats, ctx.labels
    values = rows.values
    width = values.shape[1]
    last_col = 1 + width
    row_totals = row_sums(values)
    for i, (seat, grade) in enumerate(zip(rows.seats, rows.grades, strict=True)):
        row = top + i
        put_texts(sheet, row, 0, [seat, grade], fm.text)
        sum_row(sheet, row, 2, last_col, last_col + 1, fm.amount_total, row_totals[i])
    put_numbers(sheet, top, 2, values, fm.amount)
    total_row = top + len(rows.seats)
    put_texts(sheet, total_row, 0, [lb["total"], ""], fm.label_total)
    sum_columns(sheet, top, total_row - 1, 2, fm.amount_total, total_row,
                [float(values[:, j].sum()) for j in range(width)] + [float(values.sum())])
    return total_row


def write_seats(wb: Workbook, data: TeamData, ctx: Context) -> None:
    """Sheet 3: per-seat targets by month, and by product for the year."""
    fm, lb = ctx.formats, ctx.labels
    sheet = wb.add_worksheet(lb["sheet_seats"])
    sheet_top(sheet, ctx, lb["title_seats"], data.team_label)
    put_headers(sheet, HEADER_ROW, 0, [lb["seat"], lb["grade"], *month_headers(ctx),
                                       lb["total"]], fm.header)
    if not data.seat_rows.seats:
        put_text(sheet, FIRST_ROW, 0, lb["no_seats"], fm.note)
    else:
        total_row = _seat_block(sheet, ctx, data.seat_rows, FIRST_ROW)
        top = total_row + 3
        put_text(sheet, top - 1, 0, lb["by_seat_product"], fm.subtitle)
        put_headers(sheet, top, 0, [lb["seat"], lb["grade"], *data.product_labels, lb["total"]],
                    fm.header)
        _seat_block(sheet, ctx, data.seat_product_rows, top + 1)
    sheet.set_column(0, 0, text_width([lb["seat"], *data.seat_rows.seats], 10, 30))
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, max(TOTAL_COL, 2 + len(data.products)), 12)
    print_setup(sheet, ctx, data.team_label, lb["title_seats"], HEADER_ROW, (FIRST_ROW, 1))


def write_team_workbook(path: Path, data: TeamData, settings: TeamSettings,
                        explain: PlanResult | None = None,
                        risk: pd.DataFrame | None = None,
                        extra: Callable[[Workbook, Context], None] | None = None) -> None:
    """Write one team's workbook to ``path``.

    Parameters
    ----------
    path : Path
        Target ``.xlsx`` file.
    data : TeamData
        The team's grids.
    settings : TeamSettings
        Labels, scenario, year, KPI weights.
    explain : PlanResult, optional
        The plan run (with its explanation inputs): the "How this target was set"
        sheet comes first (:mod:`planner.outputs.explain_sheet`).
    risk : DataFrame, optional
        The team's rows of the plan's risk table: a Risk sheet comes last
        (:mod:`planner.outputs.risk_sheet`).
    extra : callable, optional
        Adds sheets after the others (``planner replan``: the *Re-plan* sheet).
    """
    # in memory: no temporary file per sheet part (deleting them was most of the time)
    wb = PlannerWorkbook(str(path), {**WORKBOOK_OPTIONS, "in_memory": True})
    ctx = Context(labels=settings.labels, formats=make_formats(wb), scenario=settings.scenario,
                  year=settings.year, kpi_weights=settings.kpi_weights, cap=settings.cap)
    grid = make_grid(data)
    if explain is not None:
        write_explain(wb, explain, str(data.team), data.team_label, ctx)
    write_targets(wb, data, ctx, grid)
    write_weekly(wb, data, ctx)
    write_seats(wb, data, ctx)
    write_actuals(wb, data, ctx, grid)
    write_scorecard(wb, data, ctx, grid)
    if risk is not None:
        write_team_risk(wb, ctx.formats, ctx.labels, risk, data.team_label, ctx.scenario)
    if extra is not None:
        extra(wb, ctx)
    wb.set_properties({"title": f"{ctx.labels['title_targets']}: {data.team_label}"[:255],
                       "subject": ctx.scenario[:255]})
    wb.close()
