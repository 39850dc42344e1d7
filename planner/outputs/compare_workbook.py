"""Outputs of ``planner compare``: ``compare.xlsx``, ``compare.png`` and the tables as CSV.

The workbook has one sheet per side-by-side table (Summary, Levers, Teams, Monthly)
and a Charts sheet with native Excel charts; differences from the first scenario are
live formulas (with cached values), totals are SUM formulas. Scenario, lever and team
names come from the user and are always written as text (``write_string``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter
from xlsxwriter.worksheet import Worksheet

from planner.atomic import atomic_directory, atomic_write
from planner.output_guard import Source
from planner.outputs.cells import PlannerWorkbook, formula, put, put_headers, put_text, ref, rng
from planner.outputs.cells import text_width as _width
from planner.outputs.charts import chart_style
from planner.outputs.csv_writer import write_csv
from planner.outputs.display import Display
from planner.outputs.labels import get_labels
from planner.outputs.layout import WORKBOOK_OPTIONS
from planner.outputs.safety import chart_text
from planner.outputs.styles import FONT, Formats, make_formats, page_setup

if TYPE_CHECKING:
    from planner.compare import Comparison

COMPARE_XLSX: Final = "compare.xlsx"
COMPARE_PNG: Final = "compare.png"
CSV_NAMES: Final = {"summary": "compare_summary.csv", "levers": "compare_levers.csv",
                    "teams": "compare_teams.csv", "monthly": "compare_monthly.csv"}
SHEETS: Final = {"summary": "Summary", "levers": "Levers", "teams": "Teams",
                 "monthly": "Monthly", "charts": "Charts"}
TITLES: Final = {"summary": "Scenarios compared", "levers": "Uplift per lever",
                 "teams": "Yearly target per team (with the buffer)",
                 "monthly": "Company target per month (with the buffer)",
                 "charts": "Charts"}
HEADER_ROW: Final = 3  # 0 title, 1 note, 2 blank
NO_CHART: Final = ("No scenario reaches its target, so there is nothing to chart: see the "
                   "Summary sheet for why and the largest reachable multiple of each")
DPI: Final = 110
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                  "Nov", "Dec")
_SUMMARY_HEADERS: Final = {
    "scenario": "scenario", "file": "file", "year": "plan year", "feasible": "feasible",
    "last_year": "last year", "target": "company target", "multiple": "multiple",
    "target_vs_first": "target vs first", "team_targets": "team targets (with buffer)",
    "max_multiple": "largest reachable multiple", "high_margin_share": "high-margin share",
    "reason": "why not feasible",
}


def write_comparison(comparison: Comparison, out_dir: Path, *, force: bool = False,
                     csv_safe: bool = False, sources: Iterable[Source] = ()) -> list[Path]:
    """Write every output of a comparison into ``out_dir``, all or nothing.

    Parameters
    ----------
    comparison : Comparison
    out_dir : Path
        Final directory (built beside it, moved into place when complete).
    force : bool
        Replace an existing ``out_dir`` that planner wrote.
    csv_safe : bool
        Escape CSV text that a spreadsheet would run as a formula.
    sources : iterable of Source
        What the scenarios read: ``out_dir`` may not be, contain or lie inside them.

    Returns
    -------
    list of Path
        ``compare.xlsx``, ``compare.png`` and the four CSV files, under ``out_dir``.
    """
    names: list[str] = []
    with atomic_directory(out_dir, force=force, sources=sources, command="compare") as tmp:
        for key, frame in comparison.tables().items():
            def write(path: Path, frame: pd.DataFrame = frame) -> None:
                write_csv(frame, path, csv_safe=csv_safe)

            atomic_write(tmp / CSV_NAMES[key], write)
            names.append(CSV_NAMES[key])
        atomic_write(tmp / COMPARE_XLSX, lambda p: write_compare_workbook(p, comparison))
        atomic_write(tmp / COMPARE_PNG, lambda p: compare_chart(comparison, p))
        names += [COMPARE_XLSX, COMPARE_PNG]
    return [Path(out_dir) / name for name in names]


def _sheet(wb: PlannerWorkbook, fm: Formats, key: str, note: str) -> Worksheet:
    sheet = wb.add_worksheet(SHEETS[key])
    put_text(sheet, 0, 0, TITLES[key], fm.title)
    put_text(sheet, 1, 0, note, fm.note)
    page_setup(sheet, left=TITLES[key], center="", footer=get_labels("en")["page"],
               header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 1))
    return sheet


def _summary(wb: PlannerWorkbook, fm: Formats, comparison: Comparison, note: str) -> None:
    sheet = _sheet(wb, fm, "summary", note)
    frame = comparison.summary
    put_headers(sheet, HEADER_ROW, 0, [_SUMMARY_HEADERS.get(c, c) for c in frame.columns],
                fm.header)
    number: dict[str, Any] = {"year": fm.general, "last_year": fm.amount, "target": fm.amount,
                              "target_vs_first": fm.amount, "team_targets": fm.amount,
                              "multiple": fm.multiple, "max_multiple": fm.multiple,
                              "high_margin_share": fm.percent}
    wrap = wb.add_format({"font_name": FONT, "font_size": 10, "text_wrap": True,
                          "valign": "top"})
    for i, record in enumerate(frame.to_dict("records"), start=HEADER_ROW + 1):
        for j, column in enumerate(frame.columns):
            value = record[column]
            if column == "feasible":
                put_text(sheet, i, j, "yes" if value else "NO: out of reach", fm.text)
            elif column == "reason":
                put_text(sheet, i, j, value, wrap)
            else:
                put(sheet, i, j, value, number.get(column, fm.text), fm.text)
    for j, column in enumerate(frame.columns):
        if column in ("scenario", "file"):
            sheet.set_column(j, j, _width([column, *frame[column]], maximum=60))
        else:
            sheet.set_column(j, j, 60 if column == "reason" else 15)


def _grid(wb: PlannerWorkbook, fm: Formats, key: str, frame: pd.DataFrame, labels: list[str],
          value_fmt: Any, note: str, total: bool,
          show: Callable[[object], object] | None = None) -> tuple[int, int]:
    """Label column, one column per scenario, difference formulas; return first/last row.

    ``show`` turns a row label (e.g. a team code) into the text shown.
    """
    sheet = _sheet(wb, fm, key, note)
    put_headers(sheet, HEADER_ROW, 0, list(frame.columns), fm.header)
    first = HEADER_ROW + 1
    count = len(frame)
    ncols = len(labels)
    for i, record in enumerate(frame.itertuples(index=False, name=None), start=first):
        put(sheet, i, 0, record[0] if show is None else show(record[0]), fm.general, fm.text)
        for j in range(ncols):
            put(sheet, i, 1 + j, record[1 + j], value_fmt)
        for j in range(1, ncols):
            col = ncols + j
            a, b = record[1 + j], record[1]
            if _missing(a) or _missing(b):
                sheet.write_blank(i, col, None, value_fmt)
            else:
                formula(sheet, i, col, f"={ref(i, 1 + j)}-{ref(i, 1)}", value_fmt,
                        float(a) - float(b))
    if total and count:
        row = first + count
        put_text(sheet, row, 0, get_labels("en")["total"], fm.label_total)
        for col in range(1, len(frame.columns)):
            cached = float(np.nansum(frame.iloc[:, col].to_numpy(float)))
            formula(sheet, row, col, f"=SUM({rng(first, col, row - 1, col)})",
                    fm.amount_total, cached)
    shown = frame.iloc[:, 0] if show is None else [show(v) for v in frame.iloc[:, 0]]
    sheet.set_column(0, 0, _width([frame.columns[0], *shown]))
    sheet.set_column(1, max(1, len(frame.columns) - 1),
                     max(16.0, _width(frame.columns[1:], maximum=36)))
    return first, first + count - 1


def team_display(comparison: Comparison) -> Display:
    """Display names of the teams of every scenario that has a plan (later runs win)."""
    teams: dict[str, str] = {}
    for run in comparison.runs:
        if run.result is not None:
            teams.update(Display.of(run.result).teams)
    return Display(teams=teams)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _charts(wb: PlannerWorkbook, fm: Formats, comparison: Comparison,
            monthly: tuple[int, int], levers: tuple[int, int]) -> None:
    """Native charts of the feasible scenarios (a note instead when there are none)."""
    sheet = _sheet(wb, fm, "charts", "Native Excel charts of the Monthly and Levers sheets")
    feasible = [(j, run) for j, run in enumerate(comparison.runs, start=1) if run.feasible]
    if not feasible:
        put_text(sheet, HEADER_ROW + 1, 0, NO_CHART, fm.text)
        return
    line = wb.add_chart({"type": "line"})
    m_sheet, (m_first, m_last) = SHEETS["monthly"], monthly
    for j, _run in feasible:
        line.add_series({"name": [m_sheet, HEADER_ROW, j],
                         "categories": [m_sheet, m_first, 0, m_last, 0],
                         "values": [m_sheet, m_first, j, m_last, j],
                         "marker": {"type": "circle", "size": 4}})
    line.set_title({"name": TITLES["monthly"]})
    line.set_x_axis({"name": "month"})
    line.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
    line.set_size({"width": 900, "height": 380})
    sheet.insert_chart(HEADER_ROW + 1, 0, line)
    l_sheet, (l_first, l_last) = SHEETS["levers"], levers
    if l_last >= l_first:
        bars = wb.add_chart({"type": "bar"})
        for j, _run in feasible:
            bars.add_series({"name": [l_sheet, HEADER_ROW, j],
                             "categories": [l_sheet, l_first, 0, l_last, 0],
                             "values": [l_sheet, l_first, j, l_last, j]})
        bars.set_title({"name": TITLES["levers"]})
        bars.set_x_axis({"num_format": "0%", "major_gridlines": {"visible": True}})
        bars.set_y_axis({"reverse": True})
        bars.set_size({"width": 900, "height": max(320, 18 * (l_last - l_first + 1)
                                                   * max(1, len(comparison.labels)) + 120)})
        sheet.insert_chart(HEADER_ROW + 21, 0, bars)


def write_compare_workbook(path: Path, comparison: Comparison) -> None:
    """Write ``compare.xlsx``: Summary, Levers, Teams, Monthly and Charts sheets.

    Parameters
    ----------
    path : Path
        Target file.
    comparison : Comparison
        The side-by-side tables.
    """
    wb = PlannerWorkbook(str(path), WORKBOOK_OPTIONS)
    fm = make_formats(wb)
    labels = comparison.labels
    note = (f"Differences: each scenario minus the first ({labels[0]})" if len(labels) > 1
            else "One scenario")
    _summary(wb, fm, comparison, note)
    levers = _grid(wb, fm, "levers", comparison.levers, labels, fm.percent,
                   note + "; uplift 25% = +25% over last year's value", total=False)
    _grid(wb, fm, "teams", comparison.teams, labels, fm.amount, note, total=True,
          show=team_display(comparison).team)
    monthly = _grid(wb, fm, "monthly", comparison.monthly, labels, fm.amount,
                    note + "; months 1..12 of each scenario's plan year", total=True)
    _charts(wb, fm, comparison, monthly, levers)
    wb.set_properties({"title": TITLES["summary"], "subject": ", ".join(labels)[:255]})
    wb.close()


def _scale(values: np.ndarray) -> tuple[float, str]:
    largest = float(np.nanmax(np.abs(values))) if values.size and np.isfinite(
        values).any() else 0.0
    for divisor, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if largest >= divisor:
            return divisor, f"amount ({suffix})"
    return 1.0, "amount"


def _formatter(divisor: float) -> FuncFormatter:
    digits = 0 if divisor == 1 else 1

    def text(value: float, _pos: object) -> str:
        return f"{value / divisor:,.{digits}f}"

    return FuncFormatter(text)


def compare_chart(comparison: Comparison, path: Path) -> Path:
    """Monthly phasing per scenario (top) and the uplift per lever (bottom), as a PNG.

    Parameters
    ----------
    comparison : Comparison
    path : Path
        PNG file to write.

    Returns
    -------
    Path
    """
    runs = comparison.runs
    monthly, levers = comparison.monthly, comparison.levers
    with chart_style():
        fig = Figure(figsize=(10, 8.5), layout="constrained")
        top, bottom = fig.subplots(2, 1, height_ratios=(1, 1.2))
        x = np.arange(1, 13)
        values = monthly[[r.label for r in runs]].to_numpy(float) if len(monthly) else np.zeros(0)
        divisor, unit = _scale(values)
        for i, run in enumerate(runs):
            name = chart_text(run.label)
            if not run.feasible:
                top.plot([], [], color=f"C{i}", label=f"{name} (out of reach)")
                continue
            top.plot(x, monthly[run.label].to_numpy(float), marker="o", markersize=3,
                     color=f"C{i}", label=name)
        top.set_ylim(bottom=0)
        if not any(run.feasible for run in runs):
            for axes in (top, bottom):
                axes.text(0.5, 0.5, "no scenario reaches its target", ha="center",
                          va="center", transform=axes.transAxes, color="0.4")
            top.set_ylim(0, 1)
            top.set_yticks([])
            bottom.set_xticks([])
        top.set_xticks(x, list(_MONTHS))
        top.yaxis.set_major_formatter(_formatter(divisor))
        top.set_ylabel(unit)
        top.set_title("Company target per month (with the buffer)")
        top.legend(frameon=False, fontsize=8)
        names = [chart_text(v) for v in levers["lever"]] if len(levers) else []
        feasible = [r for r in runs if r.feasible]
        height = 0.8 / max(1, len(feasible))
        y = np.arange(len(names))
        for k, run in enumerate(feasible):
            uplift = levers[run.label].to_numpy(float)
            bottom.barh(y + k * height - 0.4 + height / 2, np.nan_to_num(uplift), height,
                        color=f"C{runs.index(run)}", label=chart_text(run.label))
        bottom.set_yticks(y, names)
        bottom.invert_yaxis()
        bottom.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        bottom.set_xlabel("uplift over last year")
        bottom.set_title("Uplift per lever")
        if feasible:
            bottom.legend(frameon=False, fontsize=8)
        FigureCanvasAgg(fig)
        fig.savefig(path, dpi=DPI)
    return path
