"""The folders of ``planner track`` and ``planner replan``, written all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from planner import names as n
from planner.atomic import atomic_directory
from planner.output_guard import Source
from planner.outputs.charts import write_charts
from planner.outputs.csv_writer import write_csv
from planner.outputs.labels import get_labels
from planner.outputs.replan_workbook import write_replan_team_workbooks
from planner.outputs.summary_workbook import write_summary_workbook
from planner.outputs.tracking_charts import write_tracking_charts
from planner.outputs.tracking_workbook import write_tracking_workbook
from planner.outputs.write import normalised, write_csvs
from planner.tracking.columns import (
    ATTAINMENT_CSV,
    REPLAN_DIFF_CSV,
    TRACKING_XLSX,
    VARIANCE_CSV,
)
from planner.tracking.replan_parts import replan_bridge

if TYPE_CHECKING:
    from planner.plan_result import PlanResult
    from planner.tracking.replan import Revision
    from planner.tracking.track import TrackResult


def write_tracking(result: TrackResult, out_dir: Path, *, force: bool = False,
                   csv_safe: bool = False, sources: Iterable[Source] = (),
                   lang: str = "en") -> list[Path]:
    """``attainment.csv``, ``variance.csv``, ``tracking.xlsx`` and ``charts/``.

    ``lang`` (``"en"`` or ``"zh"``) labels the workbook and the charts; the CSV files
    keep their column names and values whatever the language.

    Returns
    -------
    list of Path
        The files written, under ``out_dir``.
    """
    get_labels(lang)  # an unknown language is refused before anything is written
    with atomic_directory(out_dir, force=force, sources=sources, command="track") as tmp:
        written = [write_csv(result.attainment, tmp / ATTAINMENT_CSV, csv_safe=csv_safe),
                   write_csv(result.variance, tmp / VARIANCE_CSV, csv_safe=csv_safe),
                   write_tracking_workbook(tmp / TRACKING_XLSX, result, lang),
                   *write_tracking_charts(result, tmp / n.CHARTS_DIR, lang)]
    return [out_dir / p.relative_to(tmp) for p in written]


def write_replan(result: PlanResult, revision: Revision, out_dir: Path, *, force: bool = False,
                 lang: str = "en", csv_safe: bool = False, sources: Iterable[Source] = (),
                 progress: Callable[[str], None] | None = None) -> list[Path]:
    """Everything ``planner plan`` writes, with the re-plan's own parts, and the diff.

    The CSV files, ``summary.xlsx`` and the charts as :func:`~planner.outputs.write.write_outputs`
    writes them; ``explain.csv`` and each team's *How this target was set* sheet from
    the plan's bridge followed by the re-plan's change (:mod:`planner.tracking.replan_parts`);
    the team workbooks with a *Re-plan* sheet; ``replan_diff.csv``. A re-plan that falls
    short also gets ``diagnosis.md``.
    """
    labels = get_labels(lang)

    def say(message: str) -> None:
        if progress is not None:
            progress(message)

    with atomic_directory(out_dir, force=force, sources=sources, command="replan") as tmp:
        result = normalised(result)
        say(f"writing {n.PLAN_CSV} and the other CSV files")
        # explain.csv is the re-plan's own (the plan's bridge + the change), below
        written = write_csvs(replace(result, explanation=None), tmp, csv_safe=csv_safe)
        if revision.explained is not None:
            bridge = replan_bridge(revision.explained, result.plan, revision.as_of, lang=lang)
            written.append(write_csv(bridge, tmp / n.EXPLAIN_CSV, csv_safe=csv_safe))
        say(f"writing {n.SUMMARY_XLSX}")
        write_summary_workbook(tmp / n.SUMMARY_XLSX, result, labels)
        written.append(tmp / n.SUMMARY_XLSX)
        written += write_replan_team_workbooks(result, revision, tmp / n.TEAMS_DIR, lang,
                                               progress)
        say("writing charts")
        written += write_charts(result, labels, tmp / n.CHARTS_DIR)
        written.append(write_csv(revision.diff, tmp / REPLAN_DIFF_CSV, csv_safe=csv_safe))
        if not revision.feasible:
            path = tmp / n.DIAGNOSIS_MD
            path.write_text(revision.diagnosis(result.name), encoding="utf-8")
            written.append(path)
    return [out_dir / p.relative_to(tmp) for p in written]
