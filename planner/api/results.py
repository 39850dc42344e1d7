"""Results of the API's steps: typed DataFrames in dataclasses, one per step.

Each result's ``write(out_dir, force=False, csv_safe=False)`` hands it to its writer in
:mod:`planner.outputs.folders`, which builds the files beside ``out_dir`` and moves them
into place only when complete. ``out_dir`` may not be, contain or lie inside anything
the result was computed from (its ``sources``), nor an existing file; ``force``
replaces only a folder planner wrote (see :mod:`planner.output_guard`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from planner import names as n
from planner.baselines.compute import Baselines
from planner.compare import Comparison as ComparisonTables
from planner.drivers.solve import DriverResult
from planner.drivers.sweep import SweepResult
from planner.output_guard import Source
from planner.outputs import folders
from planner.plan_result import PlanResult


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
        return folders.write_baselines(self, Path(out_dir), force=force, csv_safe=csv_safe,
                                       sources=self.sources)


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

    def explain(self, team: str | None = None, lang: str = "en") -> pd.DataFrame:
        """How a team's target was set: ``team, step, product, amount, note``.

        The steps (last year, the company's levers on the team's mix, capacity, the
        allocation's rules, the buffer, whole units) of one team, or of every team when
        ``team`` is None, as in ``explain.csv``; a team's amounts add up to its target to
        the cent (:mod:`planner.explain`). ``lang`` is ``"en"`` or ``"zh"`` (the notes).

        Raises
        ------
        PlannerError
            ``team`` is not in the plan, or the plan was not made by a plan run.
        """
        from planner.explain.table import explain_table

        return explain_table(self, team, lang)

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
        return folders.write_plan(self, Path(out_dir), force=force, lang=lang,
                                  progress=progress, csv_safe=csv_safe, sources=self.sources)


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
        return folders.write_sweep(self, Path(out_dir), force=force, csv_safe=csv_safe,
                                   sources=self.sources)


@dataclass
class Drivers(DriverResult):
    """:class:`~planner.drivers.solve.DriverResult` of ``planner drivers`` that writes itself.

    Attributes
    ----------
    sources : tuple of Source
        The scenario, base and history files the driver model was solved from.
    """

    sources: tuple[Source, ...] = ()

    @classmethod
    def of(cls, result: DriverResult, sources: tuple[Source, ...] = ()) -> Drivers:
        """Wrap a driver solve's result."""
        return cls(**{f.name: getattr(result, f.name) for f in fields(DriverResult)},
                   sources=tuple(sources))

    def write(self, out_dir: Path | str, force: bool = False,
              csv_safe: bool = False) -> list[Path]:
        """Write ``drivers.csv`` and ``product_targets.csv``, all or nothing.

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
        return folders.write_drivers(self, Path(out_dir), force=force, csv_safe=csv_safe,
                                     sources=self.sources)


@dataclass
class Comparison(ComparisonTables):
    """:class:`~planner.compare.Comparison` of ``planner compare`` that writes itself."""

    @classmethod
    def of(cls, comparison: ComparisonTables) -> Comparison:
        """Wrap a comparison's tables."""
        return cls(**{f.name: getattr(comparison, f.name) for f in fields(ComparisonTables)})

    def write(self, out_dir: Path | str, *, force: bool = False,
              csv_safe: bool = False) -> list[Path]:
        """Write ``compare.xlsx``, ``compare.png`` and one CSV per table, all or nothing.

        Parameters
        ----------
        out_dir : Path or str
            Output directory, built beside its final place and moved in when complete.
        force : bool
            Replace an existing ``out_dir`` that planner wrote.
        csv_safe : bool
            Escape CSV text that a spreadsheet would run as a formula.

        Returns
        -------
        list of Path
            The files written (under ``out_dir``).

        Raises
        ------
        OutputRefusedError
            ``out_dir`` is, contains or lies inside a file the scenarios read, is an
            existing file, or exists and was not written by planner (or ``force`` is
            false).
        """
        from planner.outputs.compare_workbook import write_comparison

        return write_comparison(self, Path(out_dir), force=force, csv_safe=csv_safe,
                                sources=self.sources())
