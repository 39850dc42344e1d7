"""Work run in a background thread of this process, its result taken later.

Two steps of a plan spend their time outside the interpreter's lock and so can run on
another core beside Python work: a HiGHS solve (the explanation's level below the plan,
:mod:`planner.explain.levels`) and DuckDB writing CSV files (:mod:`planner.outputs.write`).
:class:`InThread` starts such work at once and hands back its value, or raises its error,
in the thread that asks for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class InThread(Generic[T]):
    """Run ``work()`` in a background thread from now on; :meth:`result` waits for it.

    Take the result before forking: while the thread runs, the output workers are not
    forked (:func:`planner.outputs.parallel.worker_count`). In a process forked while
    the thread ran (the thread is not there), :meth:`result` does the work itself.

    Parameters
    ----------
    work : callable
        Called once, with no argument, in the thread.
    name : str
        The thread's name.

    Examples
    --------
    >>> InThread(lambda: 6 * 7).result()
    42
    """

    def __init__(self, work: Callable[[], T], name: str = "planner-beside") -> None:
        self._work = work
        self._value: list[T] = []
        self._error: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value.append(self._work())
        except BaseException as exc:  # noqa: BLE001 - raised in the caller by result()
            self._error.append(exc)

    def wait(self) -> None:
        """Wait until the work has ended (its error, if any, is kept for :meth:`result`)."""
        self._thread.join()

    def result(self) -> T:
        """Wait for the work; return its value or raise its error in this thread."""
        self._thread.join()
        if self._error:
            raise self._error[0]
        if not self._value:  # forked mid-work: the thread ran in the parent only
            self._value.append(self._work())
        return self._value[0]
