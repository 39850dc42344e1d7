"""The year-round steps of the API: ``track`` and ``replan``, and their result objects.

``track(plan_dir, actuals, as_of=None, scenario=None)`` compares a plan folder with its
actuals; ``replan(scenario, plan_dir, actuals, as_of)`` re-solves the open weeks.
Both return objects that write themselves all or nothing, like :class:`Plan`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

import pandas as pd

from planner.api.results import Plan
from planner.output_guard import Source, scenario_sources
from planner.outputs.tracking_folders import write_replan, write_tracking
from planner.scenario import Scenario, load_scenario
from planner.tracking.columns import ALL
from planner.tracking.replan import Revision, require_met, run_replan
from planner.tracking.replan_parts import replan_bridge
from planner.tracking.track import TrackResult, run_track

__all__ = ["ALL", "Replan", "Tracking", "replan", "replan_sources", "track"]

PathLike = str | os.PathLike[str]
Actuals = PathLike | Iterable[PathLike]


def _paths(actuals: Actuals) -> list[Path]:
    if isinstance(actuals, str | os.PathLike):
        return [Path(actuals)]
    return [Path(p) for p in actuals]


def _sources(plan_dir: PathLike, actuals: list[Path],
             scenario: Scenario | None) -> tuple[Source, ...]:
    found = [Source("plan folder", Path(plan_dir)),
             *(Source("actuals", path) for path in actuals)]
    return tuple(found) + (scenario_sources(scenario) if scenario is not None else ())


def replan_sources(scenario: Scenario, plan_dir: PathLike, actuals: Actuals,
                   seats: PathLike | None = None) -> tuple[Source, ...]:
    """What a re-plan reads: its ``--out`` folder may not touch any of them.

    The plan folder, the actuals, the scenario's files and the seats file.
    """
    return _sources(plan_dir, _paths(actuals), scenario) + (
        (Source("seats file", Path(seats)),) if seats is not None else ())


@dataclass
class Tracking(TrackResult):
    """:class:`~planner.tracking.track.TrackResult` that writes itself.

    Attributes
    ----------
    sources : tuple of Source
        The plan folder, the actuals (and the scenario's files): ``out_dir`` may not
        touch them.
    """

    sources: tuple[Source, ...] = ()

    def write(self, out_dir: PathLike, force: bool = False,
              csv_safe: bool = False, lang: str = "en") -> list[Path]:
        """Write ``attainment.csv``, ``variance.csv``, ``tracking.xlsx`` and the charts.

        ``lang`` (``"en"`` or ``"zh"``) labels the workbook and the charts.
        """
        return write_tracking(self, Path(out_dir), force=force, csv_safe=csv_safe,
                              sources=self.sources, lang=lang)


@dataclass
class Replan(Plan):
    """The re-planned year: a :class:`Plan` with what changed (:attr:`revision`).

    Attributes
    ----------
    revision : Revision or None
        ``diff`` (``replan_diff.csv``), ``actual``, ``problems``, ``needed``,
        ``recovered`` and ``feasible``.
    """

    revision: Revision | None = None

    @property
    def diff(self) -> pd.DataFrame:
        """``replan_diff.csv``: ``team, product, month, original, revised, change``."""
        assert self.revision is not None
        return self.revision.diff

    def explain(self, team: str | None = None, lang: str = "en") -> pd.DataFrame:
        """``explain.csv`` of the re-plan: the plan's bridge, then a ``replan`` row.

        The bridge says how the plan set each target (as ``planner plan`` did); the
        ``replan`` row per product is the revised target less that one, so a team's rows
        add up to its revised target to the cent.
        """
        assert self.revision is not None and self.revision.explained is not None
        return replan_bridge(self.revision.explained, self.plan, self.revision.as_of, team,
                             lang)

    def write(self, out_dir: Path | str, force: bool = False, lang: str = "en",
              progress: Callable[[str], None] | None = None,
              csv_safe: bool = False) -> list[Path]:
        """Write everything ``planner plan`` writes, the re-plan sheets and the diff."""
        assert self.revision is not None
        return write_replan(self, self.revision, Path(out_dir), force=force, lang=lang,
                            csv_safe=csv_safe, sources=self.sources, progress=progress)


def track(plan_dir: PathLike, actuals: Actuals, as_of: date | str | None = None,
          scenario: Scenario | PathLike | None = None) -> Tracking:
    """Attainment to date and the variance by driver of a plan folder.

    Parameters
    ----------
    plan_dir : path
        The ``--out`` folder of ``planner plan`` (or ``replan``).
    actuals : path or list of paths
        Returned team workbooks, or a folder of plan-year transactions.
    as_of : date or str, optional
        Default: the last sale, or the end of the last month the workbooks report.
    scenario : Scenario or path, optional
        The plan's scenario: its mapping reads the transactions and its driver model
        splits the variance into customers, conversion, repurchase, ticket and mix.

    Returns
    -------
    Tracking
    """
    loaded = None if scenario is None else (
        scenario if isinstance(scenario, Scenario) else load_scenario(Path(scenario)))
    paths = _paths(actuals)
    result = run_track(Path(plan_dir), paths, as_of, loaded)
    return Tracking(**{f.name: getattr(result, f.name) for f in fields(TrackResult)},
                    sources=_sources(plan_dir, paths, loaded))


def replan(scenario: Scenario | PathLike, plan_dir: PathLike, actuals: Actuals,
           as_of: date | str, seats: PathLike | None = None, strict: bool = False,
           progress: Callable[[str], None] | None = None) -> Replan:
    """Re-plan the weeks after ``as_of`` under the same rules.

    Parameters
    ----------
    scenario : Scenario or path
        The plan's scenario.
    plan_dir : path
        The plan folder.
    actuals : path or list of paths
        Returned team workbooks, or a folder of plan-year transactions.
    as_of : date or str
        Week parts ending on or before it are frozen to the actuals.
    seats : path, optional
        Updated seats file (leavers, moves, joiners).
    strict : bool
        Raise :class:`~planner.errors.TargetUnreachableError` when the year cannot be met.

    Returns
    -------
    Replan
    """
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(Path(scenario))
    paths = _paths(actuals)
    result, revision = run_replan(loaded, Path(plan_dir), paths, as_of,
                                  None if seats is None else Path(seats), False, progress)
    if strict:
        require_met(revision, loaded.name)
    plan = Plan.of(result, replan_sources(loaded, plan_dir, paths, seats))
    return Replan(**{f.name: getattr(plan, f.name) for f in fields(Plan)}, revision=revision)
