"""Team workbooks of a re-plan: planner's team workbook plus a *Re-plan* sheet.

Each workbook has every sheet ``planner plan`` writes (the *How this target was set*
sheet explains the original target, :mod:`planner.tracking.replan_parts`), then the
*Re-plan* sheet: per product and month, the original target, the actual to date (the
closed part of each month), the revised target and the change (revised - original),
each block with its totals as live ``=SUM`` formulas.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from xlsxwriter.workbook import Workbook

from planner import names as n
from planner.outputs.cells import put, put_headers, put_text, text_width
from planner.outputs.frames import iter_teams, months_of
from planner.outputs.labels import get_labels
from planner.outputs.layout import (
    Context,
    TeamSettings,
    month_headers,
    print_setup,
    sheet_top,
    sum_column,
    sum_row,
)
from planner.outputs.parallel import run_jobs
from planner.outputs.risk_sheet import team_risk
from planner.outputs.safety import safe_file_stem
from planner.outputs.team_workbook import write_team_workbook
from planner.tracking.columns import ACTUAL, CHANGE, ORIGINAL, REVISED

if TYPE_CHECKING:
    from planner.plan_result import PlanResult
    from planner.tracking.replan import Revision

#: The blocks of the sheet: the column of the revision they show and their label key.
BLOCKS = ((ORIGINAL, "replan_original"), (ACTUAL, "replan_actual"),
          (REVISED, "replan_revised"), (CHANGE, "replan_change"))
FIRST_COL = 1  # A product, B..M months, N total
TOTAL_COL = FIRST_COL + 12


def _grid(frame: pd.DataFrame, column: str, team: str, products: list[str],
          months: list[str]) -> np.ndarray:
    sub = frame.loc[frame[n.TEAM] == team]
    table = sub.pivot_table(index=n.PRODUCT, columns=n.MONTH, values=column, aggfunc="sum")
    return table.reindex(index=products, columns=months).to_numpy(float)


def write_revision_sheet(wb: Workbook, ctx: Context, team: str, team_label: str,
                         products: list[str], product_labels: list[str],
                         revision: Revision, year: int) -> None:
    """The *Re-plan* sheet of one team, in the language of ``ctx.labels``."""
    fm = ctx.formats
    lb = ctx.labels
    name = lb["sheet_replan"]
    sheet = wb.add_worksheet(name)
    sheet_top(sheet, ctx, name, team_label)
    months = months_of(year)
    put_text(sheet, 4, 0, lb["replan_as_of"].format(as_of=f"{revision.as_of:%Y-%m-%d}"),
             fm.note)
    put_text(sheet, 5, 0, lb["replan_explain_note"], fm.note)
    row = 7
    for key, label_key in BLOCKS:
        frame = revision.actual if key == ACTUAL else revision.diff
        values = _grid(frame, key, team, products, months)
        put_text(sheet, row, 0, lb[label_key], fm.subtitle)
        put_headers(sheet, row + 1, 0, ["", *month_headers(ctx), lb["total"]], fm.header)
        first = row + 2
        for i, label in enumerate(product_labels):
            r = first + i
            put_text(sheet, r, 0, label, fm.text)
            for j in range(12):
                put(sheet, r, FIRST_COL + j, values[i, j], fm.amount)
            sum_row(sheet, r, FIRST_COL, TOTAL_COL - 1, TOTAL_COL, fm.amount_total,
                    float(np.nansum(values[i])))
        last = first + len(products) - 1
        total = last + 1
        put_text(sheet, total, 0, lb["total"], fm.label_total)
        for j in range(13):
            cached = float(np.nansum(values[:, j])) if j < 12 else float(np.nansum(values))
            sum_column(sheet, first, last, FIRST_COL + j, fm.amount_total, total, cached)
        row = total + 2
    sheet.set_column(0, 0, text_width([*product_labels, *(lb[k] for _, k in BLOCKS)], 12, 40))
    sheet.set_column(FIRST_COL, TOTAL_COL, 13)
    print_setup(sheet, ctx, team_label, name, 8, (9, 1))


def write_replan_team_workbooks(result: PlanResult, revision: Revision, directory: Path,
                                lang: str = "en",
                                progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write each team's workbook as ``planner plan`` does, with the *Re-plan* sheet.

    File names are those :func:`planner.outputs.write.write_team_workbooks` gives. The
    *How this target was set* sheet comes from ``revision.explained`` (the plan's bridge),
    the Risk sheet from the re-plan's risk table.
    """
    labels = get_labels(lang)
    directory.mkdir(parents=True, exist_ok=True)
    settings = TeamSettings(labels=labels, scenario=str(result.name), year=int(result.year),
                            kpi_weights=dict(result.kpi_weights))
    taken: set[str] = set()
    teams = list(iter_teams(result))
    paths = [directory / f"{safe_file_stem(str(data.team), taken)}.xlsx" for data in teams]
    explained = set() if revision.explained is None else set(map(str, revision.explained.teams))

    def write(i: int) -> None:
        data = teams[i]

        def sheet(wb: Workbook, ctx: Context) -> None:
            write_revision_sheet(wb, ctx, str(data.team), data.team_label, data.products,
                                 data.product_labels, revision, settings.year)

        write_team_workbook(paths[i], data, settings,
                            revision.explained if str(data.team) in explained else None,
                            team_risk(result, str(data.team)), extra=sheet)

    def done(finished: int) -> None:
        if progress is not None and finished == len(teams):
            progress(f"writing team workbooks {finished}/{len(teams)}")

    run_jobs(write, len(teams), done)
    return paths
