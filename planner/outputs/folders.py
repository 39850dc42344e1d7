"""Each step's result written as one output folder, all or nothing.

Every command's files are written here and only here: the folder is built beside
``out_dir`` and moved into place when complete (:func:`planner.atomic.atomic_directory`).
``out_dir`` may not be, contain or lie inside anything the result was computed from
(``sources``), nor an existing file; ``force`` replaces only a folder planner wrote
(:mod:`planner.output_guard`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from planner import names as n
from planner.atomic import atomic_directory, atomic_write
from planner.output_guard import Source
from planner.outputs.baseline_workbook import write_baselines_workbook
from planner.outputs.csv_writer import write_csv
from planner.outputs.sweep_chart import SWEEP_PNG, sweep_chart
from planner.outputs.write import write_driver_tables, write_outputs

if TYPE_CHECKING:
    from planner.baselines.compute import Baselines
    from planner.drivers.solve import DriverResult
    from planner.drivers.sweep import SweepResult
    from planner.plan_result import PlanResult


def write_baseline_files(tables: dict[str, pd.DataFrame], out_dir: Path,
                         csv_safe: bool = False) -> list[Path]:
    """Write ``baselines_<table>.csv`` per table and ``baselines.xlsx`` into a directory.

    Parameters
    ----------
    tables : dict of str to DataFrame
        :meth:`~planner.baselines.compute.Baselines.tables`, settings first.
    out_dir : Path
        The directory, created when missing (each file is replaced only once written).
    csv_safe : bool
        Escape CSV text that a spreadsheet would run as a formula.

    Returns
    -------
    list of Path
        The files written, CSVs first.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        def write(path: Path, frame: pd.DataFrame = frame) -> None:
            write_csv(frame, path, csv_safe=csv_safe)

        paths.append(atomic_write(out_dir / f"{n.BASELINES_CSV_PREFIX}{name}.csv", write))
    paths.append(atomic_write(out_dir / n.BASELINES_XLSX,
                              lambda p: write_baselines_workbook(tables, p)))
    return paths


def write_baselines(baselines: Baselines, out_dir: Path, *, force: bool = False,
                    csv_safe: bool = False, sources: Iterable[Source] = ()) -> list[Path]:
    """The folder of ``planner baselines``: one CSV per table and ``baselines.xlsx``.

    Parameters
    ----------
    baselines : Baselines
    out_dir : Path
        Final directory.
    force : bool
        Replace an existing ``out_dir`` that planner wrote.
    csv_safe : bool
        Escape CSV text that a spreadsheet would run as a formula.
    sources : iterable of Source
        What the baselines were computed from.

    Returns
    -------
    list of Path
        The files written, under ``out_dir``.
    """
    with atomic_directory(out_dir, force=force, sources=sources, command="baselines") as tmp:
        written = write_baseline_files(baselines.tables(), tmp, csv_safe=csv_safe)
    return [out_dir / p.name for p in written]


def write_drivers(result: DriverResult, out_dir: Path, *, force: bool = False,
                  csv_safe: bool = False, sources: Iterable[Source] = ()) -> list[Path]:
    """The folder of ``planner drivers``: ``drivers.csv`` and ``product_targets.csv``.

    Parameters
    ----------
    result : DriverResult
    out_dir : Path
        Final directory.
    force : bool
        Replace an existing ``out_dir`` that planner wrote.
    csv_safe : bool
        Escape CSV text that a spreadsheet would run as a formula.
    sources : iterable of Source
        What the driver model was computed from.

    Returns
    -------
    list of Path
    """
    with atomic_directory(out_dir, force=force, sources=sources, command="drivers") as tmp:
        written = write_driver_tables(result.drivers, result.product_targets, tmp,
                                      csv_safe=csv_safe)
    return [out_dir / p.name for p in written]


def write_diagnosis(diagnosis: str, out_dir: Path, *, command: str, force: bool = False,
                    sources: Iterable[Source] = ()) -> Path:
    """The folder of a run whose target is out of reach: ``diagnosis.md`` alone.

    Parameters
    ----------
    diagnosis : str
        Markdown saying why the target is out of reach and what would reach it.
    out_dir : Path
        Final directory.
    command : str
        The command that found the target out of reach (kept in the manifest).
    force : bool
        Replace an existing ``out_dir`` that planner wrote.
    sources : iterable of Source
        What the run read.

    Returns
    -------
    Path
        ``diagnosis.md`` under ``out_dir``.
    """
    with atomic_directory(out_dir, force=force, sources=sources, command=command) as tmp:
        atomic_write(tmp / n.DIAGNOSIS_MD, lambda p: p.write_text(diagnosis, "utf-8"))
    return out_dir / n.DIAGNOSIS_MD


def write_plan(result: PlanResult, out_dir: Path, *, force: bool = False, lang: str = "en",
               progress: Callable[[str], None] | None = None, csv_safe: bool = False,
               sources: Iterable[Source] = ()) -> list[Path]:
    """The folder of ``planner plan``: every CSV, workbook and chart.

    Parameters
    ----------
    result : PlanResult
    out_dir : Path
        Final directory.
    force : bool
        Replace an existing ``out_dir`` that planner wrote.
    lang : {"en", "zh"}
        Language of the workbooks and charts.
    progress : callable, optional
        Called with a short message for each long step.
    csv_safe : bool
        Escape CSV text that a spreadsheet would run as a formula.
    sources : iterable of Source
        The scenario, base and history files the plan was computed from.

    Returns
    -------
    list of Path
        Every file written, under ``out_dir``.
    """
    with atomic_directory(out_dir, force=force, sources=sources, command="plan") as tmp:
        written = write_outputs(result, tmp, lang=lang, progress=progress, csv_safe=csv_safe)
    return [out_dir / p.relative_to(tmp) for p in written]


def write_sweep(result: SweepResult, out_dir: Path, *, force: bool = False,
                csv_safe: bool = False, sources: Iterable[Source] = ()) -> list[Path]:
    """The folder of ``planner sweep``: ``sweep.csv``, ``frontier.csv`` and ``sweep.png``.

    Parameters
    ----------
    result : SweepResult
    out_dir : Path
        Final directory.
    force : bool
        Replace an existing ``out_dir`` that planner wrote.
    csv_safe : bool
        Escape CSV text that a spreadsheet would run as a formula.
    sources : iterable of Source
        What the sweep was computed from.

    Returns
    -------
    list of Path
    """
    with atomic_directory(out_dir, force=force, sources=sources, command="sweep") as tmp:
        atomic_write(tmp / n.SWEEP_CSV, lambda p: write_csv(result.table, p, csv_safe=csv_safe))
        atomic_write(tmp / n.FRONTIER_CSV,
                     lambda p: write_csv(result.frontier, p, csv_safe=csv_safe))
        atomic_write(tmp / SWEEP_PNG, lambda p: sweep_chart(result, p))
    return [out_dir / n.SWEEP_CSV, out_dir / n.FRONTIER_CSV, out_dir / SWEEP_PNG]
