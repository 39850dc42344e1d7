"""The hiring plan in the outputs: its CSV, the Hiring sheet and the capacity steps.

``hiring_plan.csv``, the summary's Hiring sheet and the capacity panel of the waterfall
chart are written with ``[hiring]`` only; nothing changes without it.

The Hiring sheet holds, per plan month, the seats on the roster and how many of them
were hired, the roster's capacity at the plan's productivity next to the team targets
(with the buffer), a native chart of the two, and the whole seats hired by team,
grade and month. The waterfall's capacity panel goes from last year's capacity
through the roster before hiring, the hires and the productivity uplift to the
plan's capacity, as separate steps.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from xlsxwriter.workbook import Workbook

from planner import names as n
from planner.outputs.cells import put, put_headers, put_text, text_width
from planner.outputs.csv_writer import write_csv
from planner.outputs.display import Display
from planner.outputs.labels import Labels
from planner.outputs.styles import Formats, page_setup
from planner.plan_result import PlanResult

HIRING_PLAN_CSV: Final = "hiring_plan.csv"
HEADER_ROW: Final = 4
CAPACITY_COLOR, NEED_COLOR = "#A6A6A6", "#2F5597"


def write_hiring_csv(result: PlanResult, out_dir: Path, *, csv_safe: bool = False) -> list[Path]:
    """Write ``hiring_plan.csv`` (``team, grade, month, count``); nothing without hiring."""
    if result.hiring is None:
        return []
    return [write_csv(result.hiring.hires, out_dir / HIRING_PLAN_CSV, csv_safe=csv_safe)]


def write_hiring_sheet(wb: Workbook, fm: Formats, lb: Labels, result: PlanResult,
                       show: Display) -> None:
    """Add the Hiring sheet to the summary workbook (nothing without hiring)."""
    plan = result.hiring
    if plan is None:
        return
    name = str(lb["sheet_hiring"])
    sheet = wb.add_worksheet(name)
    put_text(sheet, 0, 0, lb["title_hiring"], fm.title)
    put_text(sheet, 1, 0, str(result.name), fm.subtitle)
    put_text(sheet, 2, 0, lb["hiring_total"].format(
        total=plan.total, roster=plan.roster_multiple, fixed=plan.fixed_multiple,
        driver=plan.driver_multiple), fm.note)
    put_text(sheet, 3, 0, lb["hiring_why"].format(rate=_rate_text(result)), fm.note)
    page_setup(sheet, left=str(result.name), center=lb["title_hiring"], footer=lb["page"],
               header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 1))
    months = plan.months
    heads = [lb["month"], lb["hiring_seats"], lb["hiring_hired"], lb["hiring_capacity"],
             lb["hiring_need"]]
    put_headers(sheet, HEADER_ROW, 0, heads, fm.header)
    for i, row in enumerate(months.itertuples(index=False)):
        r = HEADER_ROW + 1 + i
        put_text(sheet, r, 0, str(row.month), fm.text)
        put(sheet, r, 1, float(row.seats), fm.general, fm.text)
        put(sheet, r, 2, float(row.hired), fm.general, fm.text)
        put(sheet, r, 3, float(row.capacity), fm.amount, fm.text)
        put(sheet, r, 4, float(getattr(row, "need", math.nan)), fm.amount, fm.text)
    first, last = HEADER_ROW + 1, HEADER_ROW + len(months)
    chart = wb.add_chart({"type": "column"})
    for col, color in ((3, CAPACITY_COLOR), (4, NEED_COLOR)):
        chart.add_series({"name": [name, HEADER_ROW, col],
                          "categories": [name, first, 0, last, 0],
                          "values": [name, first, col, last, col],
                          "fill": {"color": color}, "border": {"none": True}})
    chart.set_title({"name": lb["hiring_chart"]})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
    chart.set_size({"width": 760, "height": 360})
    sheet.insert_chart(HEADER_ROW, 6, chart)
    row = last + 2
    put_headers(sheet, row, 0, [lb["team"], lb["grade"], lb["month"], lb["hiring_count"]],
                fm.header)
    for i, hire in enumerate(plan.hires.itertuples(index=False)):
        put_text(sheet, row + 1 + i, 0, show.team(str(hire.team)), fm.text)
        put_text(sheet, row + 1 + i, 1, str(hire.grade), fm.text)
        put_text(sheet, row + 1 + i, 2, str(hire.month), fm.text)
        put(sheet, row + 1 + i, 3, float(hire.count), fm.general, fm.text)
    teams = [show.team(str(t)) for t in plan.hires[n.TEAM]]
    sheet.set_column(0, 0, max(12, text_width(teams + [str(lb["month"])])))
    sheet.set_column(1, 4, 20)


def _rate_text(result: PlanResult) -> float:
    """The plan's amount per unit of last year's capacity (see HiringPlan.rate)."""
    return float(result.hiring.rate) if result.hiring is not None else math.nan


def capacity_steps(result: PlanResult) -> list[tuple[str, float, str]]:
    """Capacity from last year to the plan, as multiples of last year's: separate steps.

    ``(key, value, kind)``: ``last_year`` (1, a total), ``roster`` (seats before hiring,
    with leavers and ``[[hires]]``), ``hires`` (the whole seats hired),
    ``productivity`` (the uplift on that roster) and ``capacity`` (a total). Empty
    without hiring.
    """
    plan = result.hiring
    if plan is None:
        return []
    drivers = result.drivers.set_index("lever") if len(result.drivers) else pd.DataFrame()
    uplift = 0.0
    if "kind" in drivers:
        rows = drivers.loc[drivers["kind"] == "productivity", "uplift"]
        uplift = float(rows.iloc[0]) if len(rows) else 0.0
    roster, seats = plan.fixed_multiple, plan.roster_multiple
    return [("last_year", 1.0, "total"), ("roster", roster - 1.0, "step"),
            ("hires", seats - roster, "step"), ("productivity", seats * uplift, "step"),
            ("capacity", seats * (1.0 + uplift), "total")]


def draw_capacity_steps(ax: Any, result: PlanResult, lb: Labels) -> None:
    """Draw :func:`capacity_steps` as a waterfall on ``ax`` (multiples of last year)."""
    steps = capacity_steps(result)
    names = {"last_year": lb["last_year"], "roster": lb["cap_roster"],
             "hires": lb["cap_hires"], "productivity": lb["cap_productivity"],
             "capacity": lb["cap_capacity"]}
    level = 0.0
    for i, (_key, value, kind) in enumerate(steps):
        bottom = 0.0 if kind == "total" else level
        level = value if kind == "total" else level + value
        color = NEED_COLOR if kind == "total" else "#548235" if value >= 0 else "#C00000"
        ax.bar(i, value, 0.6, bottom=bottom, color=color)
        top = max(bottom, bottom + value)
        text = f"{value:.2f}x" if kind == "total" else f"{value:+.2f}x"
        ax.annotate(text, (i, top), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(np.arange(len(steps)), [names[k] for k, _, _ in steps], rotation=20,
                  ha="right")
    ax.set_title(lb["chart_capacity_steps"])
