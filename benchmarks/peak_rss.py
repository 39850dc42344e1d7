"""Peak resident memory of this process, sampled in a thread (shared by the benchmarks)."""

from __future__ import annotations

import threading
import time

import psutil


class PeakRss:
    """Sample the process RSS every few milliseconds in a thread.

    With ``children=True`` each sample adds the RSS of the process's live children
    (forked workers): pages they share with the parent are counted twice, so the
    figure is an upper bound of the memory the run needs.
    """

    def __init__(self, interval: float = 0.005, children: bool = False) -> None:
        self.proc, self.interval, self.peak = psutil.Process(), interval, 0
        self.children = children
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        rss = int(self.proc.memory_info().rss)
        if self.children:
            for child in self.proc.children(recursive=True):
                try:
                    rss += int(child.memory_info().rss)
                except psutil.Error:  # finished between listing and reading
                    pass
        return rss

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            time.sleep(self.interval)

    def __enter__(self) -> PeakRss:
        self.peak = self.proc.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)
