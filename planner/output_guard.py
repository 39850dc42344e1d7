r"""Outputs never destroy inputs: what a run reads, and whether ``--out`` may be written.

Every output folder is built beside ``--out`` and moved into place
(:func:`planner.atomic.atomic_directory`); before that, :func:`check_output_dir`
refuses an ``--out`` that

* is, contains, or lies inside a file or folder the run reads (the scenario file,
  its ``base`` files, the history folder, the mapping file and the files it names);
* is an existing file (never replaced, even with ``--force``);
* is an existing, non-empty folder, unless ``--force`` is given *and* the folder
  was written by planner: it holds the manifest :data:`planner.names.OUTPUT_MANIFEST`
  (which also lists the files written).

Paths are compared after resolving symbolic links and ``..``, and by device and
inode where they exist, so ``data/../data`` or a link to the history folder is
recognised.

Examples
--------
>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> (root / "data").mkdir()
>>> history = (Source("history folder", root / "data"),)
>>> check_output_dir(root / "out", sources=history) == (root / "out").resolve()
True
>>> try:
...     check_output_dir(root / "data" / "out", sources=history)
... except OutputRefusedError as exc:
...     print(str(exc).replace(str(root.resolve()), "ROOT").replace(", which", ",\nwhich"))
output directory ROOT/data/out lies inside the history folder ROOT/data,
which this run reads; choose another --out outside it
"""

from __future__ import annotations

import json
import os
import socket
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from planner import __version__
from planner import names as n
from planner.errors import MappingError, OutputRefusedError

if TYPE_CHECKING:
    from planner.scenario.values import Scenario

#: Value of the ``planner`` key that marks our manifest.
MARKER: Final = "output"
BUILDING: Final = "building"
COMPLETE: Final = "complete"


@dataclass(frozen=True)
class Source:
    """A file or folder a run reads.

    Attributes
    ----------
    what : str
        What it is, in the user's words (``"scenario file"``, ``"history folder"``).
    path : Path
        Where it is.
    """

    what: str
    path: Path


def _resolve(path: Path) -> Path:
    return Path(os.path.abspath(Path(path).expanduser())).resolve()


