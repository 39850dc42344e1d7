"""The project's exception types.

The library raises these; only the CLI turns them into a one-line message and an
exit code (see :class:`planner.cli.main.ExitStatus`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class PlannerError(Exception):
    """Base class of every error ``planner`` raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Parameters
    ----------
    file : str
        File name as the user knows it (e.g. ``sales.csv``).
    row : int or None
        Spreadsheet-style row number (the header is row 1, the first data row is
        row 2), or None when the problem is about the whole file or a column.
    column : str or None
        Column name as it appears in the user's file.
    value : object
        The bad value as found.
    message : str
        What is wrong and how to fix it.
    """

    file: str
    row: int | None
    column: str | None
    value: object
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f" column '{self.column}'"
        if self.value is None:
            return f"{where}: {self.message}"
        return f"{where}: {self.value!r} {self.message}"


class InputError(PlannerError):
    """Bad input data: every problem found in one or more files, reported together.

    Parameters
    ----------
    problems : iterable of Problem
        All the problems found; at least one.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in input data"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class MappingError(PlannerError):
    """A column mapping (file, columns, types, value maps) is invalid."""


class ScenarioError(PlannerError):
    """A scenario file is invalid: names the key, its line and the fix."""


class EngineError(ScenarioError):
    """The engine asked for (``[data] engine``, ``--engine``) cannot run.

    pyspark is not installed, there is no Java, or the Spark master cannot be reached.
    """


class CalendarError(PlannerError):
    """A calendar cannot be built (unknown country, bad override)."""


class ModelError(PlannerError):
    """A model could not be built or solved for a reason other than infeasibility."""


class SolverLimitError(ModelError):
    """The solver stopped at a limit the scenario sets ([solver] time_limit): a setting to fix."""


class TargetUnreachableError(PlannerError):
    """The target cannot be reached under the constraints.

    Parameters
    ----------
    message : str
        One-line summary.
    diagnosis : str
        The full explanation in Markdown (written to ``diagnosis.md``).
    """

    def __init__(self, message: str, diagnosis: str) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis


class OutputError(PlannerError):
    """Outputs cannot be written (existing directory without ``--force``, ...)."""


class OutputRefusedError(OutputError):
    """``--out`` would overwrite an input, a file, or a folder the planner did not write."""


class PlannerWarning(UserWarning):
    """Base class of every warning ``planner`` emits on purpose (the CLI prints them)."""


class DataWarning(PlannerWarning):
    """The history loads, but something in it needs a look (a short window, odd dates)."""


class SpikeWarning(PlannerWarning):
    """A one-off spike was normalised out of last year's baselines (planner.baselines.spikes)."""


class LaunchWarning(PlannerWarning):
    """Products launched inside the trailing window were planned on annualised history."""
