"""What a what-if changes in the opened scenario, and the scenario file that says it.

The page (and any script) sends its changes as JSON::

    {"target_multiple": 8.0, "buffer": 0.1,
     "levers": {"ticket": {"cap": 0.3}, "conversion": {"fixed": 0.05}},
     "hires": [{"grade": "C", "team": "T03", "month": 2, "count": 10}]}

:func:`check_json` bounds what any request may hold (nesting, text, valid Unicode);
:func:`parse_changes` checks only the shape that JSON adds (known top-level keys, no
``null``, and sizes that bound the work: levers, hire rows, seats, new teams); every value
is checked by the scenario schema itself:
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
from planner.scenario.schema import MAX_HIRES as MAX_ROW_SEATS
from planner.scenario.values import Hire, LeverSpec, Scenario

#: Top-level keys of a what-if body.
KEYS = ("target_multiple", "target_amount", "buffer", "levers", "hires")
#: Lever keys the page moves; other lever keys are passed to the schema as written.
LEVER_KEYS = ("cap", "min", "fixed", "cost")
#: Most levers and hires one what-if may name (bounded work per request).
MAX_LEVERS = 64
MAX_HIRES = 500
#: Most seats one what-if hires in all, and most new teams it starts (bounded work per
#: request: each seat is a row of the roster, each team a block of the allocation). The
#: opened scenario's own hires are always allowed.
MAX_SEATS = 10_000
MAX_NEW_TEAMS = 20
#: Longest lever name accepted.
MAX_NAME = 64
#: Deepest nesting of a request body (a what-if is 4 deep: levers.NAME.products[i]).
MAX_DEPTH = 6
#: Longest text value or key in a request body.
MAX_TEXT = 200


def check_json(value: Any) -> None:
    """Refuse what no request of the page or of a script sends: bounded, printable JSON.

    Parameters
    ----------
    value : Any
        A decoded request body.

    Raises
    ------
    ScenarioError
        Nesting deeper than :data:`MAX_DEPTH`, a key or text longer than
        :data:`MAX_TEXT` characters, a key with control characters, or text that is not
        valid Unicode (a lone surrogate, such as the escape of U+D800).

    Examples
    --------
    >>> check_json({"levers": {"ticket": {"cap": 0.3}}})
    >>> check_json({"levers": {"ticket": {"cap": "x" * 500}}})
    Traceback (most recent call last):
    ...
    planner.errors.ScenarioError: levers.ticket.cap: text of 500 characters; at most 200
    """
    _check(value, "", 0)


def _check(value: Any, path: str, depth: int) -> None:
    where = path or "the request body"
    if depth > MAX_DEPTH:
        raise ScenarioError(f"{where}: nested deeper than {MAX_DEPTH} levels; a what-if is "
                            "at most 4 deep (levers.NAME.products[i])")
    if isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, where, "a key")
            if not key.isprintable():
                raise ScenarioError(f"{where}: the key {key!r} has control characters")
            _check(item, f"{path}.{key}" if path else key, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]", depth + 1)


def _check_text(text: str, where: str, what: str = "text") -> None:
    if len(text) > MAX_TEXT:
        raise ScenarioError(f"{where}: {what} of {len(text)} characters; at most {MAX_TEXT}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ScenarioError(f"{where}: {text!r} is not valid Unicode text") from None


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


def parse_changes(body: Any, base: Scenario | None = None) -> Changes:
    """Read a request body into :class:`Changes` (values are checked later, by the schema).

    Parameters
    ----------
    body : Any
        The decoded JSON.
    base : Scenario, optional
        The opened scenario: its own hires are always allowed, however many seats or new
        teams they have.

    Returns
    -------
    Changes

    Raises
    ------
    ScenarioError
        An unknown top-level key (with a did-you-mean), a ``null`` value (but a lever's
        ``fixed``), or more levers, hires, seats or new teams than one request may solve.

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
                            f'{{"target_multiple": 8.0}}, not {_json_type(body)}')
    for key in body:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ScenarioError(f"{key}: unknown key{hint} (known: {', '.join(KEYS)})")
    _no_null(body, "")
    target = {}
    for key, name in (("target_multiple", "multiple"), ("target_amount", "amount"),
                      ("buffer", "buffer")):
        if key in body:
            target[name] = body[key]
    levers = body.get("levers", {})
    if isinstance(levers, dict):
        if len(levers) > MAX_LEVERS:
            raise ScenarioError(f"levers: {len(levers)} levers; a what-if changes at most "
                                f"{MAX_LEVERS}")
        for name in levers:
            if len(name) > MAX_NAME:
                raise ScenarioError(f"levers: a lever name is longer than {MAX_NAME} "
                                    "characters; use the scenario's lever names")
    hires = body.get("hires")
    if isinstance(hires, list):
        _check_hires(hires, base)
    return Changes(target=target, levers=levers, hires=hires)


