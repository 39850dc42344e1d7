"""Atomic outputs: a file or a directory appears complete or not at all.

Both helpers build beside the destination (same directory, so the final
``os.replace`` is a rename on one file system) and clean up on failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from planner.errors import OutputError


def _sibling(path: Path, tag: str) -> Path:
    """Return a new hidden name beside ``path`` that keeps its suffixes."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.{tag}{''.join(path.suffixes)}")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def atomic_write(path: Path, writer: Callable[[Path], None]) -> Path:
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
def atomic_directory(dest: Path, *, force: bool = False) -> Iterator[Path]:
    """Build a directory in a temp directory beside ``dest``; move it into place on success.

    Parameters
    ----------
    dest : Path
        Final directory.
    force : bool
        Replace an existing ``dest``; the old one is removed only after the new one
        is complete and moved into place.

    Yields
    ------
    Path
        The temp directory to fill.

    Raises
    ------
    OutputError
        ``dest`` exists and ``force`` is false (checked on entry and again on exit),
        or the directory cannot be created or moved. On any error inside the block
        the temp directory is removed and ``dest`` is left as it was.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "run"
    >>> with atomic_directory(out) as tmp:
    ...     _ = (tmp / "plan.csv").write_text("x")
    >>> sorted(p.name for p in out.iterdir())
    ['plan.csv']
    """
    dest = Path(dest)

    def exists_error() -> OutputError:
        return OutputError(f"output directory {dest} already exists; pass --force to replace "
                           "it or choose another --out")

    if dest.exists() and not force:
        raise exists_error()
    tmp = _sibling(dest, "tmp")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
    except OSError as exc:
        raise OutputError(f"cannot create output directory {dest}: {exc.strerror or exc}; "
                          "choose another --out") from exc
    try:
        yield tmp
        if dest.exists() and not force:
            raise exists_error()
        _move_into_place(tmp, dest)
    except BaseException:
        _remove(tmp)
        raise


def _move_into_place(tmp: Path, dest: Path) -> None:
    """Rename ``tmp`` to ``dest``, replacing an old ``dest`` only once the rename worked."""
    old = _sibling(dest, "old") if dest.exists() else None
    try:
        if old is not None:
            os.replace(dest, old)
        try:
            os.replace(tmp, dest)
        except OSError:
            if old is not None:
                os.replace(old, dest)
            raise
    except OSError as exc:
        raise OutputError(f"cannot move the new output into {dest}: "
                          f"{exc.strerror or exc}; choose another --out") from exc
    if old is not None:
        _remove(old)
