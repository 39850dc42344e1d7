from __future__ import annotations

import copy
import io
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from planner.cli.env import Env
from planner.cli.main import main

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REPO = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str


def run_cli(*argv: str) -> Run:
    """Run the CLI in-process and capture its output and exit status."""
    out, err = io.StringIO(), io.StringIO()
    status = main([str(a) for a in argv], Env(stdout=out, stderr=err))
    return Run(status, out.getvalue(), err.getvalue())


@contextmanager
def calls_once(owner: object, name: str,
               key: Callable[..., object] | None = None) -> Iterator[dict[object, Any]]:
    """Patch ``owner.name`` so that a call repeating an earlier one gets its result again.

    For tests that run the same expensive step (a plan, a re-plan, baselines) through
    several shells, the CLI and the API, to check what each shell does with it: the step
    itself runs once, for real, and each test checks the files, messages and exit codes
    of its own call. Exceptions are not kept (a failing call fails every time). Results
    are shared, so the tests using this must not mutate them.

    Parameters
    ----------
    owner : object
        The module (or object) whose attribute the code under test looks up at call time.
    name : str
        The attribute: the function to run once per distinct call.
    key : callable, optional
        Maps the call's ``(*args, **kwargs)`` to a hashable key; by default the ``repr``
        of the arguments, leaving out ``progress`` (a fresh callable for every CLI run).

    Yields
    ------
    dict
        The results kept so far, by key (to check how many distinct calls ran).
    """
    real = getattr(owner, name)
    kept: dict[object, Any] = {}

    def default_key(*args: object, **kwargs: object) -> object:
        return repr((args, sorted((k, v) for k, v in kwargs.items() if k != "progress")))

    make_key = key or default_key

    def once(*args: object, **kwargs: object) -> Any:
        k = make_key(*args, **kwargs)
        if k not in kept:
            kept[k] = real(*args, **kwargs)
        return kept[k]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(owner, name, once)
        yield kept


#: Sample data sets generated in this session, by seed (see :func:`generated_once`).
_GENERATED: dict[int, Any] = {}


@contextmanager
def generated_once() -> Iterator[None]:
    """Generate each seed's sample data set once per session; every call gets a deep copy.

    :func:`planner.sample.generate.generate_sample` is deterministic (tests/test_sample_data.py
    checks it without this cache), so code that writes the sample (``api.sample_data``,
    ``planner sample-data``, the API's doctests) may take a copy of an earlier generation.
    """
    import planner.sample.generate as generate

    real = generate.generate_sample

    def cached(seed: int = 7) -> Any:
        if seed not in _GENERATED:
            _GENERATED[seed] = real(seed)
        return copy.deepcopy(_GENERATED[seed])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(generate, "generate_sample", cached)
        yield


@pytest.fixture()
def sample_generated_once() -> Iterator[None]:
    """Within a test: each seed's sample generated once per session (:func:`generated_once`)."""
    with generated_once():
        yield


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample data set, written once per test session."""
    from planner.sample.generate import write_sample

    folder = tmp_path_factory.mktemp("sample")
    with generated_once():
        write_sample(folder, seed=7)
    return folder


def scenarios_with_sample(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path,
                          tag: str) -> Path:
    """Copy ``scenarios/`` into a new folder with ``data/sample`` beside it; return it.

    The shipped scenarios read ``../data/sample``: the copy holds the session's sample.
    """
    root = tmp_path_factory.mktemp(tag)
    shutil.copytree(REPO / "scenarios", root / "scenarios")
    (root / "data").mkdir()
    shutil.copytree(sample_dir, root / "data" / "sample")
    return root / "scenarios"


def scenario_file(folder: Path, data_dir: Path, body: str, name: str = "s.toml") -> Path:
    """Write a scenario whose data dir points at ``data_dir``."""
    path = folder / name
    path.write_text(f'name = "test"\n[data]\ndir = "{data_dir.as_posix()}"\n' + body,
                    encoding="utf-8")
    return path


@dataclass(frozen=True)
class SamplePlan:
    """A shipped sample scenario planned by :func:`planner.pipeline.run_plan`.

    Attributes
    ----------
    result : PlanResult
        What the run returned.
    inputs : AllocationInputs
        What the run handed to :func:`planner.allocation.solve.solve_allocation`.
    """

    result: Any
    inputs: Any


def _plan_sample(path: Path) -> SamplePlan:
    """Plan ``path`` as the explanation's tests do, keeping the allocation's inputs."""
    import warnings

    from planner import pipeline
    from planner.scenario import load_scenario

    grabbed: list[Any] = []
    real = pipeline.solve_allocation

    def grab(inputs: Any, *args: Any, **kwargs: Any) -> Any:
        grabbed.append(inputs)
        return real(inputs, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        patch.setattr(pipeline, "solve_allocation", grab)
        result = pipeline.run_plan(load_scenario(path))
    inputs = grabbed[-1]  # the plan's own solve (the last call, as tests/test_restricted.py had it)
    if result.explanation is not None:
        result.explanation.settle()  # the levels started ahead are done before copying
    return SamplePlan(result, inputs)


def _copy_plan(kept: SamplePlan) -> SamplePlan:
    """A deep copy; levels solved ahead share their (finished) thread and work, and
    each copy gets its own list holding the level's result."""
    memo: dict[int, Any] = {}
    explanation = kept.result.explanation
    for level in ([] if explanation is None else explanation.ahead.values()):
        memo[id(level._thread)] = level._thread
        memo[id(level._work)] = level._work
    return copy.deepcopy(kept, memo)


