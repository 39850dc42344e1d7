"""``tracking.xlsx``: attainment by team and month, the variance bridge, the landing.

Sheets: *Attainment* (teams x months, to date, full year and the year-end landing at
the current run rate), *Variance bridge* (per month: target, each driver effect,
actual), *Cumulative* (actual vs plan month by month, with the landing path), and the
tidy tables of ``attainment.csv`` and ``variance.csv`` (*Details*, *Variance*), then
*Notes*. Text is written as text (:func:`planner.outputs.cells.put`), never a formula.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner import names as n
from planner.outputs.cells import PlannerWorkbook, put, put_frame, put_text, text_width
from planner.outputs.labels import Labels, get_labels
from planner.outputs.layout import WORKBOOK_OPTIONS
from planner.outputs.styles import make_formats, page_setup
from planner.tracking.columns import ACTUAL, ALL, ATTAINMENT, FULL_YEAR, TARGET, TO_DATE

if TYPE_CHECKING:
    from planner.tracking.track import TrackResult

HEADER_ROW = 3


def column_label(lb: Labels, column: str) -> str:
    """A column's header in the workbook's language (its name when it has no label)."""
    return str(lb.code("col", column))


def shown(lb: Labels, frame: pd.DataFrame) -> pd.DataFrame:
    """The summary rows' markers in words: ``*`` as company or all, to date, full year."""
    out = frame.copy()
    if n.TEAM in out:
        out[n.TEAM] = out[n.TEAM].replace({ALL: lb["track_company"]})
    if n.PRODUCT in out:
        out[n.PRODUCT] = out[n.PRODUCT].replace({ALL: lb["track_all"]})
    if n.MONTH in out:
        out[n.MONTH] = out[n.MONTH].replace({TO_DATE: lb["track_to date"],
                                             FULL_YEAR: lb["track_full year"]})
    return out


def _title(sheet: Any, fm: Any, lb: Labels, title: str, result: TrackResult) -> None:
    put_text(sheet, 0, 0, title, fm.title)
    kind = str(lb.code("track_source", result.kind))
    put_text(sheet, 1, 0, lb["track_subtitle"].format(
        year=result.year, as_of=f"{result.as_of:%Y-%m-%d}", kind=kind), fm.note)


def _attainment(wb: PlannerWorkbook, fm: Any, lb: Labels, result: TrackResult) -> None:
    name = lb["sheet_attainment"]
    sheet = wb.add_worksheet(name)
    _title(sheet, fm, lb, lb["title_attainment"], result)
    rows = result.attainment.loc[result.attainment[n.PRODUCT] == ALL]
    months = [m for m in dict.fromkeys(rows[n.MONTH]) if m not in (TO_DATE, FULL_YEAR)]
    months.sort()
    grid = rows.pivot_table(index=n.TEAM, columns=n.MONTH, values=ATTAINMENT, sort=False)
    landing = result.landing.set_index(n.TEAM)
    headers = [lb["team"], *months, *(column_label(lb, c) for c in (
        TO_DATE, FULL_YEAR, TARGET, "actual_to_date", "landing", "landing_attainment"))]
    for j, text in enumerate(headers):
        put_text(sheet, HEADER_ROW, j, text, fm.header)
    teams = list(grid.index)
    company = lb["track_company"]
    for i, team in enumerate(teams, start=HEADER_ROW + 1):
        put_text(sheet, i, 0, company if team == ALL else team,
                 fm.label_total if team == ALL else fm.text)
        values = [grid.loc[team].get(m) for m in [*months, TO_DATE, FULL_YEAR]]
        for j, value in enumerate(values, start=1):
            put(sheet, i, j, value, fm.percent)
        row = landing.loc[team] if team in landing.index else None
        extra = [] if row is None else [row[TARGET], row["actual_to_date"], row["landing"],
                                        row["landing_attainment"]]
        for k, value in enumerate(extra):
            put(sheet, i, len(months) + 3 + k, value, fm.percent if k == 3 else fm.amount)
    sheet.set_column(0, 0, text_width([company, *map(str, teams)], 10, 30))
    sheet.set_column(1, len(headers) - 1, 12)
    page_setup(sheet, left="tracking", center=name, footer=lb["page"],
               header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 1))