def _no_null(value: Any, path: str) -> None:
    """Refuse ``null`` anywhere but a lever's ``fixed`` (which unfixes the lever)."""
    if value is None:
        raise ScenarioError(f"{path}: null cannot be written in a scenario file; leave the "
                            "key out to keep the opened scenario's value")
    if isinstance(value, dict):
        for key, item in value.items():
            at = f"{path}.{key}" if path else key
            if not (item is None and key == "fixed" and path.startswith("levers.")
                    and path.count(".") == 1):
                _no_null(item, at)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _no_null(item, f"{path}[{i}]")


def _check_hires(hires: list[Any], base: Scenario | None) -> None:
    """Bound the rows, seats and new teams of a what-if's hires (bounded work)."""
    own = base.hires if base is not None else ()
    most_rows = max(MAX_HIRES, len(own))
    if len(hires) > most_rows:
        raise ScenarioError(f"hires: {len(hires)} rows; a what-if has at most {most_rows}")
    most_seats = max(MAX_SEATS, sum(h.count for h in own))
    most_teams = max(MAX_NEW_TEAMS, len({h.team for h in own if h.new_team}))
    rows = [row for row in hires if isinstance(row, dict)]
    seats = sum(row["count"] for row in rows
                if isinstance(row.get("count"), int) and not isinstance(row["count"], bool)
                and 0 < row["count"] <= MAX_ROW_SEATS)  # the schema reports the others
    if seats > most_seats:
        raise ScenarioError(f"hires: {seats:,} seats in all; a what-if hires at most "
                            f"{most_seats:,} (each seat is planned week by week)")
    new = {str(row.get("team")) for row in rows if row.get("new_team") is True}
    if len(new) > most_teams:
        raise ScenarioError(f"hires: {len(new)} new teams; a what-if starts at most "
                            f"{most_teams} (each team is planned product by product)")


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value's type."""
    names = {type(None): "null", bool: "true/false", int: "a number", float: "a number",
             str: "text", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def minimal(changes: Changes, base: Scenario) -> Changes:
    """Only what differs from ``base``.

    A lever the scenario files do not define (a default lever) is written whole (its
    ``cap``, ``min`` and ``cost`` besides the change), since a ``[levers.NAME]`` table
    replaces the default lever. ``fixed = null`` unfixes a lever; it may only do so for a
    lever the opened scenario does not fix (a ``base =`` file cannot remove a key).

    Raises
    ------
    ScenarioError
        ``fixed = null`` on a lever the opened scenario fixes, or a target amount over an
        opened target multiple (or the other way round).
    """
    target: dict[str, Any] = {}
    now = {"multiple": base.target_multiple, "amount": base.target_amount,
           "buffer": base.buffer}
    for key, value in changes.target.items():
        if not _same(value, now[key]):
            target[key] = value
    for key, other in (("amount", "multiple"), ("multiple", "amount")):
        if key in target and other not in changes.target and now[other] is not None:
            raise ScenarioError(
                f"target_{key}: the opened scenario gives its target as "
                f"{'an amount' if other == 'amount' else 'a multiple'} "
                f"({now[other]:g}); a scenario written over it (base = ...) cannot remove "
                f"that: send target_{other} instead")
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
    if isinstance(hires, list) and _hires_equal(hires, base.hires):
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
    if changes.levers or not isinstance(changes.levers, dict):
        doc["levers"] = changes.levers  # not a table: the schema says what is wrong
    try:
        return tomli_w.dumps(doc)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"the what-if cannot be written as a scenario file: {exc}; send "
                            "numbers, text, true/false, and lists and objects of them") from None


__all__ = ["Changes", "KEYS", "MAX_SEATS", "check_json", "child_toml", "minimal", "parse_changes"]
