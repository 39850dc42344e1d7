"""Per-browser-session state: the current what-if, its plan run, saved variants.

Each browser gets a random session id (an HttpOnly cookie); its state lives only in this
process, in a :class:`Session`, with its own temporary folder for what-if files and plan
outputs. Two people on the page never see or overwrite each other's what-ifs. The store
keeps at most :data:`MAX_SESSIONS`; when full, an idle one that never came back (a
request without the cookie, as a script sends) is dropped first, then the least recently
used idle one. Plans run one at a time, and at most :data:`PLAN_QUEUE` are running or
waiting over all sessions: one more is refused, so no flood of requests can queue
unbounded background work.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import PlannerError, TargetUnreachableError

#: Most sessions kept at once (each holds at most one plan's outputs).
MAX_SESSIONS = 32
#: Plan runs at once over all sessions: others wait their turn (bounded work).
PLAN_SLOTS = threading.BoundedSemaphore(1)
#: Plans running or waiting their turn over all sessions of a store.
PLAN_QUEUE = 4
#: Saved variants a page keeps side by side (the oldest leaves the view; its file stays).
MAX_VARIANTS = 24


class Busy(PlannerError):
    """The work asked for must wait: a plan of the page is running, or too many pages are."""


@dataclass
class PlanJob:
    """One plan run in the background: its progress, then its result or error.

    Attributes
    ----------
    number : int
        Runs of the session so far (names the output folder).
    changes : dict
        The what-if it plans (the request body's shape).
    state : str
        ``"running"``, ``"done"`` or ``"error"``.
    progress : list of str
        Steps so far.
    result : dict or None
        The page's view of the plan (team targets, months, capacity).
    error : str or None
        The one-line error, when it failed.
    diagnosis : str or None
        Why the target is out of reach (Markdown), when it is.
    zip_path : Path or None
        The workbooks and CSV files, zipped.
    """

    number: int
    changes: dict[str, Any]
    state: str = "running"
    progress: list[str] = field(default_factory=list)
    result: dict[str, Any] | None = None
    error: str | None = None
    diagnosis: str | None = None
    zip_path: Path | None = None
    started: float = field(default_factory=time.perf_counter)
    seconds: float | None = None

    def say(self, message: str) -> None:
        """Record one progress step (the page polls them)."""
        self.progress.append(message)

    def as_json(self) -> dict[str, Any]:
        """The job as ``GET /api/plan`` answers it."""
        return {"state": self.state, "progress": list(self.progress), "result": self.result,
                "error": self.error, "diagnosis": self.diagnosis, "changes": self.changes,
                "download": self.zip_path is not None, "seconds": self.seconds}


@dataclass
class Session:
    """One browser's state.

    Attributes
    ----------
    id : str
        Random, unguessable (the cookie's value).
    folder : Path
        Its own temporary folder (what-if files, plan outputs).
    view : dict
        The last what-if it solved (restores the page on reload).
    variants : list of dict
        Scenarios saved from this page, side by side.
    job : PlanJob or None
        The last plan run.
    """

    id: str
    folder: Path
    view: dict[str, Any] = field(default_factory=dict)
    variants: list[dict[str, Any]] = field(default_factory=list)
    job: PlanJob | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    used: float = field(default_factory=time.monotonic)
    visits: int = 0
    queue: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(PLAN_QUEUE))

    def add_variant(self, variant: dict[str, Any]) -> None:
        """Show a saved scenario side by side (the last :data:`MAX_VARIANTS` are kept)."""
        with self.lock:
            self.variants = [*self.variants, variant][-MAX_VARIANTS:]

    @property
    def busy(self) -> bool:
        """Whether a plan is running for this session."""
        return self.job is not None and self.job.state == "running"

    def start_plan(self, changes: dict[str, Any],
                   work: Callable[[PlanJob, Path], dict[str, Any]]) -> PlanJob:
        """Run ``work(job, out_dir)`` in a background thread (one plan at a time overall).

        ``work`` returns the page's view of the plan; it writes the outputs into
        ``out_dir``, which is zipped for "Download workbooks".

        Raises
        ------
        Busy
            A plan of this session is already running, or :data:`PLAN_QUEUE` plans are
            running or waiting.
        """
        with self.lock:  # two requests at once start one plan
            if self.busy:
                raise Busy("a plan is already running for this page; wait for it to finish")
            if not self.queue.acquire(blocking=False):
                raise Busy(f"{PLAN_QUEUE} plans are running or waiting already; try again "
                           "when one finishes")
            number = (self.job.number + 1) if self.job else 1
            job = PlanJob(number, changes)
            old = self.job
            self.job = job
            if old is not None and old.zip_path is not None:
                old.zip_path.unlink(missing_ok=True)
            try:
                threading.Thread(target=self._run, args=(job, work), daemon=True,
                                 name=f"plan-{self.id[:6]}-{number}").start()
            except RuntimeError as exc:  # no thread to be had
                self.queue.release()
                job.error, job.state = f"the plan could not start: {exc}", "error"
            return job

    def _run(self, job: PlanJob, work: Callable[[PlanJob, Path], dict[str, Any]]) -> None:
        out_dir = self.folder / f"plan-{job.number}"
        if not PLAN_SLOTS.acquire(blocking=False):
            job.say("waiting for another page's plan to finish")
            PLAN_SLOTS.acquire()
        try:
            job.result = work(job, out_dir)
            job.zip_path = zip_folder(out_dir, self.folder / f"plan-{job.number}.zip")
            job.state = "done"
        except TargetUnreachableError as exc:
            job.error, job.diagnosis, job.state = str(exc), exc.diagnosis, "error"
        except PlannerError as exc:
            job.error, job.state = str(exc), "error"
        except Exception as exc:  # noqa: BLE001 - reported on the page, never a traceback
            job.error = f"unexpected error: {type(exc).__name__}: {exc}"
            job.state = "error"
        finally:
            PLAN_SLOTS.release()
            shutil.rmtree(out_dir, ignore_errors=True)
            job.seconds = time.perf_counter() - job.started
            self.queue.release()


def zip_folder(folder: Path, target: Path) -> Path:
    """Zip every file under ``folder`` (paths relative to it) into ``target``."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != ".planner-output.json":
                archive.write(path, path.relative_to(folder).as_posix())
    return target


class SessionStore:
    """Sessions by id, at most :data:`MAX_SESSIONS`, each with its own temporary folder.

    Parameters
    ----------
    root : Path, optional
        Where the sessions' folders go (default: a new temporary folder).
    limit : int
        Most sessions kept.
    """

    def __init__(self, root: Path | None = None, limit: int = MAX_SESSIONS) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="planner-serve-"))
        self.limit = limit
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self._queue = threading.BoundedSemaphore(PLAN_QUEUE)

    def get(self, sid: str | None) -> Session | None:
        """The session with this id, or None."""
        with self._lock:
            session = self._sessions.get(sid or "")
            if session is not None:
                self._sessions.move_to_end(session.id)
                session.used = time.monotonic()
                session.visits += 1
            return session

    def new(self) -> Session:
        """A new session; when full, an idle one is dropped.

        First one that never came back, else the least recently used.
        """
        with self._lock:
            while len(self._sessions) >= self.limit:
                idle = [s for s in self._sessions.values() if not s.busy]
                idle = [s for s in idle if s.visits == 0] or idle
                if not idle:
                    raise Busy(f"{self.limit} pages are planning at once; try again "
                                       "when one finishes")
                self._drop(idle[0])
            sid = secrets.token_urlsafe(18)
            folder = self.root / f"s-{secrets.token_hex(6)}"
            folder.mkdir(parents=True)
            session = Session(sid, folder, queue=self._queue)
            self._sessions[sid] = session
            return session

    def _drop(self, session: Session) -> None:
        self._sessions.pop(session.id, None)
        shutil.rmtree(session.folder, ignore_errors=True)

    def __len__(self) -> int:
        return len(self._sessions)

    def close(self) -> None:
        """Remove every session's folder (when the server stops)."""
        with self._lock:
            for session in list(self._sessions.values()):
                self._drop(session)
        shutil.rmtree(self.root, ignore_errors=True)


__all__ = ["Busy", "PlanJob", "Session", "SessionStore", "zip_folder"]
