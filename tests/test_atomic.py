"""Tests for planner.atomic: files and directories appear whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planner.atomic import atomic_directory, atomic_write
from planner.errors import OutputError


def test_atomic_write_replaces_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.csv"
    target.write_text("old")
    seen: list[Path] = []

    def writer(p: Path) -> None:
        seen.append(p)
        assert p.parent == tmp_path and p != target
        assert p.name.endswith(".csv")  # suffix kept for writers that infer formats
        p.write_text("new")

    assert atomic_write(target, writer) == target
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["plan.csv"]
    assert not seen[0].exists()


def test_atomic_write_failure_keeps_old_file_and_removes_temp(tmp_path: Path) -> None:
    target = tmp_path / "plan.csv"
    target.write_text("old")

    def writer(p: Path) -> None:
        p.write_text("half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        atomic_write(target, writer)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["plan.csv"]


def test_atomic_write_os_error_becomes_output_error(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "plan.csv"
    with pytest.raises(OutputError, match=r"^cannot write .*plan\.csv: No such file"):
        atomic_write(target, lambda p: p.write_text("x"))


def test_atomic_write_writer_that_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="the writer created no file"):
        atomic_write(tmp_path / "a.txt", lambda p: None)
    assert os.listdir(tmp_path) == []


def test_atomic_directory_creates_on_success(tmp_path: Path) -> None:
    dest = tmp_path / "run"
    with atomic_directory(dest) as tmp:
        assert tmp.parent == tmp_path and not dest.exists()
        (tmp / "plan.csv").write_text("x")
    assert (dest / "plan.csv").read_text() == "x"
    assert os.listdir(tmp_path) == ["run"]


def test_atomic_directory_existing_without_force(tmp_path: Path) -> None:
    dest = tmp_path / "run"
    dest.mkdir()
    with pytest.raises(OutputError) as err, atomic_directory(dest):
        pytest.fail("the block must not run")
    assert str(err.value) == (
        f"output directory {dest} already exists; pass --force to replace it or choose "
        "another --out")


def test_atomic_directory_force_replaces_only_when_complete(tmp_path: Path) -> None:
    dest = tmp_path / "run"
    dest.mkdir()
    (dest / "old.csv").write_text("old")
    with atomic_directory(dest, force=True) as tmp:
        (tmp / "new.csv").write_text("new")
        assert (dest / "old.csv").exists()  # old output untouched while building
    assert sorted(os.listdir(dest)) == ["new.csv"]
    assert os.listdir(tmp_path) == ["run"]


def test_atomic_directory_error_removes_temp_and_keeps_old(tmp_path: Path) -> None:
    dest = tmp_path / "run"
    dest.mkdir()
    (dest / "old.csv").write_text("old")
    with pytest.raises(ValueError, match="solve failed"), \
            atomic_directory(dest, force=True) as tmp:
        (tmp / "half.csv").write_text("x")
        raise ValueError("solve failed")
    assert os.listdir(dest) == ["old.csv"]
    assert os.listdir(tmp_path) == ["run"]


def test_atomic_directory_error_leaves_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "sub" / "run"
    with pytest.raises(KeyError), atomic_directory(dest):
        raise KeyError("x")
    assert not dest.exists()
    assert os.listdir(tmp_path / "sub") == []


def test_atomic_directory_created_meanwhile_without_force(tmp_path: Path) -> None:
    dest = tmp_path / "run"
    with pytest.raises(OutputError, match="already exists"), atomic_directory(dest) as tmp:
        (tmp / "plan.csv").write_text("x")
        dest.mkdir()
        (dest / "theirs.csv").write_text("theirs")
    assert os.listdir(dest) == ["theirs.csv"]
    assert os.listdir(tmp_path) == ["run"]
