"""The live parts of a team workbook: the actuals grid and the KPI scorecard.

Formulas use only IF, SUM, COUNT, MIN and SUMPRODUCT (what Excel, LibreOffice and
the ``formulas`` package all evaluate), and every one returns ``""`` instead of an
error while its inputs are blank or a target is zero.

Actuals sheet (same rows and columns as Targets)::

    product rows      yellow input cells; total = IF(COUNT(row)=0,"",SUM(row))
    total row         IF(COUNT(col)=0,"",SUM(col))
    high-margin row   SUM(high rows)
    flag row          IF(COUNT(col)>0,1,0): the month has actuals
    attainment rows   IF(target=0,"",IF(actual="","",actual/target)); the total
                      column compares with the target of the flagged months

Scorecard, one row per KPI weight: full-year target, target to date, actual to date,
attainment, score ``IF(att="",0,MIN(att,cap))``, weight counted
``IF(att="",0,weight)``; weighted score ``IF(SUM(counted)=0,"",
SUMPRODUCT(weights,scores)/SUM(counted))``: the weights of KPIs not reported yet
are left out instead of counting as zero.
"""

from __future__ import annotations

import functools
from typing import Final

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from planner.outputs.cells import (
    formula,
    put_blanks,
    put_formulas,
    put_headers,
    put_text,
    put_texts,
    quote_sheet,
    ref,
    rng,
    text_width,
)
from planner.outputs.frames import HIGH, TeamData
from planner.outputs.layout import (
    FIRST_ROW,
    HEADER_ROW,
    LAST_MONTH_COL,
    MONTH_COL,
    TOTAL_COL,
    Context,
    Grid,
    month_headers,
    print_setup,
    row_sums,
    sheet_top,
)
from planner.outputs.sheet_xml import column_letters
from planner.outputs.styles import protect

REVENUE, HIGH_MIX = "revenue", "high_margin_mix"
CAP_ROW = HEADER_ROW  # scorecard: cap and share-to-date above the KPI header
KPI_HEADER_ROW = HEADER_ROW + 1
INPUT_LIMIT = 1e15


def _validate(sheet: Worksheet, ctx: Context, r1: int, c1: int, r2: int, c2: int) -> None:
    """Accept only numbers in input cells (text would turn attainment into #VALUE!)."""
    sheet.data_validation(r1, c1, r2, c2, {
        "validate": "decimal", "criteria": "between",
        "minimum": -INPUT_LIMIT, "maximum": INPUT_LIMIT,
        "input_title": ctx.labels["input_title"][:32],
        "input_message": ctx.labels["input_message"][:255],
        "error_title": ctx.labels["input_title"][:32],
        "error_message": ctx.labels["input_message"][:255],
    })


def flag_row(grid: Grid) -> int:
    """Row of the month-has-actuals flags on the Actuals sheet."""
    return grid.high_row + 1


def attainment_first(grid: Grid) -> int:
    """First product row of the attainment block on the Actuals sheet."""
    return flag_row(grid) + 3