def _base_chain(path: Path) -> list[Path]:
    """The ``base = ...`` files a scenario file extends, nearest first.

    The chain was validated when the scenario was loaded; a file that cannot be read
    now ends the chain (the run would report it).
    """
    chain: list[Path] = []
    seen = {_resolve(path)}
    current = _resolve(path)
    while True:
        try:
            doc = tomllib.loads(current.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return chain
        base = doc.get("base")
        if not isinstance(base, str):
            return chain
        current = _resolve(current.parent / base)
        if current in seen:
            return chain
        seen.add(current)
        chain.append(current)


def data_sources(data_dir: Path | str | None, mapping: str | os.PathLike[str] | None = None
                 ) -> tuple[Source, ...]:
    """The history folder, the mapping file and the files the mapping names.

    Parameters
    ----------
    data_dir : Path or str, optional
        The history folder.
    mapping : str or PathLike, optional
        A mapping TOML file or the name of a builtin mapping.

    Returns
    -------
    tuple of Source

    Examples
    --------
    >>> [s.what for s in data_sources("data", "online_retail")]
    ['history folder', 'mapping file', 'sales file']
    """
    from planner.history.mapping import builtin_mapping, builtin_names, load_mapping

    sources: list[Source] = []
    if data_dir is not None:
        sources.append(Source("history folder", Path(data_dir)))
    if mapping is None:
        return tuple(sources)
    path = Path(mapping)
    if not path.is_file() and str(mapping) in builtin_names():
        path = builtin_mapping(str(mapping))
    if not path.is_file():
        return tuple(sources)
    sources.append(Source("mapping file", path))
    try:
        tables = load_mapping(path).tables
    except MappingError:  # the run itself reports the mapping's problems
        return tuple(sources)
    if data_dir is not None:
        sources += [Source(f"{table} file", Path(data_dir) / spec.file)
                    for table, spec in tables.items() if spec.file]
    return tuple(sources)


def scenario_sources(scenario: Scenario) -> tuple[Source, ...]:
    """Every file and folder a run of ``scenario`` reads.

    The scenario file, the ``base`` files it extends, the history folder and the
    mapping (see :func:`data_sources`).

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    tuple of Source
    """
    sources: list[Source] = []
    if scenario.path is not None:
        sources.append(Source("scenario file", Path(scenario.path)))
        sources += [Source("base scenario file", p) for p in _base_chain(Path(scenario.path))]
    return (*sources, *data_sources(scenario.data_dir, scenario.mapping))


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _same(a: Path, b: Path) -> bool:
    if os.path.normcase(a) == os.path.normcase(b):
        return True
    ida = _identity(a)
    return ida is not None and ida == _identity(b)


def _inside(child: Path, parent: Path) -> bool:
    """Whether ``child`` lies strictly inside ``parent`` (both resolved)."""
    return any(_same(ancestor, parent) for ancestor in child.parents)


def _shown(given: Path, real: Path) -> str:
    return str(given) if _resolve(given) == Path(os.path.abspath(given)) else (
        f"{given} (= {real})")


def _check_sources(given: Path, real: Path, sources: Iterable[Source], option: str) -> None:
    out = _shown(given, real)
    for source in sources:
        path = _resolve(source.path)
        where = f"the {source.what} {path}, which this run reads"
        if _same(real, path):
            raise OutputRefusedError(f"output directory {out} is {where}; choose another "
                                     f"{option}")
        if _inside(path, real):
            raise OutputRefusedError(f"output directory {out} contains {where}; choose another "
                                     f"{option} that does not hold the run's inputs")
        if _inside(real, path):
            raise OutputRefusedError(f"output directory {out} lies inside {where}; choose "
                                     f"another {option} outside it")


def check_output_dir(out: Path | str, *, sources: Iterable[Source] = (),
                     force: bool = False, option: str = "--out") -> Path:
    """Refuse an ``--out`` that would destroy an input or anything planner did not write.

    Parameters
    ----------
    out : Path or str
        The output folder as the user gave it.
    sources : iterable of Source
        What the run reads (:func:`scenario_sources`, :func:`data_sources`).
    force : bool
        Whether an existing folder written by planner may be replaced.
    option : str
        What the user gave the folder as, for the fix in messages ("choose another
        --out").

    Returns
    -------
    Path
        ``out`` with links and ``..`` resolved: the folder to write.

    Raises
    ------
    OutputRefusedError
        ``out`` is, contains or lies inside a source; it is an existing file; it is a
        non-empty folder and ``force`` is false; or ``force`` is true but the folder
        was not written by planner (it has no manifest) or holds files planner did not
        write there (they would be lost).
    """
    given = Path(out)
    real = _resolve(given)
    _check_sources(given, real, sources, option)
    shown = _shown(given, real)
    if not real.exists():
        return real
    if not real.is_dir():
        raise OutputRefusedError(f"output directory {shown} is an existing file, not a folder; "
                                 f"choose another {option} (a file is never replaced, even "
                                 "with --force)")
    try:
        empty = not any(real.iterdir())
    except OSError as exc:
        raise OutputRefusedError(f"output directory {shown} cannot be read: "
                                 f"{exc.strerror or exc}; choose another {option}") from exc
    if empty:
        return real
    manifest = read_manifest(real)
    if manifest is None or manifest.get("state") != COMPLETE:
        raise OutputRefusedError(f"output directory {shown} already exists and was not written "
                                 f"by planner; remove it yourself or choose another {option}")
    if not force:
        raise OutputRefusedError(f"output directory {shown} already exists; pass --force to "
                                 f"replace it or choose another {option}")
    listed = manifest.get("files")
    added = (sorted(set(_files(real)) - set(listed)) if isinstance(listed, list) else [])
    if added:  # the user put (or edited in under a new name) files of their own there
        more = f" and {len(added) - 3} more" if len(added) > 3 else ""
        raise OutputRefusedError(f"output directory {shown} holds files planner did not write "
                                 f"({', '.join(added[:3])}{more}); move them out or choose "
                                 f"another {option}")
    return real


def _files(folder: Path) -> Iterator[str]:
    """Files (and links) under ``folder`` as relative POSIX paths, the manifest excepted."""
    for root, dirs, files in os.walk(folder):
        base = Path(root)
        for name in files + [d for d in dirs if (base / d).is_symlink()]:
            rel = (base / name).relative_to(folder).as_posix()
            if rel != n.OUTPUT_MANIFEST:
                yield rel


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest planner wrote into ``folder``, or None when there is none.

    A file of that name that is not JSON, or not ours, counts as none.
    """
    path = Path(folder) / n.OUTPUT_MANIFEST
    try:
        if path.is_symlink() or not path.is_file():
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("planner") != MARKER:
        return None
    return doc


def is_planner_output(folder: Path) -> bool:
    """Whether ``folder`` is a complete output folder written by planner."""
    manifest = read_manifest(folder)
    return manifest is not None and manifest.get("state") == COMPLETE


def write_manifest(folder: Path, command: str, *, complete: bool) -> Path:
    """Write the manifest into an output folder being built.

    Parameters
    ----------
    folder : Path
        The temp folder.
    command : str
        The command that writes it (``"plan"``, ``"sample-data"``, ...).
    complete : bool
        False when the folder is created (the manifest then names this process, so a
        later run can tell a folder left by a killed run from one still being
        built); True just before it is moved into place (it then lists the files).

    Returns
    -------
    Path
    """
    doc: dict[str, Any] = {"planner": MARKER, "command": command, "version": __version__}
    if complete:
        doc |= {"state": COMPLETE,
                "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "files": sorted(_files(folder))}
    else:
        doc |= {"state": BUILDING, "pid": os.getpid(), "host": socket.gethostname()}
    path = Path(folder) / n.OUTPUT_MANIFEST
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # a new entry: the folder's time shows it is in use
    return path
