"""The planner's ``summary.xlsx``: settings, drivers, targets, phasing, constraints, charts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from planner import names as n
from planner.outputs import frames as fr
from planner.outputs.cells import formula, put, put_frame, put_headers, put_text, ref, rng
from planner.outputs.cells import text_width
from planner.outputs.labels import Labels
from planner.outputs.layout import WORKBOOK_OPTIONS
from planner.outputs.styles import Formats, make_formats, page_setup

HEADER_ROW = 2  # row 0 title, row 1 scenario name


def _sheet(wb: Workbook, fm: Formats, lb: Labels, result_name: str, key: str,
           header_row: int = HEADER_ROW, freeze_col: int = 1) -> Worksheet:
    sheet = wb.add_worksheet(lb[f"sheet_{key}"])
    put_text(sheet, 0, 0, lb[f"title_{key}"], fm.title)
    put_text(sheet, 1, 0, result_name, fm.subtitle)
    page_setup(sheet, left=result_name, center=lb[f"title_{key}"], footer=lb["page"],
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


def _settings(wb: Workbook, fm: Formats, lb: Labels, result: Any, plan_total: float) -> None:
    sheet = _sheet(wb, fm, lb, result.name, "settings")
    put_headers(sheet, HEADER_ROW, 0, [lb["setting"], lb["value"]], fm.header)
    row = HEADER_ROW + 1
    for key, value in result.settings:
        put_text(sheet, row, 0, key, fm.text)
        put_text(sheet, row, 1, value, fm.text)
        row += 1
    computed = [(lb["plan_year"], result.year, fm.general),
                (lb["company_target"], result.target, fm.amount),
                (lb["buffer"], result.buffer, fm.percent),
                (lb["team_targets_total"], plan_total, fm.amount),
                (lb["last_year_total"], result.history_total, fm.amount)]
    for label, value, style in computed:
        put_text(sheet, row, 0, label, fm.label)
        put(sheet, row, 1, value, style)
        row += 1
    put_text(sheet, row + 1, 0, lb["warnings"], fm.subtitle)
    for i, warning in enumerate(result.warnings or [lb["no_warnings"]]):
        put_text(sheet, row + 2 + i, 0, warning, fm.text)
    sheet.set_column(0, 0, text_width([k for k, _ in result.settings] + [lb["team_targets_total"]],
                                      18, 40))
    sheet.set_column(1, 1, text_width([v for _, v in result.settings], 18, 60))


def _drivers(wb: Workbook, fm: Formats, lb: Labels, result: Any) -> None:
    sheet = _sheet(wb, fm, lb, result.name, "drivers")
    styles = {"baseline": fm.general, "uplift": fm.percent, "planned": fm.general,
              "cap": fm.percent, "marginal_value": fm.amount}
    cols = [c for c in (*n.DRIVERS_COLUMNS, "kind") if c in result.drivers.columns]
    put_frame(sheet, HEADER_ROW, 0, result.drivers.loc[:, cols], [lb[c] for c in cols],
              [styles.get(c, fm.text) for c in cols], fm.header, fm.text)
    sheet.set_column(0, len(cols) - 1, 14)


def _product_targets(wb: Workbook, fm: Formats, lb: Labels, result: Any,
                     plan_by_product: dict[str, float]) -> None:
    sheet = _sheet(wb, fm, lb, result.name, "product_targets")
    pt = result.product_targets
    tier = fr.tiers(result)
    value_cols = [c for c in ("baseline_amount", "target_amount", "baseline_units",
                              "target_units") if c in pt.columns]
    headers = [lb["product"], lb["margin_tier"], *[lb[c] for c in value_cols], lb["in_plan"],
               lb["multiple"]]
    put_headers(sheet, HEADER_ROW, 0, headers, fm.header)
    top = HEADER_ROW + 1
    products = [str(p) for p in pt[n.PRODUCT]]
    values = pt.loc[:, value_cols].to_numpy(dtype=float)
    values = pd.DataFrame(values).assign(plan=[plan_by_product.get(p, 0.0) for p in products])
    grid = values.to_numpy(dtype=float)
    total = _grid(sheet, fm, lb, top, [[p, lb.tier(tier.get(p, ""))] for p in products], grid,
                  2, total_col=False)
    mult_col = 2 + grid.shape[1]
    if "baseline_amount" in value_cols and "target_amount" in value_cols:
        base_col, target_col = 2 + value_cols.index("baseline_amount"), 2 + value_cols.index(
            "target_amount")
        for row in range(top, total + 1):
            b, t = ref(row, base_col), ref(row, target_col)
            i = row - top
            cached = (grid[i, target_col - 2] / grid[i, base_col - 2]
                      if i < len(grid) and grid[i, base_col - 2] else "")
            if row == total and grid.size and grid[:, base_col - 2].sum():
                cached = grid[:, target_col - 2].sum() / grid[:, base_col - 2].sum()
            formula(sheet, row, mult_col, f'=IF({b}=0,"",{t}/{b})', fm.multiple, cached)
    sheet.set_column(0, 0, text_width([lb["product"], *products]))
    sheet.set_column(1, mult_col, 15)


def _matrix(wb: Workbook, fm: Formats, lb: Labels, result: Any, teams: list[str],
            products: list[str]) -> tuple[str, int, int, int]:
    """Team x product matrix; return (sheet, first row, last row, total column)."""
    sheet = _sheet(wb, fm, lb, result.name, "matrix")
    grid = fr.team_product(result.plan, teams, products).to_numpy()
    ly = result.history_teams.groupby(n.TEAM)[n.AMOUNT].sum() if len(
        result.history_teams) else pd.Series(dtype=float)
    total_col = 1 + len(products)
    put_headers(sheet, HEADER_ROW, 0, [lb["team"], *products, lb["total"], lb["last_year"],
                                       lb["multiple"]], fm.header)
    top = HEADER_ROW + 1
    total = _grid(sheet, fm, lb, top, [[t] for t in teams], grid, 1)
    for i in range(len(teams) + 1):
        row = top + i
        last_year = float(ly.reindex(teams).fillna(0.0).iloc[i]) if i < len(teams) else float(
            ly.reindex(teams).fillna(0.0).sum())
        if row == total:
            formula(sheet, row, total_col + 1, f"=SUM({rng(top, total_col + 1, total - 1, total_col + 1)})",
                    fm.amount_total, last_year)
        else:
            sheet.write_number(row, total_col + 1, last_year, fm.amount)
        plan_value = float(grid[i].sum()) if i < len(teams) else float(grid.sum())
        t, b = ref(row, total_col), ref(row, total_col + 1)
        formula(sheet, row, total_col + 2, f'=IF({b}=0,"",{t}/{b})', fm.multiple,
                plan_value / last_year if last_year else "")
    sheet.set_column(0, 0, text_width([lb["team"], *teams]))
    sheet.set_column(1, total_col + 2, 14)
    return lb["sheet_matrix"], top, total - 1, total_col
