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
from pathlib import Path

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from planner import names as n
from planner.outputs.cells import (
    PlannerWorkbook,
    formula,
    put,
    put_headers,
    put_numbers,
    put_text,
    rng,
    text_width,
)
from planner.outputs.explain_sheet import write_explain
from planner.outputs.frames import HIGH, TeamData
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
        put_text(sheet, row, 0, product, fm.text)
        put_text(sheet, row, 1, lb.tier(data.tiers[i]), fm.text)
        sum_row(sheet, row, MONTH_COL, LAST_MONTH_COL, TOTAL_COL, fm.amount_total,
                row_totals[i])
    put_numbers(sheet, grid.first, MONTH_COL, values[:, :12], fm.amount)
    put_text(sheet, grid.total_row, 0, lb["total"], fm.label_total)
    put_text(sheet, grid.total_row, 1, "", fm.label_total)
    put_text(sheet, grid.high_row, 0, lb["of_which_high"], fm.label)
    put_text(sheet, grid.high_row, 1, lb.tier(HIGH), fm.text)
    high_rows = slice(grid.high[0] - grid.first, grid.high[1] - grid.first + 1) \
        if grid.high else slice(0, 0)
    month_totals, high_totals = values.sum(axis=0), values[high_rows].sum(axis=0)
    for j in range(12):
        col = MONTH_COL + j
        sum_column(sheet, grid.first, grid.last, col, fm.amount_total, grid.total_row,
                   float(month_totals[j]))
        if grid.high is None:
            sheet.write_number(grid.high_row, col, 0.0, fm.amount)
        else:
            formula(sheet, grid.high_row, col, f"=SUM({rng(grid.high[0], col, grid.high[1], col)})",
                    fm.amount, float(high_totals[j]))
    sum_row(sheet, grid.total_row, MONTH_COL, LAST_MONTH_COL, TOTAL_COL, fm.amount_total,
            float(month_totals.sum()))
    sum_row(sheet, grid.high_row, MONTH_COL, LAST_MONTH_COL, TOTAL_COL, fm.amount,
            float(high_totals.sum()))
    sheet.set_column(0, 0, text_width([lb["product"], lb["of_which_high"], *data.product_labels]))
    sheet.set_column(1, 1, text_width([lb["margin_tier"], *map(lb.tier, data.tiers)], 10))
    sheet.set_column(MONTH_COL, LAST_MONTH_COL, 12)
    sheet.set_column(TOTAL_COL, TOTAL_COL, 14)
    print_setup(sheet, ctx, data.team_label, lb["title_targets"], HEADER_ROW, (FIRST_ROW, 1))


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
    weeks = data.weeks
    row_totals = row_sums(values)
    for i, (week, start, days) in enumerate(
            zip(weeks[n.WEEK].tolist(), weeks[n.WEEK_START].tolist(),
                weeks[n.WORKING_DAYS].tolist(), strict=True)):
        row = FIRST_ROW + i
        put_text(sheet, row, 0, week, fm.text)
        day = day_text(start)
        if day is None:
            put(sheet, row, 1, None, fm.text)
        else:
            put_text(sheet, row, 1, day, fm.text)
        put(sheet, row, 2, days, fm.general)
        sum_row(sheet, row, first_product, total_col - 1, total_col, fm.amount_total,
                row_totals[i])
    put_numbers(sheet, FIRST_ROW, first_product, values.astype(float), fm.amount)
    last = FIRST_ROW + len(weeks) - 1
    total_row = last + 1
    put_text(sheet, total_row, 0, lb["total"], fm.label_total)
    put_text(sheet, total_row, 1, "", fm.label_total)
    sum_column(sheet, FIRST_ROW, last, 2, fm.amount_total, total_row,
               float(pd.to_numeric(weeks[n.WORKING_DAYS], errors="coerce").sum()))
    column_totals = values.sum(axis=0)
    for j in range(len(data.products) + 1):
        cached = float(column_totals[j]) if j < len(data.products) else float(values.sum())
        sum_column(sheet, FIRST_ROW, last, first_product + j, fm.amount_total, total_row, cached)
    sheet.set_column(0, 1, 11)
    sheet.set_column(2, 2, 9)
    sheet.set_column(first_product, total_col,
                     max(12.0, min(text_width(data.product_labels, 12, 24), 24.0)))
    print_setup(sheet, ctx, data.team_label, lb["title_weekly"], HEADER_ROW, (FIRST_ROW, 1))


def _seat_block(sheet: Worksheet, ctx: Context, frame: pd.DataFrame, top: int) -> int:
    """Rows of seat | grade | values | total, then a total row; return the total row."""
    fm, lb = ctx.formats, ctx.labels
    values = frame.iloc[:, 2:].to_numpy(dtype=float)
    width = values.shape[1]
    last_col = 1 + width
    row_totals = row_sums(values)
    for i, (seat, grade) in enumerate(zip(frame[n.SEAT].tolist(), frame[n.GRADE].tolist(),
                                          strict=True)):
        row = top + i
        put_text(sheet, row, 0, seat, fm.text)
        put_text(sheet, row, 1, grade, fm.text)
        sum_row(sheet, row, 2, last_col, last_col + 1, fm.amount_total, row_totals[i])
    put_numbers(sheet, top, 2, values, fm.amount)
    total_row = top + len(frame)
    put_text(sheet, total_row, 0, lb["total"], fm.label_total)
    put_text(sheet, total_row, 1, "", fm.label_total)
    for j in range(width + 1):
        cached = float(values[:, j].sum() if j < width else values.sum())
        sum_column(sheet, top, total_row - 1, 2 + j, fm.amount_total, total_row, cached)
    return total_row


def write_seats(wb: Workbook, data: TeamData, ctx: Context) -> None:
    """Sheet 3: per-seat targets by month, and by product for the year."""
    fm, lb = ctx.formats, ctx.labels
    sheet = wb.add_worksheet(lb["sheet_seats"])
    sheet_top(sheet, ctx, lb["title_seats"], data.team_label)
    put_headers(sheet, HEADER_ROW, 0, [lb["seat"], lb["grade"], *month_headers(ctx),
                                       lb["total"]], fm.header)
    if data.seats.empty:
        put_text(sheet, FIRST_ROW, 0, lb["no_seats"], fm.note)
    else:
        total_row = _seat_block(sheet, ctx, data.seats, FIRST_ROW)
        top = total_row + 3
        put_text(sheet, top - 1, 0, lb["by_seat_product"], fm.subtitle)
        put_headers(sheet, top, 0, [lb["seat"], lb["grade"], *data.product_labels, lb["total"]],
                    fm.header)
        _seat_block(sheet, ctx, data.seat_products, top + 1)
    sheet.set_column(0, 0, text_width([lb["seat"], *data.seats.get(n.SEAT, [])], 10, 30))
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
