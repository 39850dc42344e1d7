"""The planner's ``summary.xlsx``: settings, warnings, drivers, targets, phasing, charts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from planner import names as n
from planner.outputs import frames as fr
from planner.outputs.cells import (
    PlannerWorkbook,
    formula,
    put,
    put_frame,
    put_headers,
    put_text,
    ref,
    rng,
    text_width,
)
from planner.outputs.display import Display
from planner.outputs.hiring_sheet import write_hiring_sheet
from planner.outputs.labels import Labels
from planner.outputs.layout import WORKBOOK_OPTIONS
from planner.outputs.risk_sheet import write_risk_sheet
from planner.outputs.styles import FONT, Formats, make_formats, page_setup
from planner.plan_result import PlanResult, warning_kind

HEADER_ROW = 2  # row 0 title, row 1 scenario name
PLAN_COLOR, LAST_YEAR_COLOR = "#2F5597", "#A6A6A6"


def _sheet(wb: Workbook, fm: Formats, lb: Labels, result_name: str, key: str,
           header_row: int = HEADER_ROW, freeze_col: int = 1,
           name: str | None = None) -> Worksheet:
    """A sheet titled by the labels of ``key`` (or named and titled ``name``)."""
    title = name or lb[f"title_{key}"]
    sheet = wb.add_worksheet(name or lb[f"sheet_{key}"])
    put_text(sheet, 0, 0, title, fm.title)
    put_text(sheet, 1, 0, result_name, fm.subtitle)
    page_setup(sheet, left=result_name, center=title, footer=lb["page"],
               header_row=header_row, freeze=(header_row + 1, freeze_col))
    return sheet


def _grid(sheet: Worksheet, fm: Formats, lb: Labels, top: int, row_labels: Sequence[list],
          values: Any, label_cols: int, total_row: bool = True, total_col: bool = True) -> int:
    """Rows of labels + numbers with SUM total column and row; return the total row."""
    count = len(row_labels)
    ncol = values.shape[1] if count else 0
    first_value = label_cols
    for i, labels in enumerate(row_labels):
        row = top + i
        for j, label in enumerate(labels):
            put(sheet, row, j, label, fm.general, fm.text)
        for j in range(ncol):
            sheet.write_number(row, first_value + j, float(values[i, j]), fm.amount)
        if total_col:
            formula(sheet, row, first_value + ncol,
                    f"=SUM({rng(row, first_value, row, first_value + ncol - 1)})"
                    if ncol else "=0", fm.amount_total, float(values[i].sum()) if ncol else 0.0)
    total = top + count
    if total_row:
        put_text(sheet, total, 0, lb["total"], fm.label_total)
        for j in range(1, label_cols):
            put_text(sheet, total, j, "", fm.label_total)
        for j in range(ncol + (1 if total_col else 0)):
            col = first_value + j
            cached = float(values[:, j].sum()) if j < ncol else float(values.sum())
            text = f"=SUM({rng(top, col, total - 1, col)})" if count else "=0"
            formula(sheet, total, col, text, fm.amount_total, cached if count else 0.0)
    return total


def _settings(wb: Workbook, fm: Formats, lb: Labels, result: PlanResult, plan_total: float) -> None:
    sheet = _sheet(wb, fm, lb, result.name, "settings")
    put_headers(sheet, HEADER_ROW, 0, [lb["setting"], lb["value"]], fm.header)
    row = HEADER_ROW + 1
    for key, value in result.settings:
        put_text(sheet, row, 0, key, fm.text)
        put_text(sheet, row, 1, value, fm.text)
        row += 1
    computed: list[tuple[str, float, Format]] = [
                (lb["plan_year"], result.year, fm.general),
                (lb["company_target"], result.target, fm.amount),
                (lb["buffer"], result.buffer, fm.percent),
                (lb["team_targets_total"], plan_total, fm.amount),
                (lb["last_year_total"], result.history_total, fm.amount)]
    for label, amount, style in computed:
        put_text(sheet, row, 0, label, fm.label)
        put(sheet, row, 1, amount, style)
        row += 1
    put_text(sheet, row + 1, 0, lb["warnings"], fm.subtitle)
    for i, warning in enumerate(result.warnings or [lb["no_warnings"]]):
        put_text(sheet, row + 2 + i, 0, warning, fm.text)
    sheet.set_column(0, 0, text_width([k for k, _ in result.settings] + [lb["team_targets_total"]],
                                      18, 40))
    sheet.set_column(1, 1, text_width([v for _, v in result.settings], 18, 60))


def _warnings(wb: Workbook, fm: Formats, lb: Labels, result: PlanResult) -> None:
    """Every warning of the run, one row each with its kind (data, spike, launch, ...)."""
    sheet = _sheet(wb, fm, lb, result.name, "warnings", name=lb["warnings"])
    wrap = wb.add_format({"font_name": FONT, "font_size": 10, "valign": "top",
                          "text_wrap": True})
    put_headers(sheet, HEADER_ROW, 0, [lb["kind"], lb["warnings"]], fm.header)
    rows = [(lb.code("warning", warning_kind(w)), w) for w in result.warnings]
    for i, (kind, text) in enumerate(rows or [("", lb["no_warnings"])]):
        put_text(sheet, HEADER_ROW + 1 + i, 0, kind, wrap)
        put_text(sheet, HEADER_ROW + 1 + i, 1, text, wrap)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 110)


def _drivers(wb: Workbook, fm: Formats, lb: Labels, result: PlanResult) -> None:
    sheet = _sheet(wb, fm, lb, result.name, "drivers")

    def magnitude(value: object) -> Any:
        large = isinstance(value, (int, float)) and abs(value) >= 1000
        return fm.amount if large else fm.general

    styles = {"baseline": magnitude, "uplift": fm.percent, "planned": magnitude,
              "cap": fm.percent, "marginal_value": fm.amount}
    cols = [c for c in (*n.DRIVERS_COLUMNS, "kind") if c in result.drivers.columns]
    headers = [lb["uplift_cap"] if c == "cap" else lb[c] for c in cols]
    frame = result.drivers.loc[:, cols].copy()
    for code in ("kind", "binding"):
        if code in frame.columns:
            frame[code] = [lb.code(code, v) for v in frame[code]]
    put_frame(sheet, HEADER_ROW, 0, frame, headers,
              [styles.get(c, fm.text) for c in cols], fm.header, fm.text)
    sheet.set_column(0, len(cols) - 1, 14)


def _product_targets(wb: Workbook, fm: Formats, lb: Labels, result: PlanResult,
                     plan_by_product: dict[str, float], show: Display) -> None:
    sheet = _sheet(wb, fm, lb, result.name, "product_targets")
    pt = result.product_targets
    tier = fr.tiers(result)
    value_cols = [c for c in ("baseline_amount", "target_amount", "baseline_units",
                              "target_units") if c in pt.columns]
    products = [str(p) for p in pt[n.PRODUCT]]
    grid = np.column_stack([pt.loc[:, value_cols].to_numpy(dtype=float).reshape(
        len(products), len(value_cols)), [plan_by_product.get(p, 0.0) for p in products]])
    put_headers(sheet, HEADER_ROW, 0, [lb["product"], lb["margin_tier"],
                                       *[lb[c] for c in value_cols], lb["in_plan"],
                                       lb["multiple"]], fm.header)
    top = HEADER_ROW + 1
    total = _grid(sheet, fm, lb, top, [[show.product(p), lb.tier(tier.get(p, ""))]
                                       for p in products], grid, 2, total_col=False)
    mult_col = 2 + grid.shape[1]
    if {"baseline_amount", "target_amount"} <= set(value_cols):
        b_col = 2 + value_cols.index("baseline_amount")
        t_col = 2 + value_cols.index("target_amount")
        base = np.append(grid[:, b_col - 2], grid[:, b_col - 2].sum())
        target = np.append(grid[:, t_col - 2], grid[:, t_col - 2].sum())
        for k, row in enumerate(range(top, total + 1)):
            b, t = ref(row, b_col), ref(row, t_col)
            formula(sheet, row, mult_col, f'=IF({b}=0,"",{t}/{b})', fm.multiple,
                    target[k] / base[k] if base[k] else "")
    sheet.set_column(0, 0, text_width([lb["product"], *show.product_labels(products)]))
    sheet.set_column(1, mult_col, 15)


def _matrix(wb: Workbook, fm: Formats, lb: Labels, result: PlanResult, teams: list[str],
            products: list[str], show: Display) -> tuple[str, int, int, int]:
    """Team x product matrix; return (sheet, first row, last row, total column)."""
    sheet = _sheet(wb, fm, lb, result.name, "matrix")
    grid = fr.team_product(result.plan, teams, products).to_numpy()
    history = result.history_teams
    ly = (history.groupby(history[n.TEAM].astype(str))[n.AMOUNT].sum() if len(history)
          else pd.Series(dtype=float)).reindex(teams).fillna(0.0).to_numpy(dtype=float)
    total_col = 1 + len(products)
    put_headers(sheet, HEADER_ROW, 0, [lb["team"], *show.product_labels(products), lb["total"],
                                       lb["last_year"], lb["multiple"]], fm.header)
    top = HEADER_ROW + 1
    total = _grid(sheet, fm, lb, top, [[show.team(t)] for t in teams], grid, 1)
    ly_col = total_col + 1
    for i in range(len(teams) + 1):
        row = top + i
        last_year = float(ly[i]) if row < total else float(ly.sum())
        plan_value = float(grid[i].sum()) if row < total else float(grid.sum())
        if row < total:
            sheet.write_number(row, ly_col, last_year, fm.amount)
        else:
            text = f"=SUM({rng(top, ly_col, total - 1, ly_col)})" if teams else "=0"
            formula(sheet, row, ly_col, text, fm.amount_total, last_year)
        t, b = ref(row, total_col), ref(row, ly_col)
        formula(sheet, row, ly_col + 1, f'=IF({b}=0,"",{t}/{b})', fm.multiple,
                plan_value / last_year if last_year else "")
    sheet.set_column(0, 0, text_width([lb["team"], *show.team_labels(teams)]))
    sheet.set_column(1, total_col + 2, 14)
    return lb["sheet_matrix"], top, total - 1, total_col


def _monthly(wb: Workbook, fm: Formats, lb: Labels, result: PlanResult, products: list[str],
             months: list[str], show: Display) -> None:
    sheet = _sheet(wb, fm, lb, result.name, "monthly")
    tier = fr.tiers(result)
    grid = fr.product_month(result.plan, products, months).to_numpy()
    put_headers(sheet, HEADER_ROW, 0, [lb["product"], lb["margin_tier"],
                                       *[lb.month(m) for m in range(1, 13)], lb["total"]],
                fm.header)
    _grid(sheet, fm, lb, HEADER_ROW + 1, [[show.product(p), lb.tier(tier.get(p, ""))]
                                          for p in products], grid, 2)
    sheet.set_column(0, 0, text_width([lb["product"], *show.product_labels(products)]))
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 14, 13)


def _weekly(wb: Workbook, fm: Formats, lb: Labels, result: PlanResult, products: list[str],
            show: Display) -> None:
    sheet = _sheet(wb, fm, lb, result.name, "weekly_phasing")
    weeks = fr.week_table(result)
    grid = fr.week_product(result.plan, weeks[n.WEEK].tolist(), products).to_numpy()
    put_headers(sheet, HEADER_ROW, 0, [lb["week"], lb["week_start"], lb["working_days"],
                                       *show.product_labels(products), lb["total"]], fm.header)
    labels = [[w, pd.Timestamp(s), d] for w, s, d in
              zip(weeks[n.WEEK], weeks[n.WEEK_START], weeks[n.WORKING_DAYS], strict=True)]
    _grid(sheet, fm, lb, HEADER_ROW + 1, labels, grid, 3)
    sheet.set_column(0, 2, 11)
    sheet.set_column(3, 3 + len(products), 14)


def _binding(wb: Workbook, fm: Formats, lb: Labels, result: PlanResult) -> None:
    sheet = _sheet(wb, fm, lb, result.name, "binding")
    cols = [c for c in ("family", "label", "slack", "marginal_value", "meaning")
            if c in result.binding.columns]
    styles = {"slack": fm.general, "marginal_value": fm.general}
    put_frame(sheet, HEADER_ROW, 0, result.binding.loc[:, cols], [lb[c] for c in cols],
              [styles.get(c, fm.text) for c in cols], fm.header, fm.text)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 3, 14)
    sheet.set_column(4, 4, 70)


def _compare(sheet: Worksheet, fm: Formats, lb: Labels, top: int, labels: list[list],
             last_year: list[float], plan: list[float]) -> int:
    """Rows of labels | last year | plan | change | multiple with a total row."""
    label_cols = len(labels[0]) if labels else 1
    grid = np.column_stack([last_year, plan]) if labels else np.zeros((0, 2))
    total = _grid(sheet, fm, lb, top, labels, grid, label_cols, total_col=False)
    ly_col, plan_col = label_cols, label_cols + 1
    for row in range(top, total + 1):
        b, p = ref(row, ly_col), ref(row, plan_col)
        i = row - top
        ly = float(grid[i, 0]) if i < len(grid) else float(grid[:, 0].sum())
        pl = float(grid[i, 1]) if i < len(grid) else float(grid[:, 1].sum())
        formula(sheet, row, plan_col + 1, f"={p}-{b}", fm.amount, pl - ly)
        formula(sheet, row, plan_col + 2, f'=IF({b}=0,"",{p}/{b})', fm.multiple,
                pl / ly if ly else "")
    return total


def _last_year(wb: Workbook, fm: Formats, lb: Labels, result: PlanResult, products: list[str],
               months: list[str], show: Display) -> tuple[str, int, int]:
    """By product and by month; return (sheet, first and last month row)."""
    sheet = _sheet(wb, fm, lb, result.name, "last_year", freeze_col=0)
    tier = fr.tiers(result)
    hist_p = fr.history_by_product(result)
    plan_p = result.plan.groupby(n.PRODUCT)[n.AMOUNT].sum()
    put_headers(sheet, HEADER_ROW, 0, [lb["product"], lb["margin_tier"], lb["last_year"],
                                       lb["plan"], lb["change"], lb["multiple"]], fm.header)
    total = _compare(sheet, fm, lb, HEADER_ROW + 1,
                     [[show.product(p), lb.tier(tier.get(p, ""))] for p in products],
                     [hist_p.get(p, 0.0) for p in products],
                     [float(plan_p.get(p, 0.0)) for p in products])
    head = total + 3
    put_text(sheet, head - 1, 0, lb["by_month"], fm.subtitle)
    put_headers(sheet, head, 0, [lb["month"], "", lb["last_year"], lb["plan"], lb["change"],
                                 lb["multiple"]], fm.header)
    plan_m = result.plan.groupby(n.MONTH)[n.AMOUNT].sum()
    _compare(sheet, fm, lb, head + 1, [[lb.month(m), ""] for m in range(1, 13)],
             fr.history_by_month(result), [float(plan_m.get(m, 0.0)) for m in months])
    sheet.set_column(0, 0, text_width([lb["product"], *show.product_labels(products)]))
    sheet.set_column(1, 5, 14)
    return lb["sheet_last_year"], head + 1, head + 12


def _charts(wb: Workbook, fm: Formats, lb: Labels, result: PlanResult,
            monthly: tuple[str, int, int], matrix: tuple[str, int, int, int]) -> None:
    sheet = _sheet(wb, fm, lb, result.name, "charts", freeze_col=0)
    name, first, last = monthly
    chart = wb.add_chart({"type": "column"})
    for col, color in ((2, LAST_YEAR_COLOR), (3, PLAN_COLOR)):
        chart.add_series({
            "name": [name, first - 1, col],
            "categories": [name, first, 0, last, 0],
            "values": [name, first, col, last, col],
            "fill": {"color": color},
            "border": {"none": True},
        })
    chart.set_title({"name": lb["chart_phasing"]})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
    chart.set_size({"width": 900, "height": 380})
    sheet.insert_chart(HEADER_ROW + 1, 0, chart)
    m_name, m_first, m_last, m_total = matrix
    bar = wb.add_chart({"type": "bar"})
    bar.add_series({
        "name": [m_name, HEADER_ROW, m_total],
        "categories": [m_name, m_first, 0, m_last, 0],
        "values": [m_name, m_first, m_total, m_last, m_total],
        "fill": {"color": PLAN_COLOR},
        "border": {"none": True},
    })
    bar.set_title({"name": lb["chart_teams"]})
    bar.set_x_axis({"num_format": "#,##0"})
    bar.set_y_axis({"reverse": True})
    bar.set_legend({"none": True})
    bar.set_size({"width": 900, "height": max(300, 22 * (m_last - m_first + 1) + 100)})
    sheet.insert_chart(HEADER_ROW + 21, 0, bar)


def write_summary_workbook(path: Path, result: PlanResult, labels: Labels) -> None:
    """Write ``summary.xlsx`` for ``result`` (a PlanResult) with ``labels``.

    Parameters
    ----------
    path : Path
        Target file.
    result : PlanResult
        The plan.
    labels : Labels
        Language of every label.
    """
    wb = PlannerWorkbook(str(path), WORKBOOK_OPTIONS)
    fm = make_formats(wb)
    products = fr.product_order(result)
    months = fr.months_of(result.year)
    teams = [str(t) for t in result.teams]
    show = Display.of(result)
    plan_by_product = {str(k): float(v) for k, v in
                       result.plan.groupby(n.PRODUCT)[n.AMOUNT].sum().items()}
    _settings(wb, fm, labels, result, float(result.plan[n.AMOUNT].sum()))
    _warnings(wb, fm, labels, result)
    _drivers(wb, fm, labels, result)
    _product_targets(wb, fm, labels, result, plan_by_product, show)
    matrix = _matrix(wb, fm, labels, result, teams, products, show)
    _monthly(wb, fm, labels, result, products, months, show)
    _weekly(wb, fm, labels, result, products, show)
    _binding(wb, fm, labels, result)
    monthly = _last_year(wb, fm, labels, result, products, months, show)
    _charts(wb, fm, labels, result, monthly, matrix)
    write_risk_sheet(wb, fm, labels, result, show)
    write_hiring_sheet(wb, fm, labels, result, show)  # [hiring] only
    wb.set_properties({"title": labels["title_settings"], "subject": str(result.name)[:255]})
    wb.close()