def write_actuals(wb: Workbook, data: TeamData, ctx: Context, grid: Grid) -> None:
    """Sheet 4: actuals entry by product and month, and attainment against targets."""
    fm, lb = ctx.formats, ctx.labels
    targets = lb["sheet_targets"]
    sheet = wb.add_worksheet(lb["sheet_actuals"])
    sheet_top(sheet, ctx, lb["title_actuals"], data.team_label)
    put_text(sheet, HEADER_ROW - 1, MONTH_COL + 1, lb["actuals_entry"], fm.subtitle)
    headers = [lb["product"], lb["margin_tier"], *month_headers(ctx), lb["total"]]
    put_headers(sheet, HEADER_ROW, 0, headers, fm.header)
    first, last = grid.first, grid.last
    put_blanks(sheet, first, MONTH_COL, last, LAST_MONTH_COL, fm.input_amount)
    for i, product in enumerate(data.product_labels):
        row = first + i
        put_texts(sheet, row, 0, [product, lb.tier(data.tiers[i])], fm.text)
        cells = rng(row, MONTH_COL, row, LAST_MONTH_COL)
        formula(sheet, row, TOTAL_COL, f'=IF(COUNT({cells})=0,"",SUM({cells}))',
                fm.amount_total, "")
    if data.products:
        _validate(sheet, ctx, first, MONTH_COL, last, LAST_MONTH_COL)
    flags = flag_row(grid)
    put_texts(sheet, grid.total_row, 0, [lb["total"], ""], fm.label_total)
    put_text(sheet, grid.high_row, 0, lb["of_which_high"], fm.label)
    put_text(sheet, flags, 0, lb["has_actuals"], fm.note)
    totals, highs, counted = _actuals_formulas(grid)
    if data.products:
        put_formulas(sheet, grid.total_row, MONTH_COL, totals, fm.amount_total, _BLANKS)
    else:
        put_texts(sheet, grid.total_row, MONTH_COL, _BLANKS, fm.amount_total)
    if grid.high is None:
        for col in range(MONTH_COL, TOTAL_COL + 1):
            sheet.write_number(grid.high_row, col, 0.0, fm.amount)
    else:
        put_formulas(sheet, grid.high_row, MONTH_COL, highs, fm.amount, _ZEROS)
    put_formulas(sheet, flags, MONTH_COL, counted, fm.flag, _ZEROS[:-1])
    _attainment_block(sheet, data, ctx, grid, targets)
    sheet.set_column(0, 0, text_width([lb["product"], lb["has_actuals"], *data.product_labels]))
    sheet.set_column(1, 1, text_width([lb["margin_tier"], *map(lb.tier, data.tiers)], 10))
    sheet.set_column(MONTH_COL, LAST_MONTH_COL, 12)
    sheet.set_column(TOTAL_COL, TOTAL_COL, 14)
    print_setup(sheet, ctx, data.team_label, lb["title_actuals"], HEADER_ROW, (FIRST_ROW, 1))
    protect(sheet)


def _attainment_block(sheet: Worksheet, data: TeamData, ctx: Context, grid: Grid,
                      targets: str) -> None:
    """Attainment per product and month, and for the year to date."""
    fm, lb = ctx.formats, ctx.labels
    flags = flag_row(grid)
    top = attainment_first(grid)
    put_text(sheet, top - 2, 0, lb["attainment_block"], fm.subtitle)
    put_text(sheet, top - 2, MONTH_COL + 4, lb["ytd_note"], fm.note)
    put_headers(sheet, top - 1, 0, [lb["product"], lb["margin_tier"], *month_headers(ctx),
                                    lb["total"]], fm.header)
    rows = [(grid.first + i, p, lb.tier(data.tiers[i]))
            for i, p in enumerate(data.product_labels)]
    rows.append((grid.total_row, lb["total"], ""))
    flag_cells = rng(flags, MONTH_COL, flags, LAST_MONTH_COL)
    sheet_name = quote_sheet(targets)
    for k, (source, name, tier) in enumerate(rows):
        row = top + k
        is_total = source == grid.total_row
        put_texts(sheet, row, 0, [name, tier], fm.label_total if is_total else fm.text)
        put_formulas(sheet, row, MONTH_COL,
                     _attainment_formulas(source, sheet_name, targets, flag_cells),
                     fm.percent_total if is_total else fm.percent, _BLANKS)


#: Cached values of a row of cells from the first month to the total.
_BLANKS: Final = ("",) * (TOTAL_COL - MONTH_COL + 1)
_ZEROS: Final = (0.0,) * (TOTAL_COL - MONTH_COL + 1)


