"""Read, merge (``base = ...``) and validate scenario TOML files.

Every problem is a :class:`planner.errors.ScenarioError` naming the file, the key,
its line and the fix; unknown keys get a did-you-mean suggestion.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

from planner.errors import ScenarioError
from planner.scenario import schema
from planner.scenario.convert import build_scenario
from planner.scenario.model import Scenario
from planner.scenario.source import Source as _Source
from planner.scenario.source import fail as _fail


def _suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown key{hint} (known: {', '.join(sorted(choices))})"


def _read(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], _Source]:
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(f"{path.name}: base files form a cycle ({cycle}); remove one base")
    if not path.is_file():
        raise ScenarioError(f"scenario file not found: {path}; check the path")
    text = path.read_text(encoding="utf-8")
    src = _Source(path, text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path.name}: not valid TOML: {exc}; fix the syntax") from exc
    base = doc.get("base")
    if base is None:
        return doc, src
    if not isinstance(base, str):
        raise _fail(src, "", "base",
                    f"{base!r} must be a file name, e.g. base = \"sample_10x.toml\"")
    base_path = (path.parent / base)
    if not base_path.is_file():
        raise _fail(src, "", "base", f"base file '{base}' not found next to {path.name}; "
                    "give its path relative to this file")
    parent, _ = _read(base_path, (*chain, path))
    _check(parent, _Source(base_path.resolve(), base_path.read_text(encoding="utf-8")))
    merged = _merge(parent, {k: v for k, v in doc.items() if k != "base"})
    # Relative paths in the base are relative to the base file.
    if "data" in parent and "dir" in parent["data"] and "dir" not in doc.get("data", {}):
        merged["data"]["dir"] = str((base_path.parent / parent["data"]["dir"]).resolve())
    return merged, src


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _check_fields(src: _Source, section: str, table: Any, fields: dict[str, schema.Field],
                  index: int | None = None) -> None:
    if not isinstance(table, dict):
        raise _fail(src, section, None, "must be a table", index)
    for key, value in table.items():
        if key not in fields:
            raise _fail(src, section, key, _suggest(key, list(fields)), index)
        types, _ = fields[key]
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if not ok:
            want = " or ".join(t.__name__.replace("str", "text").replace("int", "integer")
                               .replace("float", "number").replace("list", "list")
                               .replace("bool", "true/false") for t in types)
            raise _fail(src, section, key, f"{value!r} must be {want}", index)


def _check(doc: dict[str, Any], src: _Source) -> None:
    known = [*schema.TOP, *schema.TABLES, *schema.ARRAYS, "levers"]
    for key, value in doc.items():
        if key in schema.TOP:
            _check_fields(src, "", {key: value}, schema.TOP)
        elif key in schema.TABLES:
            _check_fields(src, key, value, schema.TABLES[key])
        elif key in schema.ARRAYS:
            if not isinstance(value, list):
                raise _fail(src, "", key, f"must be an array of tables, e.g. [[{key}]]")
            for i, item in enumerate(value):
                _check_fields(src, key, item, schema.ARRAYS[key], i)
        elif key == "levers":
            if not isinstance(value, dict):
                raise _fail(src, "", key, "must be a table of levers, e.g. [levers.repurchase]")
            for name, lever in value.items():
                _check_fields(src, f"levers.{name}", lever, schema.LEVER)
        else:
            raise _fail(src, "", key, _suggest(key, known))


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
        Naming the file, the key, its line and the fix.
    """
    path = Path(path)
    doc, src = _read(path)
    _check(doc, src)
    return build_scenario(doc, src)


