"""Read, merge (``base = ...``) and validate scenario TOML files.

Every problem in the file and its base chain is reported at once, in one
:class:`planner.errors.ScenarioError`: each names the file the key was written in
(the base file, for a key that came from there), its line, the key, the bad value and
the fix; unknown keys get a did-you-mean suggestion.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

from planner.scenario import schema
from planner.scenario.convert import build_scenario
from planner.scenario.source import Origin, Problems, Source
from planner.scenario.values import Scenario

_Chain = list[tuple[Source, dict[str, Any]]]


def _suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown key{hint} (known: {', '.join(sorted(choices))})"


def _text(path: Path, shown: str, problems: Problems) -> str | None:
    """The file's text, or None after recording why it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.add_text(f"cannot read scenario file {shown}: {exc.strerror or exc}")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        problems.add_text(f"{path.name} line {line}: not UTF-8 text (byte "
                          f"0x{data[exc.start]:02x}); save the file as UTF-8")
        return None


def _read(path: Path, problems: Problems, chain: tuple[Path, ...] = ()) -> _Chain | None:
    """The file and its bases (each with its checked keys), or None when one is unreadable.

    Problems in the keys are recorded and the chain still read; None means the scenario
    cannot be put together (a file missing, unreadable, not TOML, or a cycle).
    """
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        problems.add_text(f"{resolved.name}: base files form a cycle ({cycle}); remove one base")
        return None
    if not chain and not resolved.is_file():
        what = "is a folder" if resolved.is_dir() else "not found"
        problems.add_text(f"scenario file {what}: {path}; check the path")
        return None
    text = _text(resolved, str(path), problems)
    if text is None:
        return None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.add_text(f"{resolved.name}: not valid TOML: {exc}; fix the syntax")
        return None
    src = Source(resolved, text, doc)
    clean = _check(doc, src, problems)
    base = doc.get("base")
    if base is None:
        return [(src, clean)]
    if not isinstance(base, str):
        problems.add(src, "", "base",
                     f"{base!r} must be a file name, e.g. base = \"sample_10x.toml\"")
        return None
    base_path = resolved.parent / base
    if not base_path.is_file():
        problems.add(src, "", "base", f"base file '{base}' not found next to "
                     f"{resolved.name}; give its path relative to this file")
        return None
    rest = _read(base_path, problems, (*chain, resolved))
    return None if rest is None else [(src, clean), *rest]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _is(value: Any, types: tuple[type, ...]) -> bool:
    return isinstance(value, types) and not (isinstance(value, bool) and bool not in types)


def _value_problem(value: Any, field: schema.Field) -> str | None:
    """What is wrong with one value (type, choice, range), or None."""
    if not _is(value, field.types):
        return f"{value!r} must be {schema.type_name(field.types)}"
    if field.choices and value not in field.choices:
        return f"{value!r} must be one of {', '.join(field.choices)}"
    whole = field.types == schema.WHOLE or field.items == schema.WHOLE
    if isinstance(value, list):
        for item in value:
            if field.items and not _is(item, field.items):
                return f"{item!r} in {value!r} must be {schema.type_name(field.items)}"
            if field.range is not None and item not in field.range:
                return f"{item!r} in {value!r} must be {field.range.describe(whole)}"
        return None
    if field.range is not None and value not in field.range:
        return f"{value!r} must be {field.range.describe(whole)}"
    return None


def _check_values(src: Source, problems: Problems, section: str, table: dict[str, Any],
                  field: schema.Field) -> dict[str, Any]:
    """The good pairs of a table of values (``[baselines.spike_overrides]``).

    Each bad one is recorded under its own key (``baselines.spike_overrides.UL_INS``).
    """
    value_field = field._replace(types=field.items, items=())
    clean = {}
    for key, value in table.items():
        message = _value_problem(value, value_field)
        if message is None:
            clean[key] = value
        else:
            problems.add(src, section, key, message)
    return clean


def _check_fields(src: Source, problems: Problems, section: str, table: Any,
                  fields: dict[str, schema.Field], index: int | None = None,
                  ) -> dict[str, Any] | None:
    """The table's good keys; a problem recorded for each unknown or bad one."""
    if not isinstance(table, dict):
        problems.add_unclear(src, section, None, f"{table!r} must be a table", index)
        return None
    clean = {}
    for key, value in table.items():
        if key not in fields:
            problems.add_unclear(src, section, key, _suggest(key, list(fields)), index)
            continue
        if dict in fields[key].types and isinstance(value, dict):  # a table of values
            clean[key] = _check_values(src, problems, f"{section}.{key}", value, fields[key])
            continue
        message = _value_problem(value, fields[key])
        if message is None:
            clean[key] = value
        else:
            problems.add(src, section, key, message, index)
    return clean


def _check(doc: dict[str, Any], src: Source, problems: Problems) -> dict[str, Any]:
    """The file's good keys (``base`` left out); a problem recorded for each other one."""
    known = [*schema.TOP, *schema.TABLES, *schema.ARRAYS, "levers"]
    clean: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "base":
            continue
        if key in schema.TOP:
            good = _check_fields(src, problems, "", {key: value}, schema.TOP)
            clean.update(good or {})
        elif key in schema.TABLES:
            table = _check_fields(src, problems, key, value, schema.TABLES[key])
            if table is not None:
                clean[key] = table
        elif key in schema.ARRAYS:
            if not isinstance(value, list):
                problems.add(src, "", key, f"must be an array of tables, e.g. [[{key}]]")
                continue
            # a bad item stays as {} so that later items keep their numbers
            clean[key] = [_check_fields(src, problems, key, item, schema.ARRAYS[key], i) or {}
                          for i, item in enumerate(value)]
        elif key == "levers":
            if not isinstance(value, dict):
                problems.add(src, "", key,
                             "must be a table of levers, e.g. [levers.repurchase]")
                continue
            levers = {name: _check_fields(src, problems, f"levers.{name}", lever,
                                          schema.LEVER) for name, lever in value.items()}
            clean[key] = {name: lever for name, lever in levers.items() if lever is not None}
        else:
            problems.add_unclear(src, "", key, _suggest(key, known))
    return clean


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file (following ``base = ...``).

    Parameters
    ----------
    path : Path or str
        The scenario TOML file.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Every problem in the file and its bases, each naming the file, the line, the
        key and the fix.
    """
    path = Path(path)
    problems = Problems(path.name)
    chain = _read(path, problems)
    if chain is None:
        raise problems.error()
    doc: dict[str, Any] = {}
    for _, clean in reversed(chain):
        doc = _merge(doc, clean)
    scenario = build_scenario(doc, Origin(tuple(src for src, _ in chain)), problems)
    if scenario is None:
        raise problems.error()
    return scenario
