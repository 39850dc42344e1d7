"""What a what-if changes in the opened scenario, and the scenario file that says it.

The page (and any script) sends its changes as JSON::

    {"target_multiple": 8.0, "buffer": 0.1,
     "levers": {"ticket": {"cap": 0.3}, "conversion": {"fixed": 0.05}},
     "hires": [{"grade": "C", "team": "T03", "month": 2, "count": 10}]}

:func:`parse_changes` checks only the shape that JSON adds (known top-level keys, sizes
that bound the work); every value is checked by the scenario schema itself:
:func:`child_toml` writes a scenario file ``base = "opened.toml"`` plus only what
differs from the opened scenario, and :func:`planner.scenario.load_scenario` reads it,
so a bad value gets exactly the message a scenario file with it would get, and the
numbers are those of ``planner drivers`` on that file.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any

import tomli_w

from planner.drivers.levers import merge_levers
from planner.errors import ScenarioError
from planner.scenario.values import Hire, LeverSpec, Scenario

#: Top-level keys of a what-if body.
KEYS = ("target_multiple", "target_amount", "buffer", "levers", "hires")
#: Lever keys the page moves; other lever keys are passed to the schema as written.
LEVER_KEYS = ("cap", "min", "fixed", "cost")
#: Most levers and hires one what-if may name (bounded work per request).
MAX_LEVERS = 64
MAX_HIRES = 500
#: Longest lever name accepted.
MAX_NAME = 64


@dataclass(frozen=True)
class Changes:
    """A what-if: the settings that differ from the opened scenario.

    Attributes
    ----------
    target : dict of str to Any
        ``multiple``, ``amount`` and ``buffer`` as the ``[target]`` table says them.
    levers : dict of str to dict
        Per lever, the keys of its ``[levers.NAME]`` table (any other value is passed
        to the schema as written, which says what is wrong with it).
    hires : list of dict or None
        The ``[[hires]]`` tables (replacing the opened scenario's), or None to keep them.
    """

    target: dict[str, Any] = field(default_factory=dict)
    levers: Any = field(default_factory=dict)
    hires: list[dict[str, Any]] | None = None

    def as_json(self) -> dict[str, Any]:
        """The changes in the shape of the request body."""
        out: dict[str, Any] = {}
        for key, value in self.target.items():
            out["buffer" if key == "buffer" else f"target_{key}"] = value
        if self.levers:
            out["levers"] = self.levers
        if self.hires is not None:
            out["hires"] = self.hires
        return out


def parse_changes(body: Any) -> Changes:
    """Read a request body into :class:`Changes` (values are checked later, by the schema).

    Parameters
    ----------
    body : Any
        The decoded JSON.

    Returns
    -------
    Changes

    Raises
    ------
    ScenarioError
        An unknown top-level key (with a did-you-mean), a ``null`` value, or more levers
        or hires than one request may solve.

    Examples
    --------
    >>> parse_changes({"target_multiple": 8, "levers": {"ticket": {"cap": 0.3}}})
    Changes(target={'multiple': 8}, levers={'ticket': {'cap': 0.3}}, hires=None)
    >>> parse_changes({"target_multiplier": 8})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner.errors.ScenarioError: target_multiplier: unknown key; did you mean ...
    """
    if not isinstance(body, dict):
        raise ScenarioError(f"the request body must be a JSON object such as "
                            f'{{"target_multiple": 8.0}}, not {type(body).__name__}')
    for key in body:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ScenarioError(f"{key}: unknown key{hint} (known: {', '.join(KEYS)})")
    target = {}
    for key, name in (("target_multiple", "multiple"), ("target_amount", "amount"),
                      ("buffer", "buffer")):
        if key in body:
            target[name] = _not_null(body[key], key)
    levers = body.get("levers", {})
    if isinstance(levers, dict):
        if len(levers) > MAX_LEVERS:
            raise ScenarioError(f"levers: {len(levers)} levers; a what-if changes at most "
                                f"{MAX_LEVERS}")
        for name, table in levers.items():
            if len(name) > MAX_NAME:
                raise ScenarioError(f"levers: a lever name is longer than {MAX_NAME} "
                                    "characters; use the scenario's lever names")
            if isinstance(table, dict):
                for key, value in table.items():
                    if not (key == "fixed" and value is None):
                        _not_null(value, f"levers.{name}.{key}")
    hires = body.get("hires")
    if isinstance(hires, list) and len(hires) > MAX_HIRES:
        raise ScenarioError(f"hires: {len(hires)} rows; a what-if has at most {MAX_HIRES}")
    return Changes(target=target, levers=levers, hires=hires)


def _not_null(value: Any, key: str) -> Any:
    if value is None:
        raise ScenarioError(f"{key}: null cannot be written in a scenario file; leave the "
                            "key out to keep the opened scenario's value")
    return value


def minimal(changes: Changes, base: Scenario) -> Changes:
    """Only what differs from ``base``.

    A lever the scenario files do not define (a default lever) is written whole (its
    ``cap``, ``min`` and ``cost`` besides the change), since a ``[levers.NAME]`` table
    replaces the default lever. ``fixed = null`` unfixes a lever; it may only do so for a
    lever the opened scenario does not fix (a ``base =`` file cannot remove a key).

    Raises
    ------
    ScenarioError
        ``fixed = null`` on a lever the opened scenario fixes.
    """
    target: dict[str, Any] = {}
    now = {"multiple": base.target_multiple, "amount": base.target_amount,
           "buffer": base.buffer}
    for key, value in changes.target.items():
        if not _same(value, now[key]):
            target[key] = value
    specs = {spec.name: spec for spec in merge_levers(base.levers)}
    written = base.raw.get("levers", {})
    if not isinstance(changes.levers, dict):
        return Changes(target=target, levers=changes.levers, hires=changes.hires)
    levers: dict[str, Any] = {}
    for name, table in changes.levers.items():
        spec = specs.get(name)
        if spec is None or not isinstance(table, dict):
            levers[name] = table  # the schema or the data check reports it
            continue
        out = {}
        for key, value in table.items():
            if key == "fixed" and value is None:
                if spec.fixed is not None:
                    raise ScenarioError(
                        f"levers.{name}.fixed: the opened scenario fixes this lever at "
                        f"{spec.fixed:g}; a scenario written over it (base = ...) cannot "
                        "unfix it: change the opened scenario's file instead")
                continue
            if not _same(value, _spec_value(spec, key)):
                out[key] = value
        if out and name not in written:
            out = {**_default_keys(spec), **out}
        if out:
            levers[name] = out
    hires = changes.hires
    if hires is not None and _hires_equal(hires, base.hires):
        hires = None
    return Changes(target=target, levers=levers, hires=hires)


def _spec_value(spec: LeverSpec, key: str) -> Any:
    return getattr(spec, key) if key in LEVER_KEYS else object()


def _default_keys(spec: LeverSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if spec.cap is not None:
        out["cap"] = spec.cap
    if spec.min != 0.0:
        out["min"] = spec.min
    if spec.cost != 1.0:
        out["cost"] = spec.cost
    return out


def _same(value: Any, current: Any) -> bool:
    if isinstance(value, bool) or isinstance(current, bool):
        return value is current
    if isinstance(value, int | float) and isinstance(current, int | float):
        return math.isfinite(value) and float(value) == float(current)
    return False


def _hires_equal(hires: list[Any], current: tuple[Hire, ...]) -> bool:
    if len(hires) != len(current):
        return False
    for row, hire in zip(hires, current, strict=True):
        if not isinstance(row, dict):
            return False
        want = {"grade": hire.grade, "team": hire.team, "month": hire.month,
                "count": hire.count, "new_team": hire.new_team}
        have = {"new_team": False, **row}
        if set(have) != set(want) or any(
                type(have[k]) is not type(want[k]) or have[k] != want[k] for k in want):
            return False
    return True


def child_toml(changes: Changes, base: str, name: str, description: str = "") -> str:
    """A scenario file over ``base`` that says the changes and nothing else.

    Parameters
    ----------
    changes : Changes
        Usually :func:`minimal` of the page's changes.
    base : str
        The opened scenario's path, as ``base = ...`` writes it (relative to the new file).
    name : str
        The new scenario's name.
    description : str
        Its description.

    Returns
    -------
    str

    Raises
    ------
    ScenarioError
        A value TOML cannot hold (e.g. a list mixing tables and numbers).

    Examples
    --------
    >>> print(child_toml(Changes({"multiple": 8.0}, {"ticket": {"cap": 0.3}}, []),
    ...                  "sample_10x.toml", "eight"), end="")
    base = "sample_10x.toml"
    name = "eight"
    hires = []
    <BLANKLINE>
    [target]
    multiple = 8.0
    <BLANKLINE>
    [levers.ticket]
    cap = 0.3
    """
    doc: dict[str, Any] = {"base": base, "name": name}
    if description:
        doc["description"] = description
    if changes.hires is not None:
        doc["hires"] = changes.hires
    if changes.target:
        doc["target"] = dict(changes.target)
    if changes.levers:
        doc["levers"] = changes.levers
    try:
        return tomli_w.dumps(doc)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"the what-if cannot be written as a scenario file: {exc}; send "
                            "numbers, text, true/false, and lists and objects of them") from None


__all__ = ["Changes", "KEYS", "child_toml", "minimal", "parse_changes"]
