"""Where a key sits in a scenario file (or the base file it came from), and its problems.

A scenario is read from a chain of files (the file, its ``base``, the base's base, ...).
:class:`Origin` finds the file and line a key was written on; :class:`Problems`
collects every problem, each naming that file, line and key, and turns them into one
:class:`~planner.errors.ScenarioError`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from planner.errors import ScenarioError


class Source:
    """A scenario file's text, to find the line a key is on.

    Parameters
    ----------
    path : Path
        The file.
    text : str
        Its text.
    doc : dict, optional
        Its parsed TOML, as written (before merging with a base).
    """

    def __init__(self, path: Path, text: str, doc: dict[str, Any] | None = None) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.doc: dict[str, Any] = doc if doc is not None else {}

    def line_of(self, section: str, key: str | None, index: int | None = None) -> int | None:
        """Return the 1-based line of ``key`` inside ``[section]`` (or of the header)."""
        current, seen = "", -1
        header_line: int | None = None
        inline: int | None = None
        for number, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            match = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
            if match:
                current = match.group(1)
                if section == "" and key and (current == key or current.startswith(key + ".")):
                    return number
                if current == section:
                    seen += 1 if line.startswith("[[") else 0
                    if index is None or seen == index:
                        header_line = number
                continue
            if current == section and (index is None or seen == index):
                if key is None and header_line:
                    return header_line
                if key and re.match(rf"^\"?{re.escape(key)}\"?\s*=", line):
                    return number
            if current == "" and section == "" and key and re.match(
                    rf"^{re.escape(key)}\s*=", line):
                return number
            if current == "" and section and inline is None and re.match(
                    rf"^{re.escape(section)}\s*=", line):
                inline = number  # ``hires = [...]`` written inline
        return header_line or inline

    def defines(self, section: str, key: str | None) -> bool:
        """Return True when this file itself writes ``key`` of ``section``."""
        node: Any = self.doc
        for part in [p for p in section.split(".") if p] + ([key] if key else []):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def locate(self, section: str, key: str | None, index: int | None = None) -> str:
        """``name line N`` (or just the file name when the line is unknown)."""
        line = self.line_of(section, key, index)
        return self.path.name + (f" line {line}" if line else "")


class Where(Protocol):
    """Anything that can say where a key was written (a file or a chain of files)."""

    def locate(self, section: str, key: str | None, index: int | None = None) -> str:
        """Return ``file line N`` for the key."""
        ...  # pragma: no cover


@dataclass(frozen=True)
class Origin:
    """The files a scenario was read from: the file itself first, then its bases.

    Parameters
    ----------
    sources : tuple of Source
        The scenario file, its base, the base's base, ...
    """

    sources: tuple[Source, ...]

    @property
    def name(self) -> str:
        """The scenario file's name."""
        return self.sources[0].path.name if self.sources else "scenario"

    def source_of(self, section: str, key: str | None, index: int | None = None) -> Source:
        """The file the key's value came from (the first in the chain that writes it).

        An array of tables (``[[hires]]``) comes whole from one file; a table key from
        the first file that sets it; a key nobody sets (a default) from the scenario file.
        """
        for src in self.sources:
            if src.defines(section, None if index is not None else key):
                return src
        return self.sources[0]

    def locate(self, section: str, key: str | None, index: int | None = None) -> str:
        """``file line N`` of the key, in the file its value came from."""
        if not self.sources:
            return "scenario"
        return self.source_of(section, key, index).locate(section, key, index)

    def folder_of(self, section: str, key: str) -> Path:
        """The folder of the file that set the key (relative paths start there)."""
        return self.source_of(section, key).path.parent


@dataclass(frozen=True)
class Named:
    """A scenario with no file (built in code): problems name the scenario."""

    name: str

    def locate(self, section: str, key: str | None, index: int | None = None) -> str:
        """``scenario 'name'``."""
        return f"scenario '{self.name}'"


def label(section: str, key: str | None, index: int | None = None) -> str:
    """The key as the user writes it: ``levers.ticket.cap``, ``hires[0].team``."""
    text = section + (f"[{index}]" if index is not None else "")
    if key:
        text = f"{text}.{key}" if text else key
    return text


