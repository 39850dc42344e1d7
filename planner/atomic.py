"""Atomic outputs: a file or a directory appears complete or not at all.

Both helpers build beside the destination (same directory, so the final
``os.replace`` is a rename on one file system) and clean up on failure, Ctrl-C
included. Output folders are guarded (:mod:`planner.output_guard`): never over an
input, a file, or a folder planner did not write; each gets a manifest. Temp
folders that a killed run left beside the destination (``.<name>.<hex>.tmp`` and
``.<name>.<hex>.old``) are removed by the next run when they are provably ours
and abandoned (:func:`clean_stale`).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from planner import names as n
from planner.errors import OutputError
from planner.output_guard import (
    BUILDING,
    Source,
    check_output_dir,
    read_manifest,
    write_manifest,
)

#: A temp folder younger than this is never treated as abandoned.
STALE_SECONDS: Final = 10.0
#: ... nor one that another machine is building, younger than this.
STALE_OTHER_HOST_SECONDS: Final = 24 * 3600.0
_HEX: Final = 12
_TAGS: Final = ("tmp", "old")


def _sibling(path: Path, tag: str) -> Path:
    """Return a new hidden name beside ``path`` that keeps its suffixes."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:_HEX]}.{tag}{''.join(path.suffixes)}")


def _sibling_pattern(path: Path) -> re.Pattern[str]:
    """The names :func:`_sibling` gives beside ``path``, and nothing else."""
    return re.compile(rf"\.{re.escape(path.name)}\.[0-9a-f]{{{_HEX}}}\.({'|'.join(_TAGS)})"
                      rf"{re.escape(''.join(path.suffixes))}")


def _remove(path: Path) -> None:
    """Remove a file, or a folder with its manifest last.

    A removal cut short (Ctrl-C, a kill) so leaves a folder still recognisably ours.
    """
    if path.is_dir() and not path.is_symlink():
        manifest = path / n.OUTPUT_MANIFEST
        for child in list(path.iterdir()):
            if child != manifest:
                _remove(child)
        manifest.unlink(missing_ok=True)
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _abandoned(folder: Path, now: float) -> bool:
    """Whether a temp folder beside an output is ours and no run is using it."""
    try:
        age = now - folder.lstat().st_mtime
        empty = not any(folder.iterdir())
    except OSError:
        return False
    if age < STALE_SECONDS:
        return False
    if empty:
        return True
    manifest = read_manifest(folder)
    if manifest is None:
        return False  # not provably ours: leave it
    if manifest.get("state") != BUILDING:
        return True  # a complete output renamed aside (".old") whose removal was cut short
    pid, host = manifest.get("pid"), manifest.get("host")
    if host != socket.gethostname():
        return age > STALE_OTHER_HOST_SECONDS
    return isinstance(pid, int) and pid != os.getpid() and not _alive(pid)


def clean_stale(dest: Path) -> list[Path]:
    """Remove temp folders a killed run left beside ``dest``; return those removed.

    Only folders named exactly as :func:`atomic_directory` names them
    (``.<name>.<12 hex>.tmp`` or ``.old``), not links, older than
    :data:`STALE_SECONDS`, and either empty or holding planner's manifest: a
    complete one (an old output being replaced), or one being built by a process
    of this machine that no longer runs.

    Parameters
    ----------
    dest : Path
        The output folder (resolved).

    Returns
    -------
    list of Path
    """
    dest = Path(dest)
    pattern = _sibling_pattern(dest)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(dest.parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not pattern.fullmatch(entry.name) or not entry.is_dir(follow_symlinks=False):
            continue
        folder = Path(entry.path)
        if _abandoned(folder, now):
            _remove(folder)
            removed.append(folder)
    return removed


def atomic_write(path: Path, writer: Callable[[Path], object]) -> Path:
    """Write a file through a temp file in the same directory, then rename it into place.

    Parameters
    ----------
    path : Path
        Destination file. Its directory must exist.
    writer : callable
        Called with the temp path; must create the file there.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        The file cannot be written or moved into place (the temp file is removed).
        Any other exception from ``writer`` propagates after the temp file is removed.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> atomic_write(d / "a.txt", lambda p: p.write_text("hi")).read_text()
    'hi'
    """
    path = Path(path)
    tmp = _sibling(path, "tmp")
    try:
        writer(tmp)
        if not tmp.exists():
            raise OutputError(f"cannot write {path}: the writer created no file")
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}; check the folder "
                          "exists and is writable, or choose another --out") from exc
    except BaseException:
        _remove(tmp)
        raise
    return path


@contextmanager
def atomic_directory(dest: Path | str, *, force: bool = False, sources: Iterable[Source] = (),
                     command: str = "planner", option: str = "--out") -> Iterator[Path]:
    """Build a directory in a temp directory beside ``dest``; move it into place on success.

    Parameters
    ----------
    dest : Path or str
        Final directory (links and ``..`` are resolved first).
    force : bool
        Replace an existing ``dest`` that planner wrote; the old one is removed only
        after the new one is complete and moved into place.
    sources : iterable of Source
        What the run read: ``dest`` may not be, contain or lie inside any of them.
    command : str
        Recorded in the folder's manifest (:data:`planner.names.OUTPUT_MANIFEST`).
    option : str
        How the user named ``dest``, for messages (``"--out"``).

    Yields
    ------
    Path
        The temp directory to fill.

    Raises
    ------
    OutputRefusedError
        ``dest`` is refused by :func:`~planner.output_guard.check_output_dir`
        (checked on entry and again before the move).
    OutputError
        The directory cannot be created or moved. On any error inside the block,
        Ctrl-C included, the temp directory is removed and ``dest`` is left as it was.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "run"
    >>> with atomic_directory(out, command="plan") as tmp:
    ...     _ = (tmp / "plan.csv").write_text("x")
    >>> sorted(p.name for p in out.iterdir())
    ['.planner-output.json', 'plan.csv']
    """
    sources = tuple(sources)
    real = check_output_dir(dest, sources=sources, force=force, option=option)
    clean_stale(real)
    tmp = _sibling(real, "tmp")
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
    except OSError as exc:
        raise OutputError(f"cannot create output directory {dest}: {exc.strerror or exc}; "
                          "choose another --out") from exc
    try:
        write_manifest(tmp, command, complete=False)
        yield tmp
        check_output_dir(dest, sources=sources, force=force, option=option)
        write_manifest(tmp, command, complete=True)
        _move_into_place(tmp, real)
    except BaseException:
        _remove(tmp)
        raise


def _move_into_place(tmp: Path, dest: Path) -> None:
    """Rename ``tmp`` to ``dest``, replacing an old ``dest`` only once the rename worked.

    When the rename fails or is interrupted, the old ``dest`` is put back.
    """
    old = _sibling(dest, "old") if dest.exists() else None
    try:
        if old is not None:
            os.replace(dest, old)
        try:
            os.replace(tmp, dest)
        except BaseException:
            if old is not None and not dest.exists():
                os.replace(old, dest)
            raise
    except OSError as exc:
        raise OutputError(f"cannot move the new output into {dest}: "
                          f"{exc.strerror or exc}; choose another --out") from exc
    if old is not None:
        _remove(old)
