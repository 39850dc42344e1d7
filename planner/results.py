"""Results of the API's steps: DataFrames in dataclasses that write themselves.

Each ``write(out_dir, force=False)`` builds the files beside ``out_dir`` and moves them
into place only when complete (:func:`planner.atomic.atomic_directory`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from planner import names as n
from planner.atomic import atomic_directory, atomic_write
from planner.baselines import Baselines
from planner.drivers.sweep import SweepResult
from planner.plan_result import PlanResult


@dataclass
class BaselineTables(Baselines):
    """:class:`~planner.baselines.Baselines` that write themselves all or nothing."""

    @classmethod
    def of(cls, baselines: Baselines) -> BaselineTables:
        """Wrap computed baselines."""
        return cls(**{f.name: getattr(baselines, f.name) for f in fields(Baselines)})

    def write(self, out_dir: Path | str, force: bool = False) -> list[Path]:  # type: ignore[override]
        """Write ``baselines_<table>.csv`` per table and ``baselines.xlsx`` into ``out_dir``.

        Parameters
        ----------
        out_dir : Path or str
            Output directory, moved into place when complete.
        force : bool
            Replace an existing ``out_dir``.

        Returns
        -------
        list of Path
        """
        out_dir = Path(out_dir)
        with atomic_directory(out_dir, force=force) as tmp:
            written = Baselines.write(self, tmp)
        return [out_dir / p.name for p in written]


@dataclass
class Plan(PlanResult):
    """:class:`~planner.plan_result.PlanResult` with summaries and a ``write`` method."""

    @classmethod
    def of(cls, result: PlanResult) -> Plan:
        """Wrap a plan run's result."""
        return cls(**{f.name: getattr(result, f.name) for f in fields(PlanResult)})

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
              progress: Callable[[str], None] | None = None) -> list[Path]:
        """Write every output of ``planner plan`` into ``out_dir``, all or nothing.

        Parameters
        ----------
        out_dir : Path or str
            Output directory, moved into place when complete.
        force : bool
            Replace an existing ``out_dir``.
        lang : {"en", "zh"}
            Language of the workbooks and charts.
        progress : callable, optional
            Called with a short message for each long step.

        Returns
        -------
        list of Path
            Every file written, under ``out_dir``.
        """
        from planner.outputs import write_outputs

        out_dir = Path(out_dir)
        with atomic_directory(out_dir, force=force) as tmp:
            written = write_outputs(self, tmp, lang=lang, progress=progress)
        return [out_dir / p.relative_to(tmp) for p in written]


@dataclass
class Sweep(SweepResult):
    """:class:`~planner.drivers.sweep.SweepResult` that writes itself."""

    name: str = ""

    def write(self, out_dir: Path | str, force: bool = False) -> list[Path]:
        """Write ``sweep.csv``, ``frontier.csv`` and ``sweep.png``, all or nothing.

        Parameters
        ----------
        out_dir : Path or str
            Output directory, moved into place when complete.
        force : bool
            Replace an existing ``out_dir``.

        Returns
        -------
        list of Path
        """
        from planner.outputs.sweep_chart import SWEEP_PNG, sweep_chart

        out_dir = Path(out_dir)
        with atomic_directory(out_dir, force=force) as tmp:
            atomic_write(tmp / "sweep.csv", lambda p: self.table.to_csv(p, index=False))
            atomic_write(tmp / "frontier.csv", lambda p: self.frontier.to_csv(p, index=False))
            atomic_write(tmp / SWEEP_PNG, lambda p: sweep_chart(self, p))
        return [out_dir / "sweep.csv", out_dir / "frontier.csv", out_dir / SWEEP_PNG]