@functools.lru_cache(maxsize=256)
def _actuals_formulas(grid: Grid) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The Actuals sheet's total row, high-margin row and flags (months), remembered.

    Every team workbook with the same grid has the same formulas.
    """
    first, last = grid.first, grid.last
    cells = [rng(first, col, last, col) for col in range(MONTH_COL, TOTAL_COL)]
    totals = [f'=IF(COUNT({c})=0,"",SUM({c}))'
              for c in [*cells, rng(first, MONTH_COL, last, LAST_MONTH_COL)]]
    highs: list[str] = []
    if grid.high is not None:
        high = grid.high
        highs = [f"=SUM({rng(high[0], col, high[1], col)})"
                 for col in range(MONTH_COL, TOTAL_COL)]
        highs.append(f"=SUM({rng(grid.high_row, MONTH_COL, grid.high_row, LAST_MONTH_COL)})")
    counted = [f"=IF({f'COUNT({c})>0' if grid.count else 'FALSE'},1,0)" for c in cells]
    return tuple(totals), tuple(highs), tuple(counted)


@functools.lru_cache(maxsize=1024)
def _attainment_formulas(source: int, sheet_name: str, targets: str,
                         flag_cells: str) -> tuple[str, ...]:
    """A row's attainment formulas: each month's, then the year to date's (remembered).

    ``source`` is the row of the product (or total) on Targets and Actuals; every team
    workbook with that many products has the same formulas.
    """
    number = source + 1
    texts = []
    for col in range(MONTH_COL, LAST_MONTH_COL + 1):  # ref(source, col, targets), ref(...)
        letters = column_letters(col)
        target, actual = f"{sheet_name}!{letters}{number}", f"{letters}{number}"
        texts.append(f'=IF({target}=0,"",IF({actual}="","",{actual}/{target}))')
    to_date = f"SUMPRODUCT({rng(source, MONTH_COL, source, LAST_MONTH_COL, targets)}," \
              f"{flag_cells})"
    actual = ref(source, TOTAL_COL)
    texts.append(f'=IF({actual}="","",IF({to_date}=0,"",{actual}/{to_date}))')
    return tuple(texts)


def write_scorecard(wb: Workbook, data: TeamData, ctx: Context, grid: Grid) -> None:
    """Sheet 5: weighted KPI scorecard with input cells for the other KPIs."""
    fm, lb = ctx.formats, ctx.labels
    targets, actuals = lb["sheet_targets"], lb["sheet_actuals"]
    sheet = wb.add_worksheet(lb["sheet_scorecard"])
    sheet_top(sheet, ctx, lb["title_scorecard"], data.team_label)
    put_text(sheet, CAP_ROW, 0, lb["cap"], fm.label)
    sheet.write_number(CAP_ROW, 1, ctx.cap, fm.percent)
    cap = ref(CAP_ROW, 1, absolute=True)
    t_total = ref(grid.total_row, TOTAL_COL, targets)
    t_high = ref(grid.high_row, TOTAL_COL, targets)
    a_total = ref(grid.total_row, TOTAL_COL, actuals)
    a_high = ref(grid.high_row, TOTAL_COL, actuals)
    flags = rng(flag_row(grid), MONTH_COL, flag_row(grid), LAST_MONTH_COL, actuals)
    t_months = rng(grid.total_row, MONTH_COL, grid.total_row, LAST_MONTH_COL, targets)
    h_months = rng(grid.high_row, MONTH_COL, grid.high_row, LAST_MONTH_COL, targets)
    to_date = f"SUMPRODUCT({t_months},{flags})"
    monthly = data.monthly.to_numpy()
    total = float(monthly.sum())
    product_totals = row_sums(monthly)  # each as ``float(data.monthly.iloc[i].sum())``
    high = sum(product_totals[i] for i, t in enumerate(data.tiers) if t == HIGH)
    put_text(sheet, CAP_ROW, 3, lb["share_to_date"], fm.label)
    share = ref(CAP_ROW, 4, absolute=True)
    formula(sheet, CAP_ROW, 4, f'=IF({t_total}=0,"",{to_date}/{t_total})', fm.percent,
            0.0 if total else "")
    headers = [lb["kpi"], lb["weight"], lb["full_year_target"], lb["target_to_date"],
               lb["actual_to_date"], lb["attainment"], lb["score"], lb["weight_counted"]]
    put_headers(sheet, KPI_HEADER_ROW, 0, headers, fm.header)
    first = KPI_HEADER_ROW + 1
    for i, (kpi, weight) in enumerate(ctx.kpi_weights.items()):
        row = first + i
        put_text(sheet, row, 0, lb.kpi(kpi), fm.text)
        sheet.write_number(row, 1, float(weight), fm.percent)
        c, d, e, f = (ref(row, col) for col in (2, 3, 4, 5))
        if kpi == REVENUE:
            formula(sheet, row, 2, f"={t_total}", fm.amount, total)
            formula(sheet, row, 3, f"={to_date}", fm.amount, 0.0)
            formula(sheet, row, 4, f"={a_total}", fm.amount, "")
        elif kpi == HIGH_MIX:
            formula(sheet, row, 2, f'=IF({t_total}=0,"",{t_high}/{t_total})', fm.percent,
                    high / total if total else "")
            formula(sheet, row, 3, f'=IF({to_date}=0,"",SUMPRODUCT({h_months},{flags})'
                                   f"/{to_date})", fm.percent, "")
            formula(sheet, row, 4, f'=IF({a_total}="","",IF({a_total}=0,"",'
                                   f"{a_high}/{a_total}))", fm.percent, "")
        else:
            planned = data.kpi_targets.get(kpi)
            if planned is None:
                sheet.write_blank(row, 2, None, fm.input_amount)
            else:  # from the driver model, still an input the planner may change
                sheet.write_number(row, 2, round(planned), fm.input_amount)
            formula(sheet, row, 3, f'=IF({c}="","",IF({share}="","",{c}*{share}))',
                    fm.amount, "")
            sheet.write_blank(row, 4, None, fm.input_amount)
            _validate(sheet, ctx, row, 2, row, 2)
            _validate(sheet, ctx, row, 4, row, 4)
        formula(sheet, row, 5, f'=IF({d}="","",IF({d}=0,"",IF({e}="","",{e}/{d})))',
                fm.percent, "")
        formula(sheet, row, 6, f'=IF({f}="",0,MIN({f},{cap}))', fm.percent, 0.0)
        formula(sheet, row, 7, f'=IF({f}="",0,{ref(row, 1)})', fm.percent, 0.0)
    last = first + len(ctx.kpi_weights) - 1
    score_row = last + 1
    put_text(sheet, score_row, 0, lb["weighted_score"], fm.label_total)
    formula(sheet, score_row, 1, f"=SUM({rng(first, 1, last, 1)})", fm.percent_total,
            float(sum(ctx.kpi_weights.values())))
    for col in range(2, 6):
        put_text(sheet, score_row, col, "", fm.label_total)
    counted = rng(first, 7, last, 7)
    formula(sheet, score_row, 6, f'=IF(SUM({counted})=0,"",SUMPRODUCT('
                                 f'{rng(first, 1, last, 1)},{rng(first, 6, last, 6)})'
                                 f"/SUM({counted}))", fm.percent_total, "")
    formula(sheet, score_row, 7, f"=SUM({counted})", fm.percent_total, 0.0)
    for k, key in enumerate(("note_scorecard_1", "note_scorecard_2", "note_scorecard_3")):
        put_text(sheet, score_row + 2 + k, 0, lb[key], fm.note)
    sheet.set_column(0, 0, text_width([lb.kpi(k) for k in ctx.kpi_weights] + [lb["cap"]],
                                      14, 36))
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 7, 17)
    print_setup(sheet, ctx, data.team_label, lb["title_scorecard"], KPI_HEADER_ROW,
                (KPI_HEADER_ROW + 1, 1))
    protect(sheet)
