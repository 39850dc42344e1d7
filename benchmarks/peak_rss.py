"""Peak resident memory of this process, sampled in a thread (shared by the benchmarks)."""

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
    """Sample the process RSS every few milliseconds in a thread.

    With ``children=True`` each sample adds the process's live children (forked
    workers), each process counted by its proportional set size (PSS, from
    ``/proc/PID/smaps_rollup``): a page shared by the parent and its workers counts once
    in all, so the figure is the memory the run holds. Where PSS cannot be read, the
    RSS is added instead (an upper bound: shared pages counted in every process).
    """

    def __init__(self, interval: float = 0.005, children: bool = False) -> None:
        self.proc, self.interval, self.peak = psutil.Process(), interval, 0
        self.children = children
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        if not self.children:
            return int(self.proc.memory_info().rss)
        total = _pss(self.proc)
        for child in self.proc.children(recursive=True):
            try:
                total += _pss(child)
            except (psutil.Error, OSError):  # finished between listing and reading
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            time.sleep(self.interval)

    def __enter__(self) -> PeakRss:
        self.peak = self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())