@dataclass
class Problems:
    """Every problem found in a scenario, in the order found.

    Each is ``file line N: key: what is wrong and the fix``. A key gets one problem:
    once something is wrong with it, later checks that read it stay quiet.
    """

    name: str
    messages: list[str] = field(default_factory=list)
    _keys: set[tuple[str, int | None, str | None]] = field(default_factory=set)
    _unclear: set[tuple[str, int | None]] = field(default_factory=set)

    def add(self, where: Where, section: str, key: str | None, message: str,
            index: int | None = None) -> None:
        """Record a problem, even when the key already has one (another file's)."""
        self._keys.add((section, index, key))
        self.messages.append(f"{where.locate(section, key, index)}: "
                             f"{label(section, key, index)}: {message}")

    def add_unclear(self, where: Where, section: str, key: str | None, message: str,
                    index: int | None = None) -> None:
        """Record a problem that hides what the table meant (an unknown key, not a table).

        Checks for missing keys in that table then stay quiet: the missing key may be the
        misspelt one.
        """
        self._unclear.add((section, index))
        self.add(where, section, key, message, index)

    def unclear(self, section: str, index: int | None = None) -> bool:
        """Return True when the table has an unknown key or is not a table."""
        return (section, index) in self._unclear

    def add_text(self, message: str) -> None:
        """Record a problem that is about a whole file (it names the file itself)."""
        self.messages.append(message)

    def require(self, where: Where, cond: bool, section: str, key: str | None, message: str,
                index: int | None = None) -> bool:
        """Record ``message`` unless ``cond`` holds or the key already has a problem.

        Returns
        -------
        bool
            ``cond``.
        """
        if not cond and not self.has(section, key, index):
            self.add(where, section, key, message, index)
        return cond

    def has(self, section: str, key: str | None, index: int | None = None) -> bool:
        """Return True when the key already has a problem."""
        return (section, index, key) in self._keys

    def in_table(self, section: str, index: int | None = None) -> bool:
        """Return True when any key of the table (or the table itself) has a problem."""
        return any(s == section and i == index for s, i, _ in self._keys)

    def __bool__(self) -> bool:
        return bool(self.messages)

    def error(self) -> ScenarioError:
        """All the problems as one error (a single problem stands alone)."""
        return scenario_error(self.name, self.messages)


def scenario_error(name: str, messages: Sequence[str]) -> ScenarioError:
    """One :class:`ScenarioError` listing every message, one per line.

    Examples
    --------
    >>> print(scenario_error("s.toml", ["s.toml line 2: a: bad", "s.toml line 3: b: bad"]))
    2 problems in scenario s.toml:
      s.toml line 2: a: bad
      s.toml line 3: b: bad
    """
    if len(messages) == 1:
        return ScenarioError(messages[0])
    return ScenarioError(f"{len(messages)} problems in scenario {name}:\n"
                         + "\n".join(f"  {m}" for m in messages))


def to_date(value: Any) -> date | None:
    """``value`` as a date (a TOML date or ``YYYY-MM-DD`` text), or None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def not_a_date(value: Any) -> str:
    """The message for a value that is not a date."""
    return f"{value!r} is not a date; write it as YYYY-MM-DD"


def known_list(values: Iterable[str], limit: int = 20) -> str:
    """Known values for a message, the first ``limit`` of them and how many more."""
    ordered = sorted(values)
    shown = ", ".join(ordered[:limit])
    return shown + (f", ... ({len(ordered)} in all)" if len(ordered) > limit else "")


def did_you_mean(value: str, known: Iterable[str]) -> str:
    """``; did you mean 'X'?`` for the closest known value (any case), or ``""``.

    Examples
    --------
    >>> did_you_mean("t03", ["T01", "T03"])
    "; did you mean 'T03'?"
    >>> did_you_mean("zzz", ["T01"])
    ''
    """
    choices = list(known)
    same_case = [c for c in choices if c.casefold() == value.casefold()]
    if same_case:
        return f"; did you mean '{same_case[0]}'?"
    close = difflib.get_close_matches(value, choices, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""
