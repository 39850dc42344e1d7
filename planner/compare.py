"""Compare scenarios side by side: target, uplift per lever, feasibility, teams, months.

Each scenario runs the whole plan (drivers, then allocation). History and baselines
are loaded once per data set and trailing window, so what-ifs on one data set cost
only their solves. A scenario whose target is out of reach stays in the comparison,
marked infeasible with the reason; other errors (a bad file, missing data) propagate.

The side-by-side tables are plain DataFrames, one column per scenario (named by its
label, see :func:`unique_labels`) and, for every scenario after the first, one column
``"<label> - <first label>"`` with the difference from the first scenario.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import names as n
from planner.baselines.compute import Baselines
from planner.drivers.hiring import hiring_adjust
from planner.drivers.rules import cell_rules
from planner.drivers.search import reach
from planner.drivers.tree import build_tree
from planner.errors import ScenarioError, TargetUnreachableError
from planner.history.dataset import Dataset
from planner.output_guard import Source, scenario_sources
from planner.pipeline import (
    capacity_of,
    load_history,
    plan_from_baselines,
    scenario_baselines,
    scenario_calendar,
    target_amount,
)
from planner.plan_result import PlanResult
from planner.scenario.checks import raise_for_data
from planner.scenario.values import Scenario

Progress = Callable[[str], None]

SCENARIO: str = "scenario"
LEVER: str = "lever"
MONTH_NUMBER: str = "month"
HIGH_TIER: str = n.MARGIN_TIERS[0]
#: Columns of :attr:`Comparison.summary`, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    SCENARIO, "file", "year", "feasible", "last_year", "target", "multiple", "target_vs_first",
    "team_targets", "max_multiple", "high_margin_share", "reason",
)


def diff_label(label: str, first: str) -> str:
    """Name of the column holding ``label`` minus the first scenario.

    Examples
    --------
    >>> diff_label("sample_conservative", "sample_10x")
    'sample_conservative - sample_10x'
    """
    return f"{label} - {first}"


def unique_labels(names: Sequence[str]) -> list[str]:
    """Scenario names made unique (``name``, ``name-2``, ...) for column headers.

    Examples
    --------
    >>> unique_labels(["a", "b", "a"])
    ['a', 'b', 'a-2']
    """
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        label, number = str(name), 1
        while label in seen:
            number += 1
            label = f"{name}-{number}"
        seen.add(label)
        out.append(label)
    return out


@dataclass
class ScenarioRun:
    """One scenario of a comparison: its plan, or why there is none.

    Attributes
    ----------
    label : str
        Column header of the scenario (its name, made unique).
    scenario : Scenario
        The scenario as loaded.
    history_total : float
        Last year's revenue (trailing window).
    target : float
        Company target (before the over-assignment buffer).
    result : PlanResult or None
        The plan; None when the target is out of reach.
    reach_multiple : float
        Largest multiple of last year the levers can reach (0 when even last year's
        sales do not fit seat capacity and the mix rules).
    reason : str
        Why there is no plan (empty when feasible).
    diagnosis : str
        The Markdown explanation of an unreachable target (empty when feasible).
    seconds : float
        Wall time of this scenario's run.
    """

    label: str
    scenario: Scenario
    history_total: float
    target: float
    result: PlanResult | None
    reach_multiple: float
    reason: str = ""
    diagnosis: str = ""
    seconds: float = 0.0

    @property
    def feasible(self) -> bool:
        """Whether the scenario has a plan."""
        return self.result is not None


@dataclass
class Comparison:
    """Scenarios side by side, as DataFrames.

    Attributes
    ----------
    runs : list of ScenarioRun
        One per scenario, in the order given.
    summary : DataFrame
        One row per scenario: :data:`SUMMARY_COLUMNS` (``target`` before the buffer,
        ``team_targets`` with it; ``multiple`` = target / last year).
    levers : DataFrame
        ``lever``, the uplift per scenario (0.25 = +25%; blank where the scenario has
        no such lever or no plan), then the differences from the first scenario.
    teams : DataFrame
        ``team``, each team's yearly target per scenario (with the buffer, as in
        ``plan.csv``), then the differences.
    monthly : DataFrame
        ``month`` (1..12: scenarios may plan different years), the company's team
        targets per calendar month per scenario, then the differences.
    seconds : float
        Wall time of all the runs.
    """

    runs: list[ScenarioRun]
    summary: pd.DataFrame
    levers: pd.DataFrame
    teams: pd.DataFrame
    monthly: pd.DataFrame
    seconds: float = 0.0

    @property
    def labels(self) -> list[str]:
        """Scenario column headers, in order."""
        return [run.label for run in self.runs]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The side-by-side tables by sheet name."""
        return {"summary": self.summary, "levers": self.levers, "teams": self.teams,
                "monthly": self.monthly}

    def sources(self) -> tuple[Source, ...]:
        """Every scenario, base and history file the runs read."""
        found: dict[Source, None] = {}
        for run in self.runs:
            found.update(dict.fromkeys(scenario_sources(run.scenario)))
        return tuple(found)


