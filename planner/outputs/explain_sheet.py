"""The "How this target was set" sheet of a team workbook.

One printed page wide: the team's bridge from last year to its target (one row per
step: amount, running total as a live formula, one plain sentence), the rules that bind
for the team with their marginal values, then the same per product and per month in
compact form. Amounts are constants from :mod:`planner.explain`; every total is a live
``=SUM(...)`` whose cached value is the exact sum, so the target cell equals the
Targets sheet's total to the cent.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

import numpy as np
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from planner.explain import steps as st
from planner.explain.inputs import inputs_of
from planner.explain.months import MonthRows
from planner.explain.shared import cached
from planner.explain.team_sheet import TeamSheet, prepare, team_sheet
from planner.outputs.cells import (
    formula,
    put_formulas,
    put_headers,
    put_numbers,
    put_text,
    ref,
    rng,
)
from planner.outputs.display import Display
from planner.outputs.layout import HEADER_ROW, Context, print_setup, sheet_top
from planner.plan_result import PlanResult

LAST_COL = 8  # A..I
NOTE_COL = 3  # the bridge's sentence: D..I
NOTE_CHARS = 6 * 14  # characters a line of the merged sentence holds (about)
WIDTHS = (30.0, 14.0, 14.0, 14.0, 14.0, 14.0, 14.0, 14.0, 14.0)
LINE_HEIGHT = 13.5
#: Characters that take two widths in a line (CJK and beyond).
_WIDE: Final = re.compile("[\u2e81-\U0010ffff]")


def _wrapped(wb: Workbook) -> Any:
    return wb.add_format({"font_name": "Calibri", "font_size": 10, "text_wrap": True,
                          "valign": "top"})


def line_width(text: str) -> int:
    """The widths ``text`` takes in a line: two for each CJK character, one for others.

    Examples
    --------
    >>> line_width("x1.10 on last year"), line_width("团队 2027 年的目标。"), line_width("±5%")
    (18, 20, 3)
    """
    return len(text) if text.isascii() else len(text) + len(_WIDE.findall(text))


def _note(sheet: Worksheet, row: int, first: int, text: str, fmt: Any) -> None:
    """User-derived text in a merged cell (as text), with room for its lines."""
    sheet.merge_range(row, first, row, LAST_COL, "", fmt)
    put_text(sheet, row, first, text, fmt)
    chars = max(1, NOTE_CHARS * (LAST_COL - first + 1) // (LAST_COL - NOTE_COL + 1))
    sheet.set_row(row, LINE_HEIGHT * max(1, math.ceil(line_width(text) / chars)) + 2)


def _bridge(sheet: Worksheet, ctx: Context, steps: list[tuple[str, int, str]],
            target_text: str, wrap: Any, top: int) -> int:
    """The bridge rows from ``top``; returns the row after the target row."""
    fm, lb = ctx.formats, ctx.labels
    put_headers(sheet, top - 1, 0, [lb["explain_step"], lb["explain_amount"],
                                    lb["explain_running"]], fm.header)
    sheet.merge_range(top - 1, NOTE_COL, top - 1, LAST_COL, "", fm.header_left)
    put_text(sheet, top - 1, NOTE_COL, lb["explain_why"], fm.header_left)
    running = 0
    for i, (step, cents, note) in enumerate(steps):
        r = top + i
        running += int(cents)
        put_text(sheet, r, 0, lb[f"step_{step}"], fm.text)
        sheet.write_number(r, 1, int(cents) / 100.0, fm.amount)
        previous = "" if i == 0 else f"{ref(r - 1, 2)}+"
        formula(sheet, r, 2, f"={previous}{ref(r, 1)}", fm.amount, running / 100.0)
        _note(sheet, r, NOTE_COL, str(note), wrap)
    last = top + len(steps) - 1
    total = top + len(steps)
    put_text(sheet, total, 0, lb["explain_target"], fm.label_total)
    formula(sheet, total, 1, f"=SUM({rng(top, 1, last, 1)})", fm.amount_total, running / 100.0)
    formula(sheet, total, 2, f"={ref(last, 2)}", fm.amount_total, running / 100.0)
    _note(sheet, total, NOTE_COL, target_text, wrap)
    return total + 1


def _rules(sheet: Worksheet, ctx: Context, rules: list[tuple[str, float, str]], wrap: Any,
           dual: Any, top: int) -> int:
    fm, lb = ctx.formats, ctx.labels
    put_text(sheet, top, 0, lb["explain_rules"], fm.subtitle)
    if not rules:
        put_text(sheet, top + 1, 0, lb["explain_no_rules"], fm.note)
        return top + 2
    put_headers(sheet, top + 1, 0, [lb["explain_rule"], lb["explain_value"]], fm.header)
    sheet.merge_range(top + 1, 2, top + 1, LAST_COL, "", fm.header_left)
    put_text(sheet, top + 1, 2, lb["explain_why"], fm.header_left)
    for i, (rule, value, note) in enumerate(rules):
        r = top + 2 + i
        _note(sheet, r, 2, str(note), wrap)
        put_text(sheet, r, 0, str(rule), wrap)
        sheet.write_number(r, 1, float(value), dual)
        if len(str(rule)) > WIDTHS[0]:  # the rule's name wraps: room for two lines
            sheet.set_row(r, 2 * LINE_HEIGHT + 2)
    return top + 2 + len(rules)


def _products(sheet: Worksheet, ctx: Context, products: list[str], cents: np.ndarray,
              names: dict[str, str], top: int) -> int:
    fm, lb = ctx.formats, ctx.labels
    put_text(sheet, top, 0, lb["explain_by_product"], fm.subtitle)
    heads = [lb["product"], lb["step_last_year"], lb["explain_levers"], lb["explain_capacity"],
             lb["explain_rules_short"], lb["step_buffer"], lb["step_whole_units"],
             lb["explain_target"]]
    put_headers(sheet, top + 1, 0, heads, fm.header)
    first = top + 2
    targets = cents[:, -1].tolist()  # exact: whole cents, as Python ints
    families = len(st.FAMILIES)
    for i, product in enumerate(products):
        r = first + i
        put_text(sheet, r, 0, names.get(str(product), str(product)), fm.text)
        formula(sheet, r, 7, f"=SUM({rng(r, 1, r, 6)})", fm.amount_total, targets[i] / 100.0)
    if len(products):  # each cent / 100.0, as Python divides the whole cents
        put_numbers(sheet, first, 1, cents[:, :families] / 100.0, fm.amount)
    total = first + len(products)
    put_text(sheet, total, 0, lb["total"], fm.label_total)
    sums = cents.sum(axis=0).tolist() if len(products) else [0] * (families + 1)
    put_formulas(sheet, total, 1, [f"=SUM({rng(first, 1 + j, total - 1, 1 + j)})"
                                   for j in range(families + 1)],
                 fm.amount_total, [value / 100.0 for value in sums])
    return total + 1


def _months(sheet: Worksheet, ctx: Context, months: MonthRows, wrap: Any, top: int) -> int:
    fm, lb = ctx.formats, ctx.labels
    put_text(sheet, top, 0, lb["explain_by_month"], fm.subtitle)
    put_headers(sheet, top + 1, 0, [lb["month"], lb["working_days"], lb["explain_even"],
                                    lb["explain_season"], lb["explain_capacity_rules"],
                                    lb["explain_target"], lb["explain_share"]], fm.header)
    sheet.merge_range(top + 1, 7, top + 1, LAST_COL, "", fm.header_left)
    put_text(sheet, top + 1, 7, lb["explain_why"], fm.header_left)
    first = top + 2
    total = first + len(months.month)
    year_total = int(months.target.sum())
    days = months.working_days.tolist()
    parts = [months.even.tolist(), months.season.tolist(), months.capacity_rules.tolist()]
    target = months.target.tolist()
    whole = ref(total, 5, absolute=True)
    for i in range(len(months.month)):
        r = first + i
        put_text(sheet, r, 0, lb.month(i + 1), fm.text)
        sheet.write_number(r, 1, float(days[i]), fm.general)
        for j, part in enumerate(parts):
            sheet.write_number(r, 2 + j, int(part[i]) / 100.0, fm.amount)
        formula(sheet, r, 5, f"=SUM({rng(r, 2, r, 4)})", fm.amount_total,
                int(target[i]) / 100.0)
        share = int(target[i]) / year_total if year_total else 0.0
        formula(sheet, r, 6, f"=IF({whole}=0,0,{ref(r, 5)}/{whole})", fm.percent, share)
        _note(sheet, r, 7, str(months.note[i]), wrap)
    put_text(sheet, total, 0, lb["total"], fm.label_total)
    sums = [float(months.working_days.sum())] + [
        int(c.sum()) / 100.0 for c in (months.even, months.season, months.capacity_rules,
                                       months.target)]
    for j, value in enumerate(sums):
        formula(sheet, total, 1 + j, f"=SUM({rng(first, 1 + j, total - 1, 1 + j)})",
                fm.amount_total, value)
    formula(sheet, total, 6, f"=SUM({rng(first, 6, total - 1, 6)})", fm.percent_total,
            1.0 if year_total else 0.0)
    return total + 1


def prepare_explain(result: PlanResult, lang: str) -> None:
    """Compute once what every team's sheet reads (kept in the explanation's cache).

    The plan-wide splits and sums behind a team's bridge, rules and months are made on
    first use; made here, before the team workbooks are written in forked workers, each
    worker inherits them instead of making them again
    (:func:`planner.explain.team_sheet.prepare`). Every team's months are made here at
    once, so a worker's months are a look-up.
    """
    prepare(result, lang)
    _display(result)


def _display(result: PlanResult) -> Display:
    """The plan's display names (read once per plan)."""
    return cached(inputs_of(result), "sheet:display", lambda: Display.of(result))


