"""Peak resident memory of a process, sampled in a thread (shared by the benchmarks)."""

from __future__ import annotations

import threading
import time

import psutil


def _pss(proc: psutil.Process) -> int:
    """Proportional set size of ``proc`` in bytes (its RSS where PSS is not available)."""
    try:
        with open(f"/proc/{proc.pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(proc.memory_info().rss)


class PeakRss:
    """Sample a process's memory every few milliseconds in a thread.

    By default the process is this one (its RSS). ``pid`` watches another process from
    outside instead, e.g. a plan run in a child process: a sampling thread inside the
    measured process would itself change what it does (``planner`` writes the team
    workbooks in one process while other Python threads run).

    With ``children=True`` each sample adds the process's live children (forked
    workers), each process counted by its proportional set size (PSS, from
    ``/proc/PID/smaps_rollup``): a page shared by the parent and its workers counts once
    in all, so the figure is the memory the run holds. Where PSS cannot be read, the
    RSS is added instead (an upper bound: shared pages counted in every process).

    Reading ``smaps_rollup`` walks the process's page tables: 10-40 ms for a 1 GB
    process on a busy machine. Sampled every 20 ms, three such processes kept a whole
    core busy in the kernel, a core the measured run then lacked on a 2-core machine.
    So the next sample waits at least ``budget`` times the last sample's own time
    (sampling costs at most about ``1 / budget`` of one core); pair the samples with
    the run's own high-water mark (``ru_maxrss``, exact for the plan's process alone)
    to catch a short peak of one process between two samples.
    """

    def __init__(self, interval: float = 0.005, children: bool = False,
                 pid: int | None = None, budget: float = 10.0) -> None:
        self.proc, self.interval, self.peak = psutil.Process(pid), interval, 0
        self.budget = budget
        self.children = children
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        try:
            if not self.children:
                return int(self.proc.memory_info().rss)
            total = _pss(self.proc)
            children = self.proc.children(recursive=True)
        except (psutil.Error, OSError):  # the watched process has ended
            return 0
        for child in children:
            try:
                total += _pss(child)
            except (psutil.Error, OSError):  # finished between listing and reading
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            start = time.perf_counter()
            self.peak = max(self.peak, self._sample())
            cost = time.perf_counter() - start
            self._stop.wait(max(self.interval, self.budget * cost))

    def __enter__(self) -> PeakRss:
        self.peak = self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())
