"""Results of the API's steps: DataFrames in dataclasses that write themselves.

Each ``write(out_dir, force=False, csv_safe=False)`` builds the files beside
``out_dir`` and moves them into place only when complete
(:func:`planner.atomic.atomic_directory`). ``out_dir`` may not be, contain or lie
inside anything the result was computed from (its ``sources``), nor an existing
file; ``force`` replaces only a folder planner wrote (see :mod:`planner.output_guard`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from planner import names as n
from planner.atomic import atomic_directory, atomic_write
from planner.baselines.compute import Baselines
from planner.drivers.sweep import SweepResult
from planner.output_guard import Source
from planner.plan_result import PlanResult

SWEEP_CSV = "sweep.csv"
FRONTIER_CSV = "frontier.csv"


@dataclass
class BaselineTables(Baselines):
    """:class:`~planner.baselines.compute.Baselines` that write themselves all or nothing.

    Attributes
    ----------
    sources : tuple of Source
        The files and folders they were computed from (``out_dir`` may not touch them).
    """

    sources: tuple[Source, ...] = ()

    @classmethod
    def of(cls, baselines: Baselines, sources: tuple[Source, ...] = ()) -> BaselineTables:
        """Wrap computed baselines."""
        return cls(**{f.name: getattr(baselines, f.name) for f in fields(Baselines)},
                   sources=tuple(sources))

    def write(self, out_dir: Path | str, force: bool = False,  # type: ignore[override]
              csv_safe: bool = False) -> list[Path]:
        """Write ``baselines_<table>.csv`` per table and ``baselines.xlsx`` into ``out_dir``.

        Parameters
        ----------
        out_dir : Path or str
            Output directory, moved into place when complete.
        force : bool
            Replace an existing ``out_dir`` that planner wrote.
        csv_safe : bool
            Escape CSV text that a spreadsheet would run as a formula.

        Returns
        -------
        list of Path

        Raises
        ------
        OutputRefusedError
            ``out_dir`` would overwrite an input, a file or a folder planner did not write.
        """
        out_dir = Path(out_dir)
        with atomic_directory(out_dir, force=force, sources=self.sources,
                              command="baselines") as tmp:
            written = Baselines.write(self, tmp, csv_safe=csv_safe)
        return [out_dir / p.name for p in written]


@dataclass
class Plan(PlanResult):
    """:class:`~planner.plan_result.PlanResult` with summaries and a ``write`` method.

    Attributes
    ----------
    sources : tuple of Source
        The scenario, base and history files the plan was computed from.
    """

    sources: tuple[Source, ...] = ()

    @classmethod
    def of(cls, result: PlanResult, sources: tuple[Source, ...] = ()) -> Plan:
        """Wrap a plan run's result."""
        return cls(**{f.name: getattr(result, f.name) for f in fields(PlanResult)},
                   sources=tuple(sources))

    @property
    def multiple(self) -> float:
        """Company target over last year's revenue."""
        return self.target / self.history_total if self.history_total else float("nan")

    def team_targets(self) -> pd.DataFrame:
        """Yearly target per team (with the buffer): ``team, amount, last_year``."""
        plan = self.plan.groupby(n.TEAM, sort=False, as_index=False)[n.AMOUNT].sum()
        last = self.history_teams.groupby(n.TEAM)[n.AMOUNT].sum()
        return plan.assign(last_year=plan[n.TEAM].map(last).fillna(0.0))

    def monthly(self) -> pd.DataFrame:
        """Company target per month (with the buffer): ``month, amount``."""
        return self.plan.groupby(n.MONTH, as_index=False)[n.AMOUNT].sum()

    def write(self, out_dir: Path | str, force: bool = False, lang: str = "en",
              progress: Callable[[str], None] | None = None,
              csv_safe: bool = False) -> list[Path]:
        """Write every output of ``planner plan`` into ``out_dir``, all or nothing.

        Parameters
        ----------
        out_dir : Path or str
            Output directory, moved into place when complete.
        force : bool
            Replace an existing ``out_dir`` that planner wrote.
        lang : {"en", "zh"}
            Language of the workbooks and charts.
        progress : callable, optional
            Called with a short message for each long step.
        csv_safe : bool
            Escape CSV text that a spreadsheet would run as a formula.

        Returns
        -------
        list of Path
            Every file written, under ``out_dir``.

        Raises
        ------
        OutputRefusedError
            ``out_dir`` would overwrite an input, a file or a folder planner did not write.
        """
        from planner.outputs import write_outputs

        out_dir = Path(out_dir)
        with atomic_directory(out_dir, force=force, sources=self.sources,
                              command="plan") as tmp:
            written = write_outputs(self, tmp, lang=lang, progress=progress, csv_safe=csv_safe)
        return [out_dir / p.relative_to(tmp) for p in written]


@dataclass
class Sweep(SweepResult):
    """:class:`~planner.drivers.sweep.SweepResult` that writes itself.

    Attributes
    ----------
    name : str
        The scenario's name.
    sources : tuple of Source
        The files and folders the sweep was computed from.
    """

    name: str = ""
    sources: tuple[Source, ...] = ()

    def write(self, out_dir: Path | str, force: bool = False,
              csv_safe: bool = False) -> list[Path]:
        """Write ``sweep.csv``, ``frontier.csv`` and ``sweep.png``, all or nothing.

        Parameters
        ----------
        out_dir : Path or str
            Output directory, moved into place when complete.
        force : bool
            Replace an existing ``out_dir`` that planner wrote.
        csv_safe : bool
            Escape CSV text that a spreadsheet would run as a formula.

        Returns
        -------
        list of Path

        Raises
        ------
        OutputRefusedError
            ``out_dir`` would overwrite an input, a file or a folder planner did not write.
        """
        from planner.outputs.csv_writer import write_csv
        from planner.outputs.sweep_chart import SWEEP_PNG, sweep_chart

        out_dir = Path(out_dir)
        with atomic_directory(out_dir, force=force, sources=self.sources,
                              command="sweep") as tmp:
            atomic_write(tmp / SWEEP_CSV, lambda p: write_csv(self.table, p, csv_safe=csv_safe))
            atomic_write(tmp / FRONTIER_CSV,
                         lambda p: write_csv(self.frontier, p, csv_safe=csv_safe))
            atomic_write(tmp / SWEEP_PNG, lambda p: sweep_chart(self, p))
        return [out_dir / SWEEP_CSV, out_dir / FRONTIER_CSV, out_dir / SWEEP_PNG]