def write_explain(wb: Workbook, result: PlanResult, team: str, team_label: str,
                  ctx: Context) -> None:
    """Add the "How this target was set" sheet for ``team`` to ``wb``.

    Parameters
    ----------
    wb : Workbook
        The team's workbook (the sheet is added where the caller is in the sheet order).
    result : PlanResult
        The plan, made by a plan run (it carries the explanation's inputs).
    team : str
        The team's code.
    team_label : str
        The team as shown (code and name).
    ctx : Context
        Labels (the workbook's language), formats, scenario and year.
    """
    lb, lang = ctx.labels, ctx.labels.lang
    sheet = wb.add_worksheet(lb["sheet_explain"])
    sheet_top(sheet, ctx, lb["title_explain"], team_label)
    wrap = _wrapped(wb)
    data: TeamSheet = team_sheet(result, team, lang)
    facts_target = ("The team's {year} target." if lang == "en" else "团队 {year} 年的目标。")
    row = _bridge(sheet, ctx, data.steps, facts_target.format(year=result.year), wrap,
                  HEADER_ROW + 1)
    dual = wb.add_format({"font_name": "Calibri", "font_size": 10, "num_format": "0.00E+00"})
    row = _rules(sheet, ctx, data.rules, wrap, dual, row + 1)
    display = _display(result)
    names = {str(p): display.product(p) for p in data.products}
    row = _products(sheet, ctx, data.products, data.cents, names, row + 1)
    _months(sheet, ctx, data.months, wrap, row + 1)
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width)
    # the title row repeats on every printed page: the bridge's header would be misleading
    print_setup(sheet, ctx, team_label, lb["title_explain"], 0, (HEADER_ROW + 1, 0))

