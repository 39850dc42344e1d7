r"""Python API: the steps of the ``planner`` command, returning objects that hold DataFrames.

==================  ============================================================
``sample_data``     write the sample telesales data set (``planner sample-data``)
``load``            read and validate a scenario TOML file
``what_if``         a copy of a scenario with some settings changed
``baselines``       last year's empirical values (``planner baselines``)
``plan``            the whole plan (``planner plan``)
``drivers``         the uplift per lever that reaches the target (``planner drivers``)
``compare``         scenarios side by side (``planner compare``)
``sweep``           uplift per lever over target multiples (``planner sweep``)
``sources``         the files a scenario reads (outputs may never touch them)
``check_output``    refuse an output folder before any work is done
``write_diagnosis`` save why a target is out of reach (``diagnosis.md``)
==================  ============================================================

Every function that takes a scenario accepts a :class:`~planner.scenario.Scenario` or
the path of its TOML file. The results are plain DataFrames in dataclasses, and each
can write itself with ``.write(out_dir, force=False, csv_safe=False)``: built beside
``out_dir`` and moved into place only when complete. ``out_dir`` may not be, contain or
lie inside a file or folder the result was computed from, nor an existing file;
``force=True`` replaces only a folder planner wrote (it holds a ``.planner-output.json``
manifest), never one of yours (:mod:`planner.output_guard`). Errors are
:mod:`planner.errors` exceptions.

Examples
--------
A scenario is a TOML file; relative paths in it are relative to the file:

>>> import tempfile
>>> from pathlib import Path
>>> from planner import api
>>> folder = Path(tempfile.mkdtemp())
>>> path = folder / "grow.toml"
>>> _ = path.write_text('[data]\ndir = "data"\n[calendar]\nyear = 2027\n'
...                     '[target]\nmultiple = 1.5\n[levers.productivity]\ncap = 1.0\n')
>>> api.load(path).target_multiple
1.5
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable
from dataclasses import fields, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from planner.api.results import BaselineTables, Comparison, Drivers, Plan, Sweep
from planner.baselines.compute import compute_baselines
from planner.compare import compare_scenarios
from planner.drivers.sweep import parse_range
from planner.errors import InputError, Problem, ScenarioError
from planner.output_guard import Source, check_output_dir, data_sources, scenario_sources
from planner.scenario import Scenario, load_scenario

ScenarioLike = Scenario | str | os.PathLike[str]
Progress = Callable[[str], None]

__all__ = [
    "BaselineTables", "Comparison", "Drivers", "Plan", "Progress", "ScenarioLike", "Source",
    "Sweep", "baselines", "check_output", "compare", "drivers", "load", "plan", "sample_data",
    "sample_files", "sources", "sweep", "what_if", "write_diagnosis",
]


def _scenario(value: ScenarioLike) -> Scenario:
    return value if isinstance(value, Scenario) else load_scenario(Path(value))


def load(path: str | os.PathLike[str],
         data_dir: str | os.PathLike[str] | None = None, *,
         engine: str | None = None) -> Scenario:
    r"""Read and validate a scenario file, following ``base = ...``.

    Parameters
    ----------
    path : str or PathLike
        The scenario TOML file.
    data_dir : str or PathLike, optional
        Read the history from this directory instead of the file's ``[data] dir``
        (e.g. a shipped scenario on a freshly generated sample).
    engine : {"duckdb", "spark"}, optional
        Compute the baselines on this engine instead of the file's ``[data] engine``.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Naming the file, the key, its line and the fix.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from planner import api
    >>> path = Path(tempfile.mkdtemp()) / "s.toml"
    >>> _ = path.write_text('[data]\ndir = "data"\n[calendar]\nyear = 2027\n'
    ...                     '[target]\nmultiple = 3\n[[hires]]\ngrade = "C"\n'
    ...                     'team = "T03"\nmonth = 2\ncount = 20\n')
    >>> scenario = api.load(path)
    >>> scenario.name, scenario.year, scenario.target_multiple, len(scenario.hires)
    ('s', 2027, 3.0, 1)
    >>> api.load(path, data_dir=path.parent / "other").data_dir.name
    'other'
    """
    from planner.engine.settings import with_engine

    scenario = load_scenario(Path(path))
    if data_dir is not None:
        scenario = replace(scenario, data_dir=Path(data_dir).resolve())
    return with_engine(scenario, engine)


def what_if(scenario: ScenarioLike, name: str | None = None, **changes: Any) -> Scenario:
    """A copy of a scenario with some settings changed (the file is not touched).

    Parameters
    ----------
    scenario : Scenario or path
        The scenario to start from.
    name : str, optional
        Name of the copy (default: the original name with ``-what-if``).
    **changes
        :class:`~planner.scenario.Scenario` fields, e.g. ``target_multiple=5.0``,
        ``hires=()``, ``buffer=0.15``. Values are used as given: they are not checked
        the way a scenario file is.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        A change names no field of a scenario.

    Examples
    --------
    >>> from planner.scenario import Scenario
    >>> from planner import api
    >>> base = Scenario(name="base", target_multiple=10.0)
    >>> api.what_if(base, target_multiple=3.0).target_multiple
    3.0
    >>> api.what_if(base, "five", target_multiple=5.0).name
    'five'
    >>> try:
    ...     api.what_if(base, target_multiplier=3.0)
    ... except Exception as exc:
    ...     print(exc)
    what_if: target_multiplier is not a scenario setting; did you mean 'target_multiple'?
    """
    base = _scenario(scenario)
    known = [f.name for f in fields(Scenario) if f.name not in ("raw", "path")]
    for key in changes:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
            raise ScenarioError(f"what_if: {key} is not a scenario setting{hint}")
    if "target_multiple" in changes and "target_amount" not in changes:
        changes["target_amount"] = None
    if "target_amount" in changes and changes["target_amount"] is not None:
        changes.setdefault("target_multiple", None)
    return replace(base, name=name or f"{base.name}-what-if", **changes)


def sample_data(out_dir: str | os.PathLike[str], *, seed: int = 7, fmt: str = "csv",
                force: bool = False, progress: Progress | None = None) -> Path:
    """Write the sample telesales data set (sales, seats, products, customers).

    Parameters
    ----------
    out_dir : str or PathLike
        Folder to create, all or nothing (an existing empty folder is fine).
    seed : int
        Random seed; the same seed gives the same data.
    fmt : {"csv", "parquet"}
        File format.
    force : bool
        Replace an existing folder that planner wrote (never one of yours).
    progress : callable, optional
        Called with a short message once the folder is known to be writable.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    OutputRefusedError
        ``out_dir`` is a file, or a non-empty folder without ``force`` or not written
        by planner.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from planner import api
    >>> folder = api.sample_data(Path(tempfile.mkdtemp()) / "data")
    >>> sorted(p.name for p in folder.iterdir())
    ['.planner-output.json', 'customers.csv', 'products.csv', 'sales.csv', 'seats.csv']
    >>> api.sample_data(folder, seed=8, force=True) == folder
    True
    """
    from planner.sample.generate import SAMPLE_OPTION, save_sample

    check_output_dir(Path(out_dir), force=force, option=SAMPLE_OPTION)  # before any work
    if progress is not None:
        progress(f"writing sample data to {out_dir}")
    save_sample(Path(out_dir), seed=seed, fmt=fmt, force=force)
    return Path(out_dir)


def sample_files(folder: str | os.PathLike[str]) -> list[Path]:
    """The data files of a sample folder: sales, seats, products, customers (in that order).

    Parameters
    ----------
    folder : str or PathLike
        A folder written by :func:`sample_data`.

    Returns
    -------
    list of Path
    """
    from planner.sample.generate import sample_files as files

    return files(Path(folder))


def baselines(source: ScenarioLike | None = None, *, data_dir: str | os.PathLike[str] | None = None,
              mapping: str | None = None, window_end: date | str | None = None,
              engine: str | None = None) -> BaselineTables:
    """Last year's empirical values: from a scenario, or from a data directory.

    Parameters
    ----------
    source : Scenario or path, optional
        A scenario: its data, mapping and trailing window are used.
    data_dir : str or PathLike, optional
        Instead of a scenario: the directory of sales, seats, products, customers.
    mapping : str, optional
        With ``data_dir``: a column mapping (a TOML path or a builtin name such as
        ``"online_retail"``).
    window_end : date or str, optional
        With ``data_dir``: last day of the trailing 12 months (default: the last sale).
    engine : str, optional
        ``"duckdb"`` or ``"spark"``: where the SQL runs (default: the scenario's
        ``[data] engine``, else DuckDB).

    Returns
    -------
    BaselineTables
        ``products``, ``segments``, ``productivity_grade``, ... as DataFrames.

    Raises
    ------
    ScenarioError
        Neither or both of ``source`` and ``data_dir`` given.
    InputError
        The history files are invalid (every problem listed).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from planner import api
    >>> folder = Path(tempfile.mkdtemp())
    >>> b = api.baselines(data_dir=api.sample_data(folder / "data", fmt="parquet"))
    >>> f"{b.total_amount / 1e9:.1f}bn", len(b.products), len(b.teams)
    ('5.0bn', 6, 12)
    >>> [p.name for p in b.write(folder / "baselines")][-1]
    'baselines.xlsx'
    """
    from planner.engine.settings import EngineSettings, with_engine
    from planner.history.load import load_dataset
    from planner.pipeline import load_history, scenario_baselines

    if (source is None) == (data_dir is None):
        raise ScenarioError("baselines: give a scenario or data_dir=..., not both")
    if source is not None:
        scenario = with_engine(_scenario(source), engine)
        result = scenario_baselines(scenario, load_history(scenario))
        return BaselineTables.of(result, scenario_sources(scenario))
    end = _window_end(window_end) if isinstance(window_end, str) else window_end
    result = compute_baselines(load_dataset(Path(str(data_dir)), mapping), window_end=end,
                               engine=EngineSettings(engine) if engine else None)
    return BaselineTables.of(result, data_sources(Path(str(data_dir)), mapping))


def plan(scenario: ScenarioLike, progress: Progress | None = None) -> Plan:
    r"""Run the whole plan: baselines, drivers, allocation.

    Parameters
    ----------
    scenario : Scenario or path
    progress : callable, optional
        Called with a short message before each step.

    Returns
    -------
    Plan
        ``plan``, ``plan_seats``, ``drivers``, ``product_targets``, ... as DataFrames.

    Raises
    ------
    TargetUnreachableError
        The target is out of reach; ``.diagnosis`` says why, in Markdown.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from planner import api
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = api.sample_data(folder / "data", fmt="parquet")
    >>> path = folder / "grow.toml"
    >>> _ = path.write_text('[data]\ndir = "data"\n[calendar]\nyear = 2027\n'
    ...                     '[target]\nmultiple = 1.5\n[levers.productivity]\ncap = 1.0\n')
    >>> result = api.plan(path)
    >>> round(result.multiple, 6), len(result.teams)
    (1.5, 12)
    >>> bool(abs(result.plan["amount"].sum() - result.target * 1.1) < 1)
    True
    >>> files = result.write(folder / "out")
    >>> {'drivers.csv', 'explain.csv', 'plan.csv', 'plan_seats.csv', 'product_targets.csv',
    ...  'summary.xlsx'} <= {p.name for p in files if p.parent == folder / "out"}
    True
    """
    from planner.pipeline import run_plan

    loaded = _scenario(scenario)
    return Plan.of(run_plan(loaded, progress), scenario_sources(loaded))


def compare(scenarios: Iterable[ScenarioLike], progress: Progress | None = None) -> Comparison:
    r"""Run several scenarios and put them side by side.

    A scenario whose target is out of reach is kept, marked infeasible with the reason.

    Parameters
    ----------
    scenarios : iterable of Scenario or path
        The first is the reference for the differences.
    progress : callable, optional
        Called with a short message before each step.

    Returns
    -------
    Comparison
        ``summary``, ``levers``, ``teams``, ``monthly`` DataFrames; ``runs`` holds each
        scenario's plan.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from planner import api
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = api.sample_data(folder / "data", fmt="parquet")
    >>> path = folder / "grow.toml"
    >>> _ = path.write_text('[data]\ndir = "data"\n[calendar]\nyear = 2027\n'
    ...                     '[target]\nmultiple = 1.5\n[levers.productivity]\ncap = 1.0\n')
    >>> base = api.load(path)
    >>> result = api.compare([base, api.what_if(base, "stretch", target_multiple=5.0)])
    >>> result.summary[["scenario", "multiple", "feasible"]].values.tolist()
    [['grow', 1.5, True], ['stretch', 5.0, False]]
    >>> print(result.runs[1].reason[:57])
    target 5.00x (24,918,580,142) is out of reach: the levers
    >>> list(result.levers.columns[:3])
    ['lever', 'grow', 'stretch']
    >>> sorted(p.name for p in result.write(folder / "compare"))[:2]
    ['compare.png', 'compare.xlsx']
    """
    return Comparison.of(compare_scenarios([_scenario(s) for s in scenarios], progress))


def sweep(scenario: ScenarioLike, multiples: str | Iterable[float] = "1:12:0.5",
          vary: str | tuple[str, str | Iterable[float]] | None = None, *,
          labels: tuple[str, str] = ("multiples", "vary")) -> Sweep:
    r"""Re-solve the driver model over target multiples (and one lever's caps).

    Parameters
    ----------
    scenario : Scenario or path
    multiples : str or iterable of float
        ``"start:stop:step"`` (inclusive) or the multiples themselves.
    vary : str or (str, str or iterable of float), optional
        A lever name and its caps to try, e.g. ``("productivity", "0.5:3:0.5")`` or,
        as on the command line, ``"productivity=0.5:3:0.5"``.
    labels : (str, str)
        How error messages name ``multiples`` and ``vary`` (the CLI's option names).

    Returns
    -------
    Sweep
        ``table``: one row per multiple (and cap) with ``feasible`` and
        ``uplift_<lever>``; ``frontier``: the largest reachable multiple.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from planner import api
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = api.sample_data(folder / "data", fmt="parquet")
    >>> path = folder / "grow.toml"
    >>> _ = path.write_text('[data]\ndir = "data"\n[calendar]\nyear = 2027\n'
    ...                     '[target]\nmultiple = 1.5\n[levers.productivity]\ncap = 1.0\n')
    >>> result = api.sweep(path, multiples="1:3:0.5")
    >>> result.table["multiple"].tolist(), result.table["feasible"].tolist()
    ([1.0, 1.5, 2.0, 2.5, 3.0], [True, True, False, False, False])
    >>> round(float(result.frontier["max_multiple"].iloc[0]), 2)
    1.76
    >>> [p.name for p in result.write(folder / "sweep")]
    ['sweep.csv', 'frontier.csv', 'sweep.png']
    """
    from planner.pipeline import sweep_scenario

    loaded = _scenario(scenario)
    values = _values(multiples, labels[0])
    if isinstance(vary, str):
        lever, _, spec = vary.partition("=")
        vary = (lever, spec)
    varied = None if vary is None else (
        vary[0].removeprefix("levers.").removesuffix(".cap"), _values(vary[1], labels[1]))
    result = sweep_scenario(loaded, values, varied)
    return Sweep(result.table, result.frontier, result.seconds, name=loaded.name,
                 sources=scenario_sources(loaded))


def _values(spec: str | Iterable[float], what: str) -> np.ndarray:
    if isinstance(spec, str):
        return parse_range(spec, what)
    return np.asarray([float(v) for v in spec])


def _window_end(value: str) -> date:
    """``window_end`` given as text: a date from 1990-01-31 to 2100-12-31."""
    try:
        when = date.fromisoformat(value)
    except ValueError:
        raise InputError([Problem("--window-end", None, None, value,
                                  "is not a date; write it as YYYY-MM-DD")]) from None
    if not date(1990, 1, 31) <= when <= date(2100, 12, 31):
        raise InputError([Problem("--window-end", None, None, value,
                                  "is outside 1990-01-31..2100-12-31; give the last day of "
                                  "the history's trailing window")])
    return when


def drivers(scenario: ScenarioLike, progress: Progress | None = None) -> Drivers:
    """Solve the uplift per lever that reaches the target, at least stretch cost.

    Parameters
    ----------
    scenario : Scenario or path
    progress : callable, optional
        Called with a short message before each step.

    Returns
    -------
    Drivers
        ``drivers`` (one row per lever) and ``product_targets`` DataFrames, ``target``,
        ``achieved`` and ``history_total``.

    Raises
    ------
    TargetUnreachableError
        The target is out of reach; ``.diagnosis`` says why, in Markdown.
    """
    from planner.pipeline import load_history, run_drivers, scenario_baselines, scenario_calendar

    say = progress or (lambda _: None)
    loaded = _scenario(scenario)
    say("loading history")
    dataset = load_history(loaded)
    say("computing baselines")
    result = scenario_baselines(loaded, dataset)
    say("solving the driver model")
    solved = run_drivers(loaded, result, scenario_calendar(loaded))
    return Drivers.of(solved, scenario_sources(loaded))


def sources(*scenarios: ScenarioLike, data_dir: str | os.PathLike[str] | None = None,
            mapping: str | None = None) -> tuple[Source, ...]:
    """Every file and folder that scenarios (or a data directory) read.

    An output folder may never be, contain or lie inside one of them.

    Parameters
    ----------
    *scenarios : Scenario or path
    data_dir : str or PathLike, optional
        A history directory read without a scenario.
    mapping : str, optional
        With ``data_dir``: its column mapping.

    Returns
    -------
    tuple of Source
    """
    found: dict[Source, None] = {}
    for scenario in scenarios:
        found.update(dict.fromkeys(scenario_sources(_scenario(scenario))))
    if data_dir is not None:
        found.update(dict.fromkeys(data_sources(Path(data_dir), mapping)))
    return tuple(found)


def check_output(out_dir: str | os.PathLike[str], sources: Iterable[Source] = (),
                 force: bool = False) -> None:
    """Refuse ``out_dir`` before any work when writing it would later be refused.

    Parameters
    ----------
    out_dir : str or PathLike
    sources : iterable of Source
        What the run reads (:func:`sources`).
    force : bool
        Whether an existing folder planner wrote may be replaced.

    Raises
    ------
    OutputRefusedError
        ``out_dir`` is, contains or lies inside a source, is a file, or is a folder
        that planner did not write (or ``force`` is false).
    """
    check_output_dir(Path(out_dir), sources=tuple(sources), force=force)


def write_diagnosis(diagnosis: str, out_dir: str | os.PathLike[str], *, command: str,
                    sources: Iterable[Source] = (), force: bool = False) -> Path:
    """Write ``diagnosis.md`` (why a target is out of reach) as the output folder.

    Parameters
    ----------
    diagnosis : str
        :attr:`TargetUnreachableError.diagnosis`.
    out_dir : str or PathLike
    command : str
        The command that found the target out of reach.
    sources : iterable of Source
        What the run read.
    force : bool
        Replace an existing folder that planner wrote.

    Returns
    -------
    Path
        The file written.
    """
    from planner.outputs.folders import write_diagnosis as write

    return write(diagnosis, Path(out_dir), command=command, force=force, sources=sources)


from planner.api.tracking import Replan, Tracking, replan, track  # noqa: E402

__all__ += ["Replan", "Tracking", "replan", "track"]