@pytest.fixture(scope="session")
def sample_plans(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory
                 ) -> Callable[[str], SamplePlan]:
    """``plan(name)``: the shipped scenario ``name`` (``"sample_10x.toml"``) planned on the
    session's sample, once per session; every call gets its own deep copy.

    Each planned as ``run_plan(load_scenario(...))`` on ``scenarios/`` copied with
    ``data/sample`` beside it (:func:`scenarios_with_sample`), warnings ignored: the
    explanation's and the restricted model's tests read the same three plans, and a
    copy leaves each module's changes (the explanation's cache) to itself.
    """
    scenarios = scenarios_with_sample(tmp_path_factory, sample_dir, "sample_plans")
    kept: dict[str, SamplePlan] = {}

    def plan(name: str) -> SamplePlan:
        if name not in kept:
            kept[name] = _plan_sample(scenarios / name)
        return _copy_plan(kept[name])

    return plan


def history_key(scenario: Any) -> str:
    """Everything a scenario's history and baselines are made from
    (:func:`planner.pipeline.load_history`, :func:`planner.pipeline.scenario_baselines`)."""
    return repr((scenario.data_dir, scenario.mapping, scenario.year, scenario.window_end,
                 scenario.trailing_months, scenario.ramp_months, scenario.country,
                 scenario.spikes, scenario.spike_overrides, scenario.engine))


@dataclass(frozen=True)
class SampleHistory:
    """The sample's history and baselines as the shipped sample scenarios read them.

    Attributes
    ----------
    dataset : Dataset
        ``load_history`` of ``scenarios/sample_10x.toml`` on the session's sample.
    baselines : Baselines
        ``scenario_baselines`` of that scenario on ``dataset``.
    key : str
        :func:`history_key` of that scenario: a scenario with the same key has the same
        history and baselines.
    """

    dataset: Any
    baselines: Any
    key: str


@pytest.fixture(scope="session")
def sample_history(sample_dir: Path) -> SampleHistory:
    """The sample's history and baselines, loaded once per session and only read (the
    driver, sweep and compare tests of tests/test_compare.py and
    tests/test_driver_agreement.py build their models on them)."""
    from planner import api
    from planner.pipeline import load_history, scenario_baselines

    scenario = api.load(REPO / "scenarios" / "sample_10x.toml", data_dir=sample_dir)
    dataset = load_history(scenario)
    return SampleHistory(dataset, scenario_baselines(scenario, dataset), history_key(scenario))


@dataclass(frozen=True)
class Baselined:
    """A scenario's baselines, and the warnings loading its history and computing them gave.

    Attributes
    ----------
    baselines : Baselines
        ``scenario_baselines(scenario, load_history(scenario))``.
    caught : list of warnings.WarningMessage
        Every warning of those two steps, in order (recorded with the ``"always"`` filter).
    """

    baselines: Any
    caught: list[Any]


#: Baselines made in this session, by :func:`history_key` (see :func:`baselines_once`).
_BASELINED: dict[str, Baselined] = {}


def baselines_once(scenario: Any) -> Baselined:
    """The scenario's baselines, computed once per session per :func:`history_key`.

    For tests that build a plan or a driver model on a shipped scenario's baselines (the
    Online Retail scenario's take 10 s to load and compute): the history is loaded and
    the baselines computed once, for real, with every warning recorded; each call gets a
    deep copy of the baselines (and of the list of warnings).
    """
    import warnings

    from planner.pipeline import load_history, scenario_baselines

    key = history_key(scenario)
    if key not in _BASELINED:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            baselines = scenario_baselines(scenario, load_history(scenario))
        _BASELINED[key] = Baselined(baselines, list(caught))
    kept = _BASELINED[key]
    return Baselined(copy.deepcopy(kept.baselines), list(kept.caught))


def sample_scenario(folder: Path, data_dir: Path) -> Path:
    """The shipped 10x story with its data dir pointing at ``data_dir``."""
    text = (REPO / "scenarios" / "sample_10x.toml").read_text(encoding="utf-8")
    text = text.replace('dir = "../data/sample"', f'dir = "{data_dir.as_posix()}"')
    path = folder / "sample_10x.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def opened_sample(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[Path, Any]:
    """The 10x story on the session's sample (:func:`sample_scenario`) and its
    ``planner serve`` :class:`~planner.serve.model.Opened` (history, baselines, calendar),
    read once per session; each serve test module makes its own ``WhatIfModel`` on it."""
    from planner.serve.model import Opened

    path = sample_scenario(tmp_path_factory.mktemp("serve_opened"), sample_dir)
    return path, Opened.load(path)
