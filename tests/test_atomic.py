"""Tests for planner.atomic: files and directories appear whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planner import names as n
from planner.atomic import atomic_directory, atomic_write
from planner.errors import OutputError, OutputRefusedError
from planner.output_guard import is_planner_output, read_manifest


def planner_folder(path: Path, *files: str) -> Path:
    """An output folder as planner writes it (with its manifest)."""
    with atomic_directory(path, command="test") as tmp:
        for name in files:
            (tmp / name).write_text(name)
    return path


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
    with atomic_directory(dest, command="plan") as tmp:
        assert tmp.parent == tmp_path and not dest.exists()
        (tmp / "plan.csv").write_text("x")
    assert (dest / "plan.csv").read_text() == "x"
    assert os.listdir(tmp_path) == ["run"]
    assert sorted(os.listdir(dest)) == [n.OUTPUT_MANIFEST, "plan.csv"]
    manifest = read_manifest(dest)
    assert manifest is not None
    assert {k: manifest[k] for k in ("planner", "command", "state", "files")} == {
        "planner": "output", "command": "plan", "state": "complete", "files": ["plan.csv"]}
    assert manifest["created"].endswith("Z") and manifest["version"]


def test_atomic_directory_existing_without_force(tmp_path: Path) -> None:
    dest = planner_folder(tmp_path / "run", "plan.csv")
    with pytest.raises(OutputRefusedError) as err, atomic_directory(dest):
        pytest.fail("the block must not run")
    assert str(err.value) == (
        f"output directory {dest} already exists; pass --force to replace it or choose "
        "another --out")


def test_atomic_directory_existing_empty_folder_is_used(tmp_path: Path) -> None:
    dest = tmp_path / "run"
    dest.mkdir()
    with atomic_directory(dest) as tmp:
        (tmp / "plan.csv").write_text("x")
    assert is_planner_output(dest) and (dest / "plan.csv").read_text() == "x"


def test_atomic_directory_force_replaces_only_when_complete(tmp_path: Path) -> None:
    dest = planner_folder(tmp_path / "run", "old.csv")
    with atomic_directory(dest, force=True) as tmp:
        (tmp / "new.csv").write_text("new")
        assert (dest / "old.csv").exists()  # old output untouched while building
    assert sorted(os.listdir(dest)) == [n.OUTPUT_MANIFEST, "new.csv"]
    assert os.listdir(tmp_path) == ["run"]


def test_atomic_directory_error_removes_temp_and_keeps_old(tmp_path: Path) -> None:
    dest = planner_folder(tmp_path / "run", "old.csv")
    with pytest.raises(ValueError, match="solve failed"), \
            atomic_directory(dest, force=True) as tmp:
        (tmp / "half.csv").write_text("x")
        raise ValueError("solve failed")
    assert sorted(os.listdir(dest)) == [n.OUTPUT_MANIFEST, "old.csv"]
    assert os.listdir(tmp_path) == ["run"]


def test_atomic_directory_ctrl_c_removes_temp_and_keeps_old(tmp_path: Path) -> None:
    dest = planner_folder(tmp_path / "run", "old.csv")
    with pytest.raises(KeyboardInterrupt), atomic_directory(dest, force=True) as tmp:
        (tmp / "half.csv").write_text("x")
        raise KeyboardInterrupt
    assert (dest / "old.csv").read_text() == "old.csv"
    assert os.listdir(tmp_path) == ["run"]


def test_atomic_directory_interrupted_move_puts_the_old_output_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = planner_folder(tmp_path / "run", "old.csv")
    real_replace = os.replace

    def replace(src: object, dst: object) -> None:
        if Path(str(src)).name.endswith(".tmp"):  # the new folder's rename
            raise KeyboardInterrupt
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt), atomic_directory(dest, force=True) as tmp:
        (tmp / "new.csv").write_text("new")
    monkeypatch.undo()
    assert sorted(os.listdir(dest)) == [n.OUTPUT_MANIFEST, "old.csv"]
    assert os.listdir(tmp_path) == ["run"]


def test_atomic_directory_error_leaves_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "sub" / "run"
    with pytest.raises(KeyError), atomic_directory(dest):
        raise KeyError("x")
    assert not dest.exists()
    assert os.listdir(tmp_path / "sub") == []


def test_atomic_directory_created_meanwhile_without_force(tmp_path: Path) -> None:
    dest = tmp_path / "run"
    with pytest.raises(OutputRefusedError, match="already exists and was not written by "
                       "planner"), atomic_directory(dest, force=True) as tmp:
        (tmp / "plan.csv").write_text("x")
        dest.mkdir()
        (dest / "theirs.csv").write_text("theirs")
    assert os.listdir(dest) == ["theirs.csv"]
    assert os.listdir(tmp_path) == ["run"]
