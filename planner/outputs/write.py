"""One entry point that writes every output of a plan run into a directory.

Layout of ``out_dir``::

    plan.csv, plan_seats.csv, drivers.csv, product_targets.csv
    explain.csv                      each team's bridge to its target (planner.explain)
    attainment_risk.csv              probability of reaching each target (planner.risk)
    summary.xlsx
    teams/<safe team name>.xlsx      one per team (see safety.safe_file_stem)
    charts/phasing.png, charts/waterfall.png, charts/capacity.png

CSV amounts are written as the plan holds them (whole units of fixed-ticket
products at their ticket, cents of the others; :mod:`planner.whole_units`), at full
float precision, so the workbooks, which hold the same floats and sum them with
formulas, agree with the CSV files to the cent. CSV text is written literally
(UTF-8) by default: a team called ``=HYPERLINK(...)`` stays exactly that, so
programs reading the files back get the names the user wrote; people should
open the workbooks, where such names are stored as text, or ask for
``csv_safe`` (``--csv-safe``) CSV files, where such text gets a leading
apostrophe (:mod:`planner.outputs.csv_writer`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import pandas as pd

from planner import names as n
from planner.background import InThread
from planner.drivers.tables import PRODUCT_TARGETS_EXTRA as _TARGETS_EXTRA
from planner.errors import OutputError
from planner.explain.inputs import has_inputs as has_explanation
from planner.explain.inputs import inputs_of
from planner.explain.table import explain_table
from planner.outputs.charts import chart_files, write_charts
from planner.outputs.csv_writer import write_csv
from planner.outputs.explain_sheet import prepare_explain
from planner.outputs.frames import TeamGrids
from planner.outputs.hiring_sheet import write_hiring_csv
from planner.outputs.labels import get_labels
from planner.outputs.layout import TeamSettings
from planner.outputs.parallel import run_jobs
from planner.outputs.parquet import write_parquet_tables
from planner.outputs.risk_sheet import team_risks
from planner.outputs.safety import safe_file_stem
from planner.outputs.summary_workbook import write_summary_workbook
from planner.outputs.team_workbook import write_team_workbook
from planner.plan_result import PlanResult
from planner.risk.result import ATTAINMENT_RISK_CSV

PROGRESS_EVERY: Final = 50  # team workbooks between progress messages
DRIVERS_EXTRA: Final = ("kind",)
PRODUCT_TARGETS_EXTRA: Final = _TARGETS_EXTRA


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise OutputError(
            f"cannot write {what}: the plan result has no column(s) {', '.join(missing)} "
            f"(found: {', '.join(map(str, frame.columns)) or 'none'}); this is a bug in the "
            "step that built the PlanResult"
        )


def require_tables(result: PlanResult) -> None:
    """Raise :class:`OutputError` when a plan table lacks a column its CSV file needs."""
    _require(result.plan, n.PLAN_COLUMNS, n.PLAN_CSV)
    _require(result.plan_seats, n.PLAN_SEATS_COLUMNS, n.PLAN_SEATS_CSV)
    _require(result.drivers, n.DRIVERS_COLUMNS, n.DRIVERS_CSV)
    _require(result.product_targets, n.PRODUCT_TARGETS_COLUMNS, n.PRODUCT_TARGETS_CSV)


def _as_month(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m")
    return values.astype(str)


def normalised(result: PlanResult) -> PlanResult:
    """Return ``result`` with ``month`` as ``YYYY-MM`` text in the plan tables.

    The PlanResult contract says text already; a datetime month is converted
    instead of silently matching no month column.
    """
    changes = {}
    for attr in ("plan", "plan_seats"):
        frame = getattr(result, attr)
        if n.MONTH in frame.columns and pd.api.types.is_datetime64_any_dtype(frame[n.MONTH]):
            changes[attr] = frame.assign(**{n.MONTH: _as_month(frame[n.MONTH])})
    return replace(result, **changes) if changes else result


def write_csvs(result: PlanResult, out_dir: Path, *, csv_safe: bool = False,
               parquet: bool = False) -> list[Path]:
    """Write ``plan.csv``, ``plan_seats.csv``, ``drivers.csv``, ``product_targets.csv``.

    Then ``explain.csv``, ``attainment_risk.csv`` and the hiring tables where the plan
    has them (:func:`write_plan_csvs`, then :func:`write_explain_csvs`). ``csv_safe``
    escapes text a spreadsheet would run as a formula
    (:func:`~planner.outputs.csv_writer.write_csv`); ``parquet`` also writes
    ``plan.parquet`` and ``plan_seats.parquet`` (:mod:`planner.outputs.parquet`).
    """
    require_tables(result)
    return [*write_plan_csvs(result, out_dir, csv_safe=csv_safe, parquet=parquet),
            *write_explain_csvs(result, out_dir, csv_safe=csv_safe)]


def write_plan_csvs(result: PlanResult, out_dir: Path, *, csv_safe: bool = False,
                    parquet: bool = False) -> list[Path]:
    """Write the plan's own tables, without its explanation.

    ``plan.csv``, ``plan_seats.csv``, ``drivers.csv``, ``product_targets.csv`` (and the
    Parquet files when ``parquet``). Reads only the result's tables (never its
    explanation), so it may run in a thread beside the preparation of the team workbooks.
    """
    plan = result.plan.loc[:, list(n.PLAN_COLUMNS)].copy()
    plan[n.WEEK_START] = pd.to_datetime(plan[n.WEEK_START]).dt.strftime("%Y-%m-%d")
    plan[n.MONTH] = _as_month(plan[n.MONTH])
    seats = result.plan_seats.loc[:, list(n.PLAN_SEATS_COLUMNS)].copy()
    seats[n.MONTH] = _as_month(seats[n.MONTH])
    drivers = result.drivers.loc[:, [*n.DRIVERS_COLUMNS, *[
        c for c in DRIVERS_EXTRA if c in result.drivers.columns]]]
    targets = result.product_targets.loc[:, [*n.PRODUCT_TARGETS_COLUMNS, *[
        c for c in PRODUCT_TARGETS_EXTRA if c in result.product_targets.columns]]]
    paths = [
        write_csv(plan, out_dir / n.PLAN_CSV, csv_safe=csv_safe),
        write_csv(seats, out_dir / n.PLAN_SEATS_CSV, csv_safe=csv_safe),
        write_csv(drivers, out_dir / n.DRIVERS_CSV, csv_safe=csv_safe),
        write_csv(targets, out_dir / n.PRODUCT_TARGETS_CSV, csv_safe=csv_safe),
    ]
    if parquet:
        paths += write_parquet_tables(plan, seats, out_dir)
    return paths


def write_explain_csvs(result: PlanResult, out_dir: Path, *,
                       csv_safe: bool = False) -> list[Path]:
    """Write the explanation's and the risk's tables, where the plan has them.

    ``explain.csv`` (each team's bridge), ``attainment_risk.csv`` and the hiring tables.
    """
    paths: list[Path] = []
    if has_explanation(result):  # each team's bridge (planner.explain)
        paths.append(write_csv(explain_table(result), out_dir / n.EXPLAIN_CSV,
                               csv_safe=csv_safe))
    if result.risk_report is not None:  # attainment risk (planner.risk)
        paths.append(write_csv(result.risk, out_dir / ATTAINMENT_RISK_CSV, csv_safe=csv_safe))
    paths += write_hiring_csv(result, out_dir, csv_safe=csv_safe)  # [hiring] only
    return paths


def write_driver_tables(drivers: pd.DataFrame, product_targets: pd.DataFrame, out_dir: Path,
                        *, csv_safe: bool = False) -> list[Path]:
    """Write ``drivers.csv`` and ``product_targets.csv`` of ``planner drivers``.

    Parameters
    ----------
    drivers, product_targets : DataFrame
        The driver model's tables, written whole.
    out_dir : Path
        An existing directory.
    csv_safe : bool
        Escape text a spreadsheet would run as a formula.

    Returns
    -------
    list of Path
    """
    return [write_csv(drivers, out_dir / n.DRIVERS_CSV, csv_safe=csv_safe),
            write_csv(product_targets, out_dir / n.PRODUCT_TARGETS_CSV, csv_safe=csv_safe)]


@dataclass(frozen=True)
class TeamJobs:
    """The team workbooks of a plan, named and ready to be written one by one.

    Everything they share (the grids, the explanation, the risk) is prepared once here in
    this process, so a forked worker writing workbook ``i`` inherits it.
    """

    paths: list[Path]
    write: Callable[[int], None]


def team_jobs(result: PlanResult, directory: Path, lang: str = "en") -> TeamJobs:
    """Prepare ``<safe team name>.xlsx`` per team in ``directory`` (created if needed).

    File stems come from :func:`~planner.outputs.safety.safe_file_stem`, unique
    case-insensitively and fixed in order here, so whichever worker writes a workbook
    writes the same file; the team's name as written is in cell B2 of every sheet.
    """
    labels = get_labels(lang)
    directory.mkdir(parents=True, exist_ok=True)
    settings = TeamSettings(labels=labels, scenario=str(result.name), year=int(result.year),
                            kpi_weights=dict(result.kpi_weights))
    grids = TeamGrids(result)  # aggregated once; each team's slice is cut by its writer
    explain = result if has_explanation(result) else None
    if explain is not None:
        prepare_explain(result, labels.lang)  # made once here, inherited by the workers
    risks = team_risks(result)
    no_risk = result.risk.iloc[0:0]
    taken: set[str] = set()
    paths = [directory / f"{safe_file_stem(str(team), taken)}.xlsx" for team in grids.teams]

    def write(i: int) -> None:
        data = grids.team(i)
        write_team_workbook(paths[i], data, settings, explain,
                            risks.get(str(data.team), no_risk))

    return TeamJobs(paths, write)


def _team_progress(total: int, progress: Callable[[str], None] | None,
                   before: int = 0) -> Callable[[int], None]:
    """``done(finished)`` for :func:`run_jobs`: every :data:`PROGRESS_EVERY` workbooks.

    ``before`` jobs that are not team workbooks run first (they are not counted).
    """
    reported = [0]

    def done(finished: int) -> None:
        teams = min(total, max(0, finished - before))
        if progress is not None and (teams // PROGRESS_EVERY > reported[0] // PROGRESS_EVERY
                                     or (teams == total and reported[0] < total)):
            reported[0] = teams
            progress(f"writing team workbooks {teams}/{total}")

    return done


def write_team_workbooks(result: PlanResult, directory: Path, lang: str = "en",
                         progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write ``<safe team name>.xlsx`` per team into ``directory`` (see :func:`team_jobs`)."""
    jobs = team_jobs(result, directory, lang)
    total = len(jobs.paths)
    run_jobs(jobs.write, total, _team_progress(total, progress))  # across the cores
    return jobs.paths


def write_outputs(result: PlanResult, out_dir: Path, *, lang: str = "en",
                  progress: Callable[[str], None] | None = None,
                  csv_safe: bool = False, parquet: bool = False) -> list[Path]:
    """Write every output of ``result`` into ``out_dir``.

    Parameters
    ----------
    result : PlanResult
        The plan run.
    out_dir : Path
        An existing (normally empty) directory; the caller handles atomic moves
        and ``--force``. Files already there with the same names are replaced.
    lang : str
        ``"en"`` or ``"zh"``: language of every label in the workbooks and charts.
    progress : callable, optional
        Called with a short message as each step starts (``"writing
        summary.xlsx"``, ``"writing team workbooks 50/400"``). The summary, the charts
        and the team workbooks are written by worker processes while this one writes
        the CSV files (:func:`~planner.outputs.parallel.run_jobs`).
    csv_safe : bool
        Escape CSV text that a spreadsheet would run as a formula.
    parquet : bool
        Also write ``plan.parquet`` and ``plan_seats.parquet``.

    Returns
    -------
    list of Path
        Every file written, CSV files first, then the summary, the team
        workbooks and the charts.

    Raises
    ------
    OutputError
        ``out_dir`` is not an existing directory, ``lang`` is unknown, or the
        result lacks a column the files need.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise OutputError(f"output directory {str(out_dir)!r} does not exist or is not a "
                          "directory: create it first")
    labels = get_labels(lang)
    result = normalised(result)

    def report(message: str) -> None:
        if progress is not None:
            progress(message)

    require_tables(result)  # before any file is started
    # DuckDB writes the plan's CSV files in a thread while this one prepares the teams
    plan_csvs = InThread(lambda: write_plan_csvs(result, out_dir, csv_safe=csv_safe,
                                                 parquet=parquet))
    try:
        report("preparing the team workbooks")
        teams = team_jobs(result, out_dir / n.TEAMS_DIR, lang)
        if has_explanation(result):  # no solve still running when the workers fork
            inputs_of(result).settle()
    finally:
        plan_csvs.wait()  # and no DuckDB thread either
    first_csvs = plan_csvs.result()
    total = len(teams.paths)
    summary = out_dir / n.SUMMARY_XLSX
    charts = out_dir / n.CHARTS_DIR
    chart_paths = chart_files(charts)

    def write(i: int) -> None:  # the summary and the charts first, then the teams
        if i == 0:
            write_summary_workbook(summary, result, labels)
        elif i == 1:
            write_charts(result, labels, charts)
        else:
            teams.write(i - 2)

    csvs: list[Path] = []

    def write_csv_files() -> None:  # in this process: the CSV files go through DuckDB
        report(f"writing {n.PLAN_CSV} and the other CSV files")
        csvs.extend([*first_csvs, *write_explain_csvs(result, out_dir, csv_safe=csv_safe)])

    report(f"writing {n.SUMMARY_XLSX}")
    report("writing charts")
    report(f"writing team workbooks 0/{total}")
    run_jobs(write, total + 2, _team_progress(total, progress, before=2),
             beside=write_csv_files)
    return [*csvs, summary, *teams.paths, *chart_paths]
