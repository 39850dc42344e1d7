"""Attainment risk in the workbooks: the summary's Risk sheet and a team's Risk sheet.

The summary's sheet holds the probability of each team and the company reaching its
target per quarter and year, the flagged teams with the reason, the method's notes,
and a chart of the distribution of the company's simulated yearly outcome, the bins
below the target and at or above it in two colours. A team's sheet holds its
probability and the outcomes reached with probability 0.5 and 0.9.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd
from xlsxwriter.workbook import Workbook

from planner.outputs.cells import put, put_headers, put_text, text_width
from planner.outputs.display import Display
from planner.outputs.labels import Labels
from planner.outputs.styles import Formats, page_setup
from planner.plan_result import PlanResult
from planner.risk.result import COMPANY, TEAM_LEVEL

HEADER_ROW: Final = 2
BINS: Final = 30
BELOW_COLOR, ABOVE_COLOR = "#C00000", "#2F5597"
#: Risk table columns shown, with their label keys and number style.
SHOWN: Final = (("period", "risk_period", "text"), ("target", "target", "amount"),
                ("expected", "risk_expected", "amount"), ("p_attain", "risk_p_attain", "percent"),
                ("outcome_p50", "risk_p50", "amount"), ("outcome_p90", "risk_p90", "amount"))


def _style(fm: Formats, kind: str) -> Any:
    return {"amount": fm.amount, "percent": fm.percent}.get(kind, fm.text)


def _shown(rows: pd.DataFrame) -> dict[str, list[Any]]:
    """The :data:`SHOWN` columns of risk rows, each read once."""
    return {name: rows[name].tolist() for name, _, _ in SHOWN}


def _table(sheet: Any, row: int, col: int, rows: pd.DataFrame | dict[str, list[Any]],
           fm: Formats, lb: Labels, first: tuple[str, list[str]] | None = None) -> int:
    """Write the risk rows (optionally a first text column); return the next free row.

    ``rows`` are the risk table's rows, or their :func:`_shown` columns.
    """
    heads = ([first[0]] if first else []) + [lb[key] for _, key, _ in SHOWN]
    put_headers(sheet, row, col, heads, fm.header)
    shown = rows if isinstance(rows, dict) else _shown(rows)  # read once, not row by row
    columns = [shown[name] for name, _, _ in SHOWN]
    for i in range(len(columns[0])):
        offset = 0
        if first:
            put_text(sheet, row + 1 + i, col, first[1][i], fm.text)
            offset = 1
        for j, (_, _, kind) in enumerate(SHOWN):
            value = columns[j][i]
            put(sheet, row + 1 + i, col + offset + j, lb.code("risk", value) if kind == "text"
                else float(value), _style(fm, kind), fm.text)
    return row + 1 + len(columns[0])


def write_risk_sheet(wb: Workbook, fm: Formats, lb: Labels, result: PlanResult,
                     show: Display) -> None:
    """Add the Risk sheet to the summary workbook (nothing when risk was not measured)."""
    report = result.risk_report
    if report is None:
        return
    sheet = wb.add_worksheet(lb["sheet_risk"])
    put_text(sheet, 0, 0, lb["title_risk"], fm.title)
    put_text(sheet, 1, 0, str(result.name), fm.subtitle)
    page_setup(sheet, left=str(result.name), center=lb["title_risk"], footer=lb["page"],
               header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 1))
    table = result.risk
    row = HEADER_ROW
    if table.empty:
        for i, note in enumerate(report.notes):
            put_text(sheet, row + i, 0, note, fm.note)
        sheet.set_column(0, 0, 110)
        return
    company = table.loc[table["level"] == COMPANY]
    row = _table(sheet, row, 0, company, fm, lb, (lb["team"], [lb["risk_company"]] * len(company)))
    teams = table.loc[(table["level"] == TEAM_LEVEL) & (table["period"] == "year")]
    row = _table(sheet, row + 1, 0, teams, fm, lb,
                 (lb["team"], [show.team(t) for t in teams["team"]]))
    row += 1
    put_text(sheet, row, 0, lb["risk_flags"], fm.subtitle)
    row += 1
    if report.flags.empty:
        put_text(sheet, row, 0, lb["risk_no_flags"], fm.note)
        row += 1
    else:
        put_headers(sheet, row, 0, [lb["team"], lb["risk_p_attain"], lb["risk_flag"],
                                    lb["risk_reason"]], fm.header)
        for i, f in enumerate(report.flags.itertuples(index=False)):
            put_text(sheet, row + 1 + i, 0, show.team(f.team), fm.text)
            put(sheet, row + 1 + i, 1, float(f.p_attain), fm.percent)
            put_text(sheet, row + 1 + i, 2, lb.code("risk", f.flag), fm.text)
            put_text(sheet, row + 1 + i, 3, f.reason, fm.text)
        row += 2 + len(report.flags)
    put_text(sheet, row + 1, 0, lb["risk_method"], fm.subtitle)
    for i, note in enumerate(report.notes):
        put_text(sheet, row + 2 + i, 0, note, fm.note)
    chart_row = row + 3 + len(report.notes)
    _distribution(wb, sheet, fm, lb, report.company_outcomes, report.company_target,
                  chart_row, str(lb["sheet_risk"]))
    names = [lb["risk_company"], *[show.team(t) for t in teams["team"]]]
    sheet.set_column(0, 0, text_width(names + [lb["team"]]))
    sheet.set_column(1, 6, 16)


def _distribution(wb: Workbook, sheet: Any, fm: Formats, lb: Labels, outcomes: np.ndarray,
                  target: float, top: int, sheet_name: str) -> None:
    """Histogram of the company's outcome (data at ``top``, chart beside it)."""
    if not len(outcomes):
        return
    counts, edges = np.histogram(outcomes, bins=BINS)
    mids = (edges[:-1] + edges[1:]) / 2.0
    share = counts / counts.sum()
    put_text(sheet, top, 0, lb["risk_distribution"], fm.subtitle)
    put_headers(sheet, top + 1, 0, [lb["risk_outcome"], lb["risk_below"], lb["risk_above"]],
                fm.header)
    for i, (mid, value) in enumerate(zip(mids, share, strict=True)):
        below = mid < target
        sheet.write_number(top + 2 + i, 0, float(mid), fm.amount)
        sheet.write_number(top + 2 + i, 1, float(value) if below else 0.0, fm.percent)
        sheet.write_number(top + 2 + i, 2, 0.0 if below else float(value), fm.percent)
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    first, last = top + 2, top + 1 + len(mids)
    for col, color in ((1, BELOW_COLOR), (2, ABOVE_COLOR)):
        chart.add_series({"name": [sheet_name, top + 1, col],
                          "categories": [sheet_name, first, 0, last, 0],
                          "values": [sheet_name, first, col, last, col],
                          "fill": {"color": color}, "border": {"none": True}, "gap": 10})
    chart.set_title({"name": lb["risk_chart"].format(target=f"{target:,.0f}",
                                                     p=float(np.mean(outcomes >= target)))})
    chart.set_x_axis({"num_format": "#,##0", "name": lb["risk_outcome"]})
    chart.set_y_axis({"num_format": "0%", "major_gridlines": {"visible": True}})
    chart.set_size({"width": 900, "height": 380})
    sheet.insert_chart(top + 1, 4, chart)