def _reach_multiple(scenario: Scenario, baselines: Baselines) -> float:
    """Largest reachable multiple of last year (used when the target is out of reach)."""
    calendar = scenario_calendar(scenario)
    cap = capacity_of(scenario, baselines, calendar)
    tree = build_tree(baselines.product_segments, baselines.products, scenario.levers,
                      max(cap.multiple, 1e-6))
    adjust = hiring_adjust(scenario, baselines, calendar, cap)
    tree = tree if adjust is None else adjust(tree)  # [hiring]: the seats lever hires
    best, _ = reach(tree, scenario.buffer, scenario.solver.time_limit,
                    cell_rules(scenario.mix, scenario.supply))
    if best is None or baselines.total_amount <= 0:
        return 0.0
    return best.revenue(tree) / baselines.total_amount


class _History:
    """History and baselines loaded once per data set and trailing window."""

    def __init__(self) -> None:
        self.datasets: dict[tuple[object, ...], Dataset] = {}
        self.baselines: dict[tuple[object, ...], Baselines] = {}

    @staticmethod
    def _data_key(scenario: Scenario) -> tuple[object, ...]:
        # loading checks the history against the plan year and the trailing window
        return (str(scenario.data_dir), str(scenario.mapping), scenario.year,
                scenario.window_end, scenario.trailing_months)

    def dataset(self, scenario: Scenario) -> Dataset:
        """The history loaded for ``scenario`` (after :meth:`of`)."""
        return self.datasets[self._data_key(scenario)]

    def of(self, scenario: Scenario, say: Progress) -> Baselines:
        data_key = self._data_key(scenario)
        key = (*data_key, scenario.ramp_months, scenario.country, scenario.spikes,
               tuple(sorted(scenario.spike_overrides.items())))
        if key not in self.baselines:
            if data_key not in self.datasets:
                say("loading history")
                self.datasets[data_key] = load_history(scenario)
            say("computing baselines")
            self.baselines[key] = scenario_baselines(scenario, self.datasets[data_key])
        return self.baselines[key]


def run_scenario(scenario: Scenario, label: str, baselines: Baselines,
                 progress: Progress | None = None,
                 dataset: Dataset | None = None) -> ScenarioRun:
    """Run one scenario's plan on its baselines; an unreachable target is a result.

    Raises
    ------
    PlannerError
        Anything but an unreachable target (bad scenario values, solver failure).
    """
    start = time.perf_counter()
    target = target_amount(scenario, baselines)
    try:
        result = plan_from_baselines(scenario, baselines, progress, dataset=dataset)
    except TargetUnreachableError as exc:
        if progress is not None:
            progress("target out of reach")
        return ScenarioRun(label, scenario, baselines.total_amount, target, None,
                           _reach_multiple(scenario, baselines), str(exc), exc.diagnosis,
                           time.perf_counter() - start)
    return ScenarioRun(label, scenario, baselines.total_amount, target, result,
                       float(result.reach_multiple),
                       seconds=time.perf_counter() - start)


