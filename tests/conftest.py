from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

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


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample data set, written once per test session."""
    from planner.sample.generate import write_sample

    folder = tmp_path_factory.mktemp("sample")
    write_sample(folder, seed=7)
    return folder


def scenario_file(folder: Path, data_dir: Path, body: str, name: str = "s.toml") -> Path:
    """Write a scenario whose data dir points at ``data_dir``."""
    path = folder / name
    path.write_text(f'name = "test"\n[data]\ndir = "{data_dir.as_posix()}"\n' + body,
                    encoding="utf-8")
    return path
