"""Where a key sits in a scenario file, and errors that say so."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from planner.errors import ScenarioError


class Source:
    """A scenario file's text, to find the line a key is on."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, section: str, key: str | None, index: int | None = None) -> int | None:
        """Return the 1-based line of ``key`` inside ``[section]`` (or of the header)."""
        current, seen = "", -1
        header_line = None
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
            top = section == "" and current == ""
            if top and key and re.match(rf"^{re.escape(key)}\s*=", line):
                return number
        return header_line


def fail(src: Source, section: str, key: str | None, message: str,
         index: int | None = None) -> ScenarioError:
    """Return a ScenarioError naming the file, line and key."""
    line = src.line_of(section, key, index)
    where = src.path.name + (f" line {line}" if line else "")
    label = section + (f"[{index}]" if index is not None else "")
    if key:
        label = f"{label}.{key}" if label else key
    return ScenarioError(f"{where}: {label}: {message}")



def require(src: Source, cond: bool, section: str, key: str, message: str,
            index: int | None = None) -> None:
    """Raise :func:`fail` unless ``cond`` holds."""
    if not cond:
        raise fail(src, section, key, message, index)


def to_date(src: Source, section: str, key: str, value: Any, index: int | None = None) -> date:
    """Return ``value`` as a date or raise naming the key."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise fail(src, section, key, f"{value!r} is not a date; write it as YYYY-MM-DD",
                   index) from None