def compare_scenarios(scenarios: Sequence[Scenario],
                      progress: Progress | None = None) -> Comparison:
    """Run every scenario and put the results side by side.

    Parameters
    ----------
    scenarios : sequence of Scenario
        At least one; the first is the reference for the differences.
    progress : callable, optional
        Called with a short message before each step (``"[2/3] sample_conservative:
        solving the driver model"``).

    Returns
    -------
    Comparison

    Raises
    ------
    ScenarioError
        No scenario given.
    PlannerError
        A scenario's data cannot be loaded, or a solve fails for a reason other than
        an unreachable target.
    """
    if not scenarios:
        raise ScenarioError("compare: give at least one scenario file")
    start = time.perf_counter()
    history = _History()
    labels = unique_labels([s.name for s in scenarios])
    prepared = []
    for i, (scenario, label) in enumerate(zip(scenarios, labels, strict=True), start=1):
        def say(message: str, head: str = f"[{i}/{len(scenarios)}] {label}: ") -> None:
            if progress is not None:
                progress(head + message)

        baselines = history.of(scenario, say)
        raise_for_data(scenario, baselines)  # every scenario's problems before any solve
        prepared.append((scenario, label, baselines, say))
    runs = [run_scenario(scenario, label, baselines, say, history.dataset(scenario))
            for scenario, label, baselines, say in prepared]
    comparison = compare_runs(runs)
    comparison.seconds = time.perf_counter() - start
    return comparison


def compare_runs(runs: list[ScenarioRun]) -> Comparison:
    """Build the side-by-side tables from finished runs (pure)."""
    return Comparison(runs, summary_table(runs), lever_table(runs), team_table(runs),
                      monthly_table(runs))


def _high_share(result: PlanResult) -> float:
    targets = result.product_targets
    tiers = dict(zip(result.products[n.PRODUCT], result.products[n.MARGIN_TIER], strict=True))
    total = float(targets["target_amount"].sum())
    high = float(targets.loc[targets[n.PRODUCT].map(tiers) == HIGH_TIER, "target_amount"].sum())
    return high / total if total > 0 else math.nan


def summary_table(runs: list[ScenarioRun]) -> pd.DataFrame:
    """One row per scenario: target, multiple, feasibility and why (see :data:`SUMMARY_COLUMNS`)."""
    first = runs[0].target if runs else math.nan
    rows = []
    for run in runs:
        result = run.result
        rows.append({
            SCENARIO: run.label,
            "file": str(run.scenario.path or ""),
            "year": run.scenario.year,
            "feasible": run.feasible,
            "last_year": run.history_total,
            "target": run.target,
            "multiple": run.target / run.history_total if run.history_total else math.nan,
            "target_vs_first": run.target - first,
            "team_targets": float(result.plan[n.AMOUNT].sum()) if result else math.nan,
            "max_multiple": run.reach_multiple,
            "high_margin_share": _high_share(result) if result else math.nan,
            "reason": run.reason,
        })
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _side_by_side(key: str, series: dict[str, pd.Series], labels: list[str],
                  order: Sequence[object] | None = None) -> pd.DataFrame:
    """Outer-join one Series per scenario on ``key`` (first-seen order), add differences."""
    if order is None:
        seen: dict[object, None] = {}
        for values in series.values():
            seen.update(dict.fromkeys(values.index))
        order = list(seen)
    frame = pd.DataFrame({key: list(order)})
    for label in labels:
        values = series.get(label)
        column = (frame[key].map(values) if values is not None
                  else pd.Series(np.nan, index=frame.index))
        frame[label] = column.astype(float)
    for label in labels[1:]:
        frame[diff_label(label, labels[0])] = frame[label] - frame[labels[0]]
    return frame


def lever_table(runs: list[ScenarioRun]) -> pd.DataFrame:
    """Uplift per lever (rows) and scenario (columns), with differences from the first."""
    series = {run.label: run.result.drivers.set_index("lever")["uplift"]
              for run in runs if run.result is not None}
    return _side_by_side(LEVER, series, [run.label for run in runs])


def team_table(runs: list[ScenarioRun]) -> pd.DataFrame:
    """Yearly target per team (rows) and scenario (columns), with differences."""
    series = {run.label: run.result.plan.groupby(n.TEAM, sort=False)[n.AMOUNT].sum()
              for run in runs if run.result is not None}
    return _side_by_side(n.TEAM, series, [run.label for run in runs])


def monthly_table(runs: list[ScenarioRun]) -> pd.DataFrame:
    """Company team targets per calendar month 1..12 and scenario, with differences."""
    months = pd.Index(range(1, 13))
    series = {}
    for run in runs:
        if run.result is None:
            continue
        plan = run.result.plan
        number = plan[n.MONTH].astype(str).str[5:7].astype(int)
        series[run.label] = plan.groupby(number)[n.AMOUNT].sum().reindex(months, fill_value=0.0)
    return _side_by_side(MONTH_NUMBER, series, [run.label for run in runs], list(months))