def team_risk(result: PlanResult, team: str) -> pd.DataFrame:
    """The team's rows of the risk table (empty when risk was not measured)."""
    table = result.risk
    return table.loc[(table["level"] == TEAM_LEVEL) & (table["team"].astype(str) == team)]


def team_risks(result: PlanResult) -> dict[str, pd.DataFrame]:
    """Every team's rows of the risk table (as :func:`team_risk`), split in one pass.

    Teams without rows are left out (their rows are empty: no Risk sheet).
    """
    table = result.risk
    rows = table.loc[table["level"] == TEAM_LEVEL]
    return {str(team): part for team, part in
            rows.groupby(rows["team"].astype(str).to_numpy(), sort=False)}


def write_team_risk(wb: Workbook, fm: Formats, lb: Labels, rows: pd.DataFrame,
                    team_label: str, scenario: str) -> None:
    """Add the team's Risk sheet: its probability and its 50% and 90% outcomes."""
    if rows.empty:
        return
    sheet = wb.add_worksheet(lb["sheet_risk"])
    put_text(sheet, 0, 0, lb["title_risk"], fm.title)
    put_text(sheet, 1, 0, team_label, fm.subtitle)
    page_setup(sheet, left=team_label, center=lb["title_risk"], footer=lb["page"],
               header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 1))
    shown = _shown(rows)
    row = _table(sheet, HEADER_ROW, 0, shown, fm, lb)
    year = shown["period"].index("year")  # the first year row
    p_attain, target, p50, p90 = (shown[name][year] for name in (
        "p_attain", "target", "outcome_p50", "outcome_p90"))
    put_text(sheet, row + 1, 0, lb["risk_team_note"].format(
        p=float(p_attain), target=f"{target:,.0f}", p50=f"{p50:,.0f}", p90=f"{p90:,.0f}"),
        fm.note)
    put_text(sheet, row + 2, 0, lb["risk_team_meaning"], fm.note)
    put_text(sheet, row + 3, 0, scenario, fm.note)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 5, 18)
