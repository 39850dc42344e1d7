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