def _bridge(wb: PlannerWorkbook, fm: Any, lb: Labels, result: TrackResult) -> None:
    name = lb["sheet_variance_bridge"]
    sheet = wb.add_worksheet(name)
    split = lb["track_split_drivers" if result.method == "drivers" else "track_split_volume"]
    _title(sheet, fm, lb, lb["title_variance_bridge"].format(split=split), result)
    bridge = result.bridge()
    bridge["variance"] = bridge[ACTUAL] - bridge[TARGET]
    cols = [n.MONTH, TARGET, *result.effects, ACTUAL, "variance"]
    put_frame(sheet, HEADER_ROW, 0, bridge[cols], [column_label(lb, c) for c in cols],
              [fm.text] + [fm.amount] * (len(cols) - 1), fm.header, fm.text)
    top = HEADER_ROW + len(bridge) + 3
    put_text(sheet, top - 1, 0, lb["track_per_team"], fm.subtitle)
    team = result.variance.groupby([n.TEAM, n.MONTH], as_index=False, sort=False)[
        [TARGET, *result.effects, ACTUAL]].sum()
    team["variance"] = team[ACTUAL] - team[TARGET]
    cols = [n.TEAM, n.MONTH, TARGET, *result.effects, ACTUAL, "variance"]
    put_frame(sheet, top, 0, team[cols], [column_label(lb, c) for c in cols],
              [fm.text, fm.text] + [fm.amount] * (len(cols) - 2), fm.header, fm.text)
    sheet.set_column(0, 1, 12)
    sheet.set_column(2, len(cols), 15)
    page_setup(sheet, left="tracking", center=name, footer=lb["page"],
               header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 1))


def _cumulative(wb: PlannerWorkbook, fm: Any, lb: Labels, result: TrackResult) -> None:
    name = lb["sheet_cumulative"]
    sheet = wb.add_worksheet(name)
    _title(sheet, fm, lb, lb["title_cumulative"], result)
    frame = result.cumulative
    cols = list(frame.columns)
    put_frame(sheet, HEADER_ROW, 0, frame, [column_label(lb, c) for c in cols],
              [fm.text] + [fm.amount] * (len(cols) - 1), fm.header, fm.text)
    chart = wb.add_chart({"type": "line"})
    last = HEADER_ROW + len(frame)
    for col, key in ((3, "cumulative_target"), (4, "cumulative_actual"), (5, "landing")):
        chart.add_series({"name": column_label(lb, key),
                          "categories": [name, HEADER_ROW + 1, 0, last, 0],
                          "values": [name, HEADER_ROW + 1, col, last, col]})
    chart.set_title({"name": lb["title_cumulative"]})
    sheet.insert_chart(last + 2, 0, chart, {"x_scale": 1.6, "y_scale": 1.2})
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, len(cols), 16)
    page_setup(sheet, left="tracking", center=name, footer=lb["page"],
               header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 1))


def _table(wb: PlannerWorkbook, fm: Any, lb: Labels, key: str, frame: pd.DataFrame,
           result: TrackResult) -> None:
    name = lb[key]
    sheet = wb.add_worksheet(name)
    _title(sheet, fm, lb, name, result)
    cols = list(frame.columns)
    formats = [fm.percent if c == ATTAINMENT else fm.text if frame[c].dtype == object
               else fm.amount for c in cols]
    put_frame(sheet, HEADER_ROW, 0, shown(lb, frame), [column_label(lb, c) for c in cols],
              formats, fm.header, fm.text)
    sheet.set_column(0, 2, 12)
    sheet.set_column(3, len(cols), 15)
    sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + len(frame), len(cols) - 1)
    page_setup(sheet, left="tracking", center=name, footer=lb["page"],
               header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 0))


def write_tracking_workbook(path: Path, result: TrackResult, lang: str = "en") -> Path:
    """Write ``tracking.xlsx`` for ``result`` to ``path``, labelled in ``lang``.

    Raises
    ------
    OutputError
        Unknown language.
    """
    lb = get_labels(lang)
    wb = PlannerWorkbook(str(path), WORKBOOK_OPTIONS)
    fm = make_formats(wb)
    _attainment(wb, fm, lb, result)
    _bridge(wb, fm, lb, result)
    _cumulative(wb, fm, lb, result)
    _table(wb, fm, lb, "sheet_details", result.attainment, result)
    _table(wb, fm, lb, "sheet_variance", result.variance, result)
    sheet = wb.add_worksheet(lb["sheet_notes"])
    _title(sheet, fm, lb, lb["sheet_notes"], result)
    effects = ", ".join(column_label(lb, e) for e in result.effects)
    lines = [lb["track_note_plan"].format(path=result.plan_dir),
             lb["track_note_split"].format(effects=effects),
             lb["track_note_landing"], *result.notes]
    for i, line in enumerate(lines, start=HEADER_ROW):
        put_text(sheet, i, 0, line, fm.text)
    sheet.set_column(0, 0, 120)
    wb.close()
    return path
