"""Scenario schema: every key a scenario file may hold, its type, default and range.

Declared once as data; :mod:`planner.scenario.parse` checks each file against it and
:func:`ranges_markdown` renders it for the README ("Scenario keys and ranges").

Every number has a range, enforced on load (``inf`` and ``nan`` are never accepted):

* uplifts (a lever's ``min``, ``cap``, ``fixed`` and ``breakpoints``) lie in
  ``-0.99..100``: a fall of at most 99%, a rise of at most +10,000% (100 is what the
  driver model treats as "no cap");
* weights and costs are positive and at most 1000, fractions lie in ``0..1``;
* counts and months are whole numbers: ``threads`` 0..64, ``[[hires]] count``
  0..100,000, ``ramp_months`` 0..36, ``trailing_months`` 1..36, months 1..12;
* amounts and units are at most 1e18, a target multiple at most 1000, an event
  multiplier in ``(0, 100]``, a solver time limit in ``(0, 86400]`` seconds.

A table of values (``[baselines.spike_overrides]``: product -> policy) is checked
value by value, each problem naming its key.

Rules that involve more than one key (``cap >= min``, KPI weights summing to 1,
breakpoints increasing, event dates inside the plan year, ...) are checked in
:mod:`planner.scenario.convert`; rules against the history (known teams, grades,
products, segments) in :mod:`planner.scenario.checks`.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any, Final, NamedTuple

from planner.baselines.spikes import DEFAULT_POLICY, POLICIES
from planner.names import MARGIN_TIERS


class Range(NamedTuple):
    """Allowed values of a number: ``low`` to ``high``, each end closed unless open.

    Examples
    --------
    >>> Range(0, 1, high_open=True).describe()
    'a finite number >= 0 and < 1'
    >>> Range(0, 64).describe(whole=True)
    'between 0 and 64'
    >>> 1.0 in Range(0, 1, high_open=True), math.inf in Range(0, math.inf)
    (False, False)
    """

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    text: str = ""

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        if not math.isfinite(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self, whole: bool = False) -> str:
        """The range in words, to follow "must be"."""
        if self.text:
            return self.text
        if self.low_open or self.high_open:
            span = (f"{'>' if self.low_open else '>='} {self.low:g} and "
                    f"{'<' if self.high_open else '<='} {self.high:g}")
        else:
            span = f"between {self.low:g} and {self.high:g}"
        return span if whole else f"a finite number {span}"

    def brief(self) -> str:
        """The range in interval notation, e.g. ``(0, 1000]``."""
        if self.text:
            return self.text
        return (f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}"
                f"{')' if self.high_open else ']'}")


class Field(NamedTuple):
    """One key: accepted types, default, range (numbers, or each number of a list).

    ``default`` None means optional without a default (or required, see the README).
    ``items`` are the accepted types of a list's items (or of a table's values);
    ``choices`` the accepted texts (of a table's values).
    """

    types: tuple[type, ...]
    default: Any
    range: Range | None = None
    items: tuple[type, ...] = ()
    choices: tuple[str, ...] = ()


NUM: Final = (int, float)
WHOLE: Final = (int,)
STR: Final = (str,)
LIST: Final = (list,)
BOOL: Final = (bool,)
TABLE: Final = (dict,)  # a table of key = value pairs, e.g. product = "keep"
DATE: Final = (str, date)  # "YYYY-MM-DD" or a TOML date

# Ranges shared by several keys.
UPLIFT: Final = Range(-0.99, 100.0)
FRACTION: Final = Range(0.0, 1.0)
WEIGHT: Final = Range(0.0, 1000.0)
BAND: Final = Range(0.0, 10.0)
POSITIVE_WEIGHT: Final = Range(0.0, 1000.0, low_open=True)
AMOUNT: Final = Range(0.0, 1e18)
MONTH: Final = Range(1, 12, text="1..12")

LEVER_KINDS: Final = ("customers", "conversion", "repurchase", "ticket", "productivity")
DEMAND_KINDS: Final = ("customers", "conversion", "repurchase", "ticket")
ORDER_KINDS: Final = ("customers", "conversion", "repurchase")
CAPACITY_KINDS: Final = ("productivity",)
SOLVER_METHODS: Final = ("ipm", "simplex", "choose")
CAPACITY_BASES: Final = ("grade", "seat")

MAX_HIRES: Final = 100_000  # seats in one [[hires]] row
MAX_THREADS: Final = 64

TOP: Final[dict[str, Field]] = {
    "name": Field(STR, None),
    "description": Field(STR, ""),
    "base": Field(STR, None),
}

TABLES: Final[dict[str, dict[str, Field]]] = {
    "data": {
        "dir": Field(STR, None),
        "mapping": Field(STR, None),
        "window_end": Field(DATE, None),  # before the plan year starts
        "trailing_months": Field(WHOLE, 12, Range(1, 36)),
        "engine": Field(STR, "duckdb", choices=("duckdb", "spark")),  # planner.engine
        "spark_master": Field(STR, "local[2]"),
        "spark_conf": Field(TABLE, {}, items=STR),  # extra Spark settings
    },
    "calendar": {
        "year": Field(WHOLE, None, Range(2000, 2100)),
        "country": Field(STR, "CN"),
        "subdivision": Field(STR, None),  # of the country, in the holidays package
        "extra_holidays": Field(LIST, [], items=DATE),  # dates in the plan year
        "extra_working_days": Field(LIST, [], items=DATE),
        "official": Field(BOOL, False),
    },
    "target": {
        "multiple": Field(NUM, None, Range(0.0, 1000.0, low_open=True)),
        "amount": Field(NUM, None, Range(0.0, 1e18, low_open=True)),
        "buffer": Field(NUM, 0.10, FRACTION),
        "confidence": Field(NUM, None, Range(0.0, 1.0, low_open=True, high_open=True)),
    },
    "attrition": {
        "monthly_rate": Field(NUM, 0.0, Range(0.0, 1.0, high_open=True)),
    },
    "allocation": {
        "ramp_months": Field(WHOLE, 5, Range(0, 36)),
        "fairness_band": Field(NUM, 0.20, BAND),
        "capacity_headroom": Field(NUM, 0.10, BAND),
        "smoothness": Field(NUM, 0.0, WEIGHT),
        "deviation_weight": Field(NUM, 1.0, WEIGHT),
        "capacity_basis": Field(STR, "grade", choices=CAPACITY_BASES),
        "max_stretch_sigma": Field(NUM, None, Range(0.0, 10.0)),
    },
    "kpis": {  # each 0..1, summing to 1
        "revenue": Field(NUM, 0.4, FRACTION),
        "high_margin_mix": Field(NUM, 0.2, FRACTION),
        "new_customers": Field(NUM, 0.2, FRACTION),
        "active_customers": Field(NUM, 0.2, FRACTION),
    },
    "baselines": {
        "spikes": Field(STR, DEFAULT_POLICY, choices=POLICIES),
        "spike_overrides": Field(TABLE, {}, items=STR, choices=POLICIES),
    },
    "solver": {
        "time_limit": Field(NUM, 600.0, Range(0.0, 86400.0, low_open=True)),
        "method": Field(STR, "simplex", choices=SOLVER_METHODS),
        "threads": Field(WHOLE, 0, Range(0, MAX_THREADS)),
    },
    "replan": {  # planner replan: what becomes of a leaver's remaining target
        "leavers": Field(STR, "spread", choices=("spread", "relieve")),
    },
    "hiring": {  # hiring as a lever (planner.drivers.hiring); on when the table is given
        "grades": Field(LIST, ["*"], items=STR),
        "teams": Field(LIST, ["*"], items=STR),
        "months": Field(LIST, list(range(1, 13)), MONTH, items=WHOLE),
        "max_per_month": Field((int, dict), None, Range(0, MAX_HIRES), items=WHOLE),
        "max_total": Field(WHOLE, None, Range(0, MAX_HIRES)),
        "cost": Field(NUM, 1.0, POSITIVE_WEIGHT),
    },
}

# Arrays of tables / named tables: item schema.
LEVER: Final[dict[str, Field]] = {
    "kind": Field(STR, None, choices=LEVER_KINDS),
    "products": Field(LIST, ["*"], items=STR),
    "segments": Field(LIST, ["*"], items=STR),
    "cap": Field(NUM, None, UPLIFT),  # >= min
    "min": Field(NUM, 0.0, UPLIFT),
    "fixed": Field(NUM, None, UPLIFT),
    "cost": Field(NUM, 1.0, POSITIVE_WEIGHT),
    "breakpoints": Field(LIST, None, UPLIFT, items=NUM),  # increasing
    "slopes": Field(LIST, None, WEIGHT, items=NUM),  # one more than breakpoints, rising
}
HIRE: Final[dict[str, Field]] = {
    "grade": Field(STR, None),
    "team": Field(STR, None),
    "month": Field(WHOLE, None, MONTH),
    "count": Field(WHOLE, None, Range(0, MAX_HIRES)),
    "new_team": Field(BOOL, False),
}
MIX: Final[dict[str, Field]] = {
    "tier": Field(STR, None, choices=MARGIN_TIERS),
    "min_share": Field(NUM, None, FRACTION),
    "max_share": Field(NUM, None, FRACTION),
    "min_amount": Field(NUM, None, AMOUNT),
    "max_amount": Field(NUM, None, AMOUNT),
    "min_units": Field(NUM, None, AMOUNT),
    "max_units": Field(NUM, None, AMOUNT),
}
SUPPLY: Final[dict[str, Field]] = {
    "product": Field(STR, None),
    "monthly_units": Field(NUM, None, AMOUNT),
    "monthly_amount": Field(NUM, None, AMOUNT),
    "months": Field(LIST, None, MONTH, items=WHOLE),  # no month twice
}
EVENT: Final[dict[str, Field]] = {
    "name": Field(STR, None),
    "start": Field(DATE, None),  # in the plan year
    "end": Field(DATE, None),  # in the plan year, not before start
    "multiplier": Field(NUM, None, Range(0.0, 100.0, low_open=True)),
    "products": Field(LIST, ["*"], items=STR),
}
ARRAYS: Final[dict[str, dict[str, Field]]] = {
    "hires": HIRE,
    "mix": MIX,
    "supply": SUPPLY,
    "events": EVENT,
}

#: Ranges that involve more than one key, for the README table.
RULES: Final[dict[str, str]] = {
    "data.window_end": "before the plan year starts",
    "data.spark_master": "a Spark master URL (`spark://host:7077`, `yarn`, ...); engine `spark`",
    "data.spark_conf": "Spark settings, e.g. `\"spark.executor.memory\" = \"8g\"`",
    "calendar.extra_holidays": "dates in the plan year, none also in extra_working_days",
    "calendar.extra_working_days": "dates in the plan year",
    "target.multiple": "exactly one of multiple and amount",
    "target.confidence": "when set, the buffer is sized for it (replaces `buffer`)",
    "allocation.max_stretch_sigma": "team target <= expected + k sd of its outcome",
    "kpis.revenue": "the four weights sum to 1",
    "calendar.country": "a country code of the `holidays` package",
    "calendar.subdivision": "a subdivision of the country in the `holidays` package "
                            "(e.g. `ENG` for GB: England's bank holidays)",
    "baselines.spike_overrides": "per product (a product with sales in the trailing "
                                 "window); over `spikes`",
    "levers.NAME.kind": "exactly one lever of kind `productivity`, over all products and "
                        "segments",
    "levers.NAME.products": "products with sales in the trailing window, or `\"*\"`",
    "levers.NAME.segments": "segments with sales in the trailing window, or `\"*\"`",
    "levers.NAME.cap": ">= min",
    "levers.NAME.breakpoints": "increasing",
    "levers.NAME.slopes": "one more than breakpoints, never decreasing",
    "hires.grade": "a grade with a productivity in the history",
    "hires.team": "a team in the history (or `new_team = true`)",
    "hires.new_team": "`true`: the team is new, on purpose",
    "hiring.grades": "grades with a productivity in the history, or `\"*\"`",
    "hiring.teams": "teams in the history, or `\"*\"`",
    "hiring.months": "no month twice; months a hire may start",
    "hiring.max_per_month": "seats per team and month; or a table per grade, e.g. "
                            "`{ C = 20, D = 10 }`; none: no limit",
    "hiring.max_total": "seats over the year, all teams; none: no limit; `0` turns hiring "
                        "off (in a child of a scenario with `[hiring]`)",
    "hiring.cost": "stretch cost of one seat-year, per seat of last year's average roster",
    "mix.min_share": "<= max_share; min_share over all rules sums to <= 1; a tier with "
                     "products",
    "mix.min_amount": "<= max_amount",
    "mix.min_units": "<= max_units",
    "supply.monthly_units": "exactly one of monthly_units and monthly_amount",
    "supply.product": "a product with sales in the trailing window",
    "supply.months": "no month twice",
    "events.start": "in the plan year",
    "events.end": "in the plan year, not before start",
    "events.products": "products with sales in the trailing window, or `\"*\"`",
}


def type_name(types: tuple[type, ...]) -> str:
    """The accepted types in words, e.g. ``integer or number``."""
    words = {str: "text", int: "integer", float: "number", list: "list",
             bool: "true/false", date: "date", dict: "table"}
    return " or ".join(words.get(t, t.__name__) for t in types)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return f"{value:g}" if isinstance(value, float) else str(value)


#: Keys every scenario (or each item of its array) must give.
REQUIRED: Final = frozenset({
    "data.dir", "calendar.year", "hires.grade", "hires.team", "hires.month", "hires.count",
    "mix.tier", "supply.product", "events.name", "events.start", "events.end",
    "events.multiplier",
})


def _doc_type(types: tuple[type, ...]) -> str:
    if types == NUM:
        return "number"
    if types == WHOLE:
        return "whole number"
    if types == DATE:
        return "date"
    return type_name(types)


def _rows() -> list[tuple[str, str, Field]]:
    """(rule key, key as written in the file, field) for every key."""
    rows = [(key, f"`{key}`", field) for key, field in TOP.items()]
    rows += [(f"{table}.{key}", f"`[{table}]` `{key}`", field)
             for table, fields in TABLES.items() for key, field in fields.items()]
    rows += [(f"levers.NAME.{key}", f"`[levers.NAME]` `{key}`", field)
             for key, field in LEVER.items()]
    rows += [(f"{array}.{key}", f"`[[{array}]]` `{key}`", field)
             for array, fields in ARRAYS.items() for key, field in fields.items()]
    return rows


def ranges_markdown() -> str:
    """The schema as a Markdown table: key, type, default and allowed values.

    Returns
    -------
    str
        One row per key; ranges in interval notation (``(0, 1]``: above 0, at most 1).
    """
    lines = ["| key | type | default | allowed |", "|---|---|---|---|"]
    for rule, key, field in _rows():
        kind = _doc_type(field.types)
        if field.items:
            kind = f"{'table' if field.types == TABLE else 'list'} of {_doc_type(field.items)}"
        if rule in REQUIRED:
            default = "*required*"
        else:
            default = "" if field.default is None else f"`{_toml(field.default)}`"
        allowed = []
        if field.range is not None:
            allowed.append(field.range.brief())
        if field.choices:
            allowed.append(", ".join(f"`{c}`" for c in field.choices))
        if rule in RULES:
            allowed.append(RULES[rule])
        lines.append(f"| {key} | {kind} | {default} | {'; '.join(allowed)} |")
    return "\n".join(lines)


def default(table: str, key: str) -> Any:
    """The default of ``[table] key``: the one place every default is declared.

    :class:`~planner.scenario.values.Scenario` takes its field defaults from here, so a
    scenario built in Python and one read from a file agree.

    Parameters
    ----------
    table : str
        The section, e.g. ``"target"``.
    key : str
        The key, e.g. ``"buffer"``.

    Returns
    -------
    Any

    Examples
    --------
    >>> default("target", "buffer")
    0.1
    """
    return TABLES[table][key].default
