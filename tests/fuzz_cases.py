"""A seeded generator of bad or hostile inputs for the ``planner`` CLI (issue 10, item 7).

Not a test file: ``tests/test_fuzz.py`` (in the suite) and ``benchmarks/fuzz.py`` (the
"Done when" measurement) both build their cases here.

How a case works
----------------
1. :func:`write_base` writes a *trimmed* sample data set once: the sample of
   :func:`planner.sample.generate.write_sample` cut to three teams and the last month of
   history, 2026-10 (about 2,100 sales; ``[data] trailing_months = 1`` in the scenario, so
   the trimmed history fills its window and plans without warnings; the plan year is
   2027, after the history), plus a scenario that uses every
   section (levers, hires, mix, supply, events) and a second scenario for ``compare``.
2. :func:`generate` turns a seed into a list of :class:`Case` (a mutation name and a
   position). Every mutation appears at least once in a list of at least
   ``len(MUTATIONS)`` cases; the rest are drawn by weight.
3. :func:`materialise` copies the base into an empty folder and applies the case's
   mutation: a small named function that damages one thing (a number, a date, a
   header, a file, a scenario key, the mapping, a command-line argument) and says
   which command to run, which file or flag a refusal must name, which key or row it
   should name, and whether the input must be refused.
4. :func:`run_case` runs the command in-process (``run_cli`` of ``tests/conftest.py``)
   from inside the case folder, with a time limit; :func:`snapshot` is taken before and
   after; :func:`judge` lists what went wrong (:class:`Finding`).
5. :func:`reproduction` prints what a failing case did: the mutation, the seed, the
   command line, and every input that differs from the base (a diff of text files,
   the first bytes of binary ones).

Replay one case from the command line (``--fast`` for a case of the test suite's list;
``--run`` also runs it and prints what it got wrong)::

    python tests/fuzz_cases.py --seed 0 --index 17 --into /tmp/case17 --run
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import difflib
import hashlib
import io
import json
import math
import os
import random
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # conftest, when run as a script
from conftest import run_cli  # noqa: E402

# --- the base case ------------------------------------------------------------------

DATA = "data"
SCENARIO = "scenario.toml"
SCENARIO_B = "scenario_b.toml"
MAPPING = "mapping.toml"
OUT = "out"
TEAMS = ("T01", "T02", "T03")
HISTORY_FROM = "2026-10-01"
TRAILING_MONTHS = 1
PLAN_YEAR = 2027
TABLE_FILES = {t: f"{t}.csv" for t in ("sales", "seats", "products", "customers")}
#: Every formula-looking text the fuzzer injects holds this, so a formula cell that came
#: from user text can be told from the planner's own (=SUM(...), attainment formulas).
MARKER = "FZMARK"
#: Exit statuses a case may end with: done, bad input, target unreachable.
ALLOWED_STATUS = (0, 2, 3)
SWEEP_MULTIPLES = "1:2:0.5"


def base_scenario() -> dict[str, Any]:
    """Return the base scenario as a dict (written to TOML by :func:`toml_text`)."""
    return {
        "name": "fuzz",
        "description": "fuzz base scenario",
        "data": {"dir": DATA, "trailing_months": TRAILING_MONTHS},
        "calendar": {"year": PLAN_YEAR, "official": True},
        "target": {"multiple": 1.5, "buffer": 0.1},
        "attrition": {"monthly_rate": 0.01},
        "allocation": {"ramp_months": 5, "fairness_band": 0.2, "capacity_headroom": 0.15,
                       "smoothness": 0.0, "deviation_weight": 1.0},
        "kpis": {"revenue": 0.4, "high_margin_mix": 0.2, "new_customers": 0.2,
                 "active_customers": 0.2},
        "solver": {"time_limit": 120, "method": "simplex"},
        "levers": {
            "customers": {"cap": 0.5},
            "ticket": {"cap": 0.2, "cost": 2.0},
            "repurchase_best": {"kind": "repurchase", "products": ["BANK_WM"],
                                "segments": ["S1_private"], "cap": 1.0, "min": -0.2},
        },
        "hires": [{"grade": "C", "team": "T03", "month": 2, "count": 2}],
        "mix": [{"tier": "high", "min_share": 0.1}],
        "supply": [{"product": "LOAN", "monthly_units": 100000, "months": [1, 2, 3]}],
        "events": [{"name": "bonus season", "start": "2027-01-04", "end": "2027-01-29",
                    "multiplier": 1.3, "products": ["B2C_FUND"]}],
    }


def scenario_b() -> dict[str, Any]:
    """Return the second scenario of ``compare``: the base at a lower target."""
    return {"base": SCENARIO, "name": "fuzz_b", "target": {"multiple": 1.2}}


def _read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _write_rows(path: Path, rows: Sequence[Sequence[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def write_base(folder: Path, sample: Path | None = None, seed: int = 7) -> Path:
    """Write the trimmed base case (history, scenarios) into ``folder``.

    Parameters
    ----------
    folder : Path
        Empty or missing folder; gets ``data/``, ``scenario.toml``, ``scenario_b.toml``.
    sample : Path, optional
        A folder holding the full sample (``planner.sample.generate.write_sample``); written
        into ``folder/full`` and removed afterwards when not given.
    seed : int, default 7
        Seed of the sample when it is written here.

    Returns
    -------
    Path
        ``folder``.
    """
    from planner.sample.generate import write_sample

    folder.mkdir(parents=True, exist_ok=True)
    full = sample
    if full is None:
        full = folder / "full"
        write_sample(full, seed=seed)
    data = folder / DATA
    data.mkdir(exist_ok=True)
    seats = _read_rows(full / "seats.csv")
    team = seats[0].index("team")
    seats = [seats[0]] + [r for r in seats[1:] if r[team] in TEAMS]
    kept = {r[0] for r in seats[1:]}
    sales = _read_rows(full / "sales.csv")
    date, seat = sales[0].index("date"), sales[0].index("seat")
    sales = [sales[0]] + [r for r in sales[1:] if r[date] >= HISTORY_FROM and r[seat] in kept]
    customers = _read_rows(full / "customers.csv")
    customers = [customers[0]] + [r for r in customers[1:] if r[0] >= HISTORY_FROM]
    _write_rows(data / "seats.csv", seats)
    _write_rows(data / "sales.csv", sales)
    _write_rows(data / "customers.csv", customers)
    _write_rows(data / "products.csv", _read_rows(full / "products.csv"))
    if sample is None:
        shutil.rmtree(full)
    (folder / SCENARIO).write_text(toml_text(base_scenario()), encoding="utf-8")
    (folder / SCENARIO_B).write_text(toml_text(scenario_b()), encoding="utf-8")
    return folder


# --- TOML writing (no writer in the standard library) --------------------------------

def _toml_key(key: str) -> str:
    if key and all(c.isalnum() and c.isascii() or c in "_-" for c in key):
        return key
    return json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}"
                               for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _emit(lines: list[str], prefix: str, table: dict[str, Any]) -> None:
    plain = {k: v for k, v in table.items()
             if not isinstance(v, dict) and not _is_table_array(v)}
    for key, value in plain.items():
        lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in table.items():
        name = f"{prefix}{_toml_key(key)}"
        if isinstance(value, dict):
            lines.append(f"\n[{name}]")
            _emit(lines, name + ".", value)
        elif _is_table_array(value):
            for item in value:
                lines.append(f"\n[[{name}]]")
                _emit(lines, name + ".", item)


def toml_text(doc: dict[str, Any]) -> str:
    """Return ``doc`` as TOML text (floats ``inf``/``nan`` and big integers kept as is).

    Examples
    --------
    >>> print(toml_text({"a": 1, "t": {"x": float("inf")}, "h": [{"n": "x"}]}))
    a = 1
    <BLANKLINE>
    [t]
    x = inf
    <BLANKLINE>
    [[h]]
    n = "x"
    <BLANKLINE>
    """
    lines: list[str] = []
    _emit(lines, "", doc)
    return "\n".join(lines) + "\n"


# --- cases and workspaces --------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One generated case: a mutation applied at a position of a seeded list.

    Attributes
    ----------
    seed : int
        Seed of the list; with ``index`` and ``mutation`` it fixes every random choice.
    index : int
        Position in the list.
    mutation : str
        Name of the mutation function (see :data:`MUTATIONS`).
    fast : bool
        Pick cheap commands (``plan`` and ``compare`` seldom): the profile of the test
        suite, where a few hundred cases must run in a minute.
    """

    seed: int
    index: int
    mutation: str
    fast: bool = False

    @property
    def id(self) -> str:
        """Short id for test names and reports, e.g. ``0017-bad_number``."""
        return f"{self.index:04d}-{self.mutation}"

    def rng(self) -> random.Random:
        """The case's own random generator (string seeds are stable across runs)."""
        return random.Random(f"{self.seed}/{self.index}/{self.mutation}")


@dataclass
class Table:
    """A CSV history file held as text rows (unchanged rows are written back as read)."""

    path: Path
    header: list[str]
    rows: list[list[str]]

    def col(self, name: str) -> int:
        """Index of column ``name``."""
        return self.header.index(name)

    def write(self) -> None:
        """Write the table back to its file."""
        _write_rows(self.path, [self.header, *self.rows])


@dataclass(frozen=True)
class Setup:
    """A materialised case: what to run and what to expect of it.

    Attributes
    ----------
    case : Case
        The case.
    root : Path
        The case folder (the command runs from here; argv paths are relative to it).
    argv : tuple of str
        Arguments of ``planner``.
    out : str or None
        The output folder (relative to ``root``) new files may appear in.
    names : tuple of str
        A refusal (exit 2 or 3) must contain one of these: the file or the flag.
    keys : tuple of str
        A refusal should also contain one of these (the key, column or row); empty: no check.
    refuse : bool
        The input is plainly invalid: exit 0 is a finding (``accepted_bad``).
    label : str
        The mutation with the choices it made, e.g. ``bad_number[sales.amount=inf]``.
    notes : tuple of str
        What the mutation did, in words.
    replaceable : tuple of str
        Existing paths the run may replace (a folder planner wrote, with ``--force``).
    """

    case: Case
    root: Path
    argv: tuple[str, ...]
    out: str | None
    names: tuple[str, ...]
    keys: tuple[str, ...]
    refuse: bool
    label: str
    notes: tuple[str, ...]
    replaceable: tuple[str, ...] = ()

    def command_line(self) -> str:
        """The command as typed in a shell."""
        import shlex

        return "planner " + " ".join(shlex.quote(a) for a in self.argv)


#: Commands a mutation may run, and how often each is picked (cheap ones more often).
COMMAND_WEIGHTS = {"baselines-data": 4, "baselines": 3, "drivers": 4, "sweep": 1,
                   "plan": 1, "compare": 1}
FAST_COMMAND_WEIGHTS = {"baselines-data": 4, "baselines": 2, "drivers": 4, "sweep": 1,
                        "plan": 0.2, "compare": 0.2}
#: A fast list draws mutations whose input is often accepted (so the whole command runs)
#: less often, and those refused before any history is read more often; every mutation
#: still appears at least once.
FAST_WEIGHTS = {"formula_names": 0.4, "path_names": 0.2, "hostile_new_team": 0.1,
                "new_team_hires": 0.05, "shrinking_target": 0.3, "short_history": 0.1,
                "extra_columns": 0.2, "bad_number": 2.0, "bad_date": 2.0,
                "zero_scenario_number": 0.3, "compare_many": 1.0, "bad_out": 5,
                "bad_base_chain": 1.0, "solver_options": 0.2, "data_dir_damaged": 0.3,
                "misspelt_optional_header": 1.0, "bad_scenario_number": 10,
                "unknown_scenario_key": 4, "bad_scenario_list": 4, "bad_arguments": 4}
SCENARIO_COMMANDS = ("baselines", "drivers", "sweep", "plan", "compare")
ALL_COMMANDS = ("baselines-data", *SCENARIO_COMMANDS)


@dataclass
class Workspace:
    """A case folder being damaged by one mutation (see :func:`materialise`)."""

    root: Path
    rng: random.Random
    scenario: dict[str, Any] = field(default_factory=base_scenario)
    scenario_raw: bytes | None = None
    mapping: str | None = None
    argv: list[str] | None = None
    out: str | None = OUT
    names: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    refuse: bool = False
    label: str = ""
    notes: list[str] = field(default_factory=list)
    replaceable: tuple[str, ...] = ()
    tables: dict[str, Table] = field(default_factory=dict)
    commands: tuple[str, ...] = ALL_COMMANDS
    fast: bool = False

    # -- history tables
    def table(self, name: str) -> Table:
        """The history table ``name`` (sales, seats, products, customers), read once."""
        if name not in self.tables:
            rows = _read_rows(self.root / DATA / TABLE_FILES[name])
            self.tables[name] = Table(self.root / DATA / TABLE_FILES[name], rows[0], rows[1:])
        return self.tables[name]

    def set_cell(self, name: str, column: str, index: int, value: str) -> str:
        """Set one cell; return its place as messages write it (``row N``)."""
        t = self.table(name)
        old = t.rows[index][t.col(column)]
        t.rows[index][t.col(column)] = value
        self.notes.append(f"{TABLE_FILES[name]} row {index + 2} column {column}: "
                          f"{old!r} -> {value!r}")
        return f"row {index + 2}"

    def pick_row(self, name: str) -> int:
        """A random data row of table ``name``."""
        return self.rng.randrange(len(self.table(name).rows))

    def file(self, name: str) -> Path:
        """Path of a history file."""
        return self.root / DATA / TABLE_FILES[name]

    # -- expectations and the command
    def expect(self, names: Sequence[str], keys: Sequence[str] = (), refuse: bool = False,
               label: str = "") -> None:
        """Say what a refusal must name, what it should name, and whether to refuse."""
        self.names, self.keys, self.refuse = tuple(names), tuple(keys), refuse
        if label:
            self.label = label

    def only(self, *commands: str) -> None:
        """Restrict the commands this case may run."""
        self.commands = commands

    def command(self, kind: str) -> list[str]:
        """Argument list of one of :data:`ALL_COMMANDS` on the case's files."""
        if kind == "baselines-data":
            argv = ["baselines", "--data", DATA, "--out", OUT]
            if self.mapping:
                argv += ["--mapping", self.mapping]
            return argv
        if kind == "sweep":
            return ["sweep", SCENARIO, "--multiples", SWEEP_MULTIPLES, "--out", OUT]
        if kind == "compare":
            return ["compare", SCENARIO, SCENARIO_B, "--out", OUT]
        return [kind, SCENARIO, "--out", OUT]

    def flush(self) -> None:
        """Write every changed table and the scenario."""
        for t in self.tables.values():
            t.write()
        path = self.root / SCENARIO
        if self.scenario_raw is not None:
            path.write_bytes(self.scenario_raw)
        elif path.is_file() and not path.is_symlink():
            path.write_text(toml_text(self.scenario), encoding="utf-8")


Mutation = Callable[[Workspace], None]
MUTATIONS: dict[str, Mutation] = {}
WEIGHTS: dict[str, float] = {}


def mutation(weight: float = 1.0) -> Callable[[Mutation], Mutation]:
    """Register a mutation under its function name, drawn with ``weight``."""
    def register(fn: Mutation) -> Mutation:
        MUTATIONS[fn.__name__] = fn
        WEIGHTS[fn.__name__] = weight
        return fn
    return register


def _choice(ws: Workspace, options: Sequence[Any]) -> Any:
    return options[ws.rng.randrange(len(options))]


# --- numbers in the history ---------------------------------------------------------

NUMBER_COLUMNS = {
    "sales": ("amount", "units", "margin"),
    "products": ("fixed_ticket", "sell_from_month", "sell_to_month"),
    "customers": ("stock", "new", "attrition", "aum"),
}
#: Values no number column may hold, and values a careless export writes.
NON_FINITE = ("inf", "-inf", "nan", "NaN", "1e309", "-1e309", "Infinity")
ODD_NUMBERS = ("-5", "1e300", "1,234", "", "abc", "0x10", "1_000", " 12 ", "12%", "$5",
               "\u0661\u0662", "1e-320", "9" * 400)


@mutation(weight=4)
def bad_number(ws: Workspace) -> None:
    """Put a non-finite, negative, huge or non-numeric value in one number cell."""
    table = _choice(ws, tuple(NUMBER_COLUMNS))
    column = _choice(ws, NUMBER_COLUMNS[table])
    value = _choice(ws, NON_FINITE + ODD_NUMBERS)
    if table == "products":  # fixed tickets only on fixed products; months on any
        rows = ws.table(table).rows
        mode = ws.table(table).col("ticket_mode")
        fixed = [i for i, r in enumerate(rows) if r[mode] == "fixed"]
        index = _choice(ws, fixed) if column == "fixed_ticket" else ws.pick_row(table)
    else:
        index = ws.pick_row(table)
    row = ws.set_cell(table, column, index, value)
    ws.expect([TABLE_FILES[table]], [row], refuse=value in NON_FINITE,
              label=f"bad_number[{table}.{column}={value!r}]")


@mutation(weight=1)
def all_units_zero(ws: Workspace) -> None:
    """Every sale has 0 units."""
    t = ws.table("sales")
    for r in t.rows:
        r[t.col("units")] = "0"
    ws.notes.append("sales.csv: every units cell set to '0'")
    ws.expect(["sales.csv"], ["units"], refuse=True)


@mutation(weight=1)
def negative_customers(ws: Workspace) -> None:
    """A month with negative stock, new customers or AUM."""
    column = _choice(ws, ("stock", "new", "attrition", "aum"))
    row = ws.set_cell("customers", column, ws.pick_row("customers"), "-1000")
    ws.expect(["customers.csv"], [row], refuse=True,
              label=f"negative_customers[{column}]")


# --- dates in the history -------------------------------------------------------------

DATE_COLUMNS = (("sales", "date"), ("seats", "start_date"), ("seats", "end_date"),
                ("customers", "month"))
BAD_DATES = ("9999-12-31", "1900-01-01", "0001-01-01", "2026-02-30", "31/12/2026", "",
             "yesterday", "2026-10-15T25:00", "20261015", "2026-10-15 12:00:00+99:00")
REFUSED_DATES = ("9999-12-31", "0001-01-01", "2026-02-30", "yesterday", "2026-10-15T25:00",
                 "2026-13-01")


@mutation(weight=3)
def bad_date(ws: Workspace) -> None:
    """Put an absurd or malformed date in one date cell."""
    table, column = _choice(ws, DATE_COLUMNS)
    value = _choice(ws, BAD_DATES)
    if column == "end_date" and value == "":  # an empty end date is normal: use a bad one
        value = "2026-13-01"
    row = ws.set_cell(table, column, ws.pick_row(table), value)
    required = column in ("date", "month")
    refuse = value in REFUSED_DATES or (required and value == "")
    ws.expect([TABLE_FILES[table]], [row], refuse=refuse,
              label=f"bad_date[{table}.{column}={value!r}]")


@mutation(weight=2)
def typo_future_sale(ws: Workspace) -> None:
    """One sale dated in the future by a typo (after the others, or in the plan year)."""
    value = _choice(ws, ("2027-03-01", "2026-12-20", "2027-10-31", "2036-10-15"))
    row = ws.set_cell("sales", "date", ws.pick_row("sales"), value)
    in_plan = value >= f"{PLAN_YEAR}-01-01"
    if in_plan:
        ws.only(*SCENARIO_COMMANDS)  # only a scenario knows the plan year
    ws.expect(["sales.csv"], [row, value], refuse=True,
              label=f"typo_future_sale[{value}]")


@mutation(weight=1)
def history_after_plan_start(ws: Workspace) -> None:
    """A share of the sales dated in the plan year."""
    t = ws.table("sales")
    share = _choice(ws, (0.05, 0.3))
    picked = sorted(ws.rng.sample(range(len(t.rows)), int(len(t.rows) * share)))
    for i in picked:
        t.rows[i][t.col("date")] = "2027-01-" + t.rows[i][t.col("date")][-2:]
    ws.notes.append(f"sales.csv: {len(picked)} rows (first row {picked[0] + 2}) moved to "
                    "2027-01 keeping the day")
    ws.only(*SCENARIO_COMMANDS)
    ws.expect(["sales.csv"], [f"row {picked[0] + 2}"], refuse=True,
              label=f"history_after_plan_start[{share}]")


@mutation(weight=1)
def short_history(ws: Workspace) -> None:
    """Only one week of history left (a warning, not a refusal)."""
    t = ws.table("sales")
    d = t.col("date")
    t.rows = [r for r in t.rows if "2026-10-20" <= r[d] <= "2026-10-27"]
    ws.notes.append("sales.csv: only rows dated 2026-10-20..2026-10-27 kept")
    ws.only("baselines-data", "baselines", "drivers")
    ws.expect(["sales.csv"])


# --- headers -------------------------------------------------------------------------

RENAMES = {"sales": ("date", "seat", "product", "amount"), "seats": ("seat", "team", "grade"),
           "products": ("product",), "customers": ("month", "segment", "stock")}
MISSPELT_OPTIONAL = (("seats", "end_date", "End Date"), ("sales", "customer_id", "Customer ID"),
                     ("sales", "margin", "margn"), ("products", "fixed_ticket", "fixed ticket"),
                     ("sales", "units", "Units"), ("customers", "attrition", "atrition"),
                     ("products", "margin_tier", "tier"))


@mutation(weight=2)
def renamed_required_header(ws: Workspace) -> None:
    """Rename a required column (case, spaces, a synonym)."""
    table = _choice(ws, tuple(RENAMES))
    column = _choice(ws, RENAMES[table])
    new = _choice(ws, (column.upper(), column.title(), f"{column}_x", f"{column} 2", ""))
    t = ws.table(table)
    t.header[t.col(column)] = new
    ws.notes.append(f"{TABLE_FILES[table]} header: {column!r} -> {new!r}")
    refuse = new.strip().lower() != column  # surrounding spaces and case may be forgiven
    ws.expect([TABLE_FILES[table]], [column], refuse=refuse,
              label=f"renamed_required_header[{table}.{column}->{new!r}]")


@mutation(weight=2)
def misspelt_optional_header(ws: Workspace) -> None:
    """Misspell an optional column (``End Date`` for ``end_date``): must not be dropped."""
    table, column, new = _choice(ws, MISSPELT_OPTIONAL)
    t = ws.table(table)
    t.header[t.col(column)] = new
    ws.notes.append(f"{TABLE_FILES[table]} header: {column!r} -> {new!r}")
    ws.expect([TABLE_FILES[table]], [new, column], refuse=new.lower() != column,
              label=f"misspelt_optional_header[{table}.{new}]")


@mutation(weight=2)
def duplicated_header(ws: Workspace) -> None:
    """Two columns with the same name."""
    table = _choice(ws, tuple(TABLE_FILES))
    t = ws.table(table)
    i = ws.rng.randrange(len(t.header))
    j = (i + 1) % len(t.header)
    name = t.header[i]
    t.header[j] = name
    ws.notes.append(f"{TABLE_FILES[table]} header: column {j + 1} renamed to {name!r} "
                    f"(a second {name!r})")
    ws.expect([TABLE_FILES[table]], [name], refuse=True,
              label=f"duplicated_header[{table}.{name}]")


@mutation(weight=1)
def extra_columns(ws: Workspace) -> None:
    """An unknown extra column (kept as a note) and a column with no name."""
    table = _choice(ws, tuple(TABLE_FILES))
    t = ws.table(table)
    name = _choice(ws, ("notes", "", "=SUM(A1:A9)" + MARKER))
    t.header.append(name)
    for r in t.rows:
        r.append("x")
    ws.notes.append(f"{TABLE_FILES[table]}: extra column {name!r} with 'x' in every row")
    ws.expect([TABLE_FILES[table]], label=f"extra_columns[{table}.{name!r}]")


@mutation(weight=1)
def header_only(ws: Workspace) -> None:
    """A table with its header and no rows."""
    table = _choice(ws, tuple(TABLE_FILES))
    ws.table(table).rows = []
    ws.notes.append(f"{TABLE_FILES[table]}: every data row removed")
    ws.expect([TABLE_FILES[table]], refuse=table in ("sales", "seats"),
              label=f"header_only[{table}]")


@mutation(weight=1)
def dropped_column(ws: Workspace) -> None:
    """A required column removed."""
    table = _choice(ws, tuple(RENAMES))
    column = _choice(ws, RENAMES[table])
    t = ws.table(table)
    i = t.col(column)
    t.header.pop(i)
    for r in t.rows:
        r.pop(i)
    ws.notes.append(f"{TABLE_FILES[table]}: column {column!r} removed")
    ws.expect([TABLE_FILES[table]], [column], refuse=True,
              label=f"dropped_column[{table}.{column}]")


# --- whole files ----------------------------------------------------------------------

def _garbage(ws: Workspace, size: int) -> bytes:
    return bytes(ws.rng.randrange(256) for _ in range(size))


FILE_DAMAGES = ("missing", "empty", "directory", "dangling_link", "link_loop", "latin1",
                "binary", "nul_bytes", "utf16", "fifo", "semicolons", "unbalanced_quote",
                "both_csv_and_parquet", "fake_xlsx")


@mutation(weight=5)
def damaged_file(ws: Workspace) -> None:
    """Replace a history file by something that is not a readable table."""
    table = _choice(ws, tuple(TABLE_FILES))
    damage = _choice(ws, FILE_DAMAGES)
    path = ws.file(table)
    text = path.read_text(encoding="utf-8")
    ws.tables.pop(table, None)
    refuse = True
    if damage == "missing":
        path.unlink()
        refuse = table in ("sales",)
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "directory":
        path.unlink()
        path.mkdir()
        (path / "inner.csv").write_text(text.splitlines()[0] + "\n", encoding="utf-8")
    elif damage == "dangling_link":
        path.unlink()
        path.symlink_to(ws.root / "no_such_file.csv")
    elif damage == "link_loop":
        path.unlink()
        path.symlink_to(path.name)
    elif damage == "latin1":  # a text cell in Latin-1, the rest as before
        lines = text.splitlines(keepends=True)
        i = 1 + ws.rng.randrange(len(lines) - 1)
        lines[i] = lines[i].replace(",", ",Caf\u00e9 ", 1)
        path.write_bytes(b"".join(line.encode("latin-1") for line in lines))
        ws.notes.append(f"{path.name}: line {i + 1} got the Latin-1 text 'Caf\\xe9 '")
    elif damage == "binary":
        path.write_bytes(_garbage(ws, 4096))
    elif damage == "nul_bytes":
        lines = text.splitlines(keepends=True)
        i = 1 + ws.rng.randrange(len(lines) - 1)
        lines[i] = lines[i].replace(",", ",\x00\x00", 1)
        path.write_text("".join(lines), encoding="utf-8")
        ws.notes.append(f"{path.name}: two NUL bytes in line {i + 1}")
    elif damage == "utf16":
        path.write_text(text, encoding="utf-16")
    elif damage == "fifo":
        path.unlink()
        os.mkfifo(path)
    elif damage == "semicolons":
        path.write_text(text.replace(",", ";"), encoding="utf-8")
    elif damage == "unbalanced_quote":
        lines = text.splitlines(keepends=True)
        i = 1 + ws.rng.randrange(len(lines) - 1)
        lines[i] = '"' + lines[i]
        path.write_text("".join(lines), encoding="utf-8")
        ws.notes.append(f"{path.name}: a '\"' opened at the start of line {i + 1}, never closed")
    elif damage == "both_csv_and_parquet":
        path.with_suffix(".parquet").write_bytes(b"PAR1" + _garbage(ws, 64) + b"PAR1")
    elif damage == "fake_xlsx":
        path.unlink()
        path.with_suffix(".xlsx").write_bytes(b"PK\x03\x04" + _garbage(ws, 512))
    if damage not in ("latin1", "nul_bytes", "unbalanced_quote"):
        ws.notes.append(f"{path.name}: {damage.replace('_', ' ')}")
    if damage in ("latin1", "nul_bytes", "unbalanced_quote"):  # odd text may be read as is
        refuse = False
    # without seats or products files both are derived from sales (README): the scenario's
    # teams and products may then be missing, and the scenario is what gets refused
    derived = damage == "missing" and table in ("seats", "products")
    ws.expect([table, SCENARIO] if derived else [table], refuse=refuse,
              label=f"damaged_file[{table}:{damage}]")


@mutation(weight=1)
def data_dir_damaged(ws: Workspace) -> None:
    """``[data] dir`` that is missing, a file, the scenario's own folder, or ``/``."""
    value = _choice(ws, ("no_such_folder", "data/sales.csv", ".", "/", "data/../data/"))
    ws.scenario["data"]["dir"] = value
    ws.notes.append(f"scenario.toml: data.dir = {value!r}")
    ws.only(*SCENARIO_COMMANDS)
    # "." and "/" hold --out: the refusal of --out comes first
    ws.expect([SCENARIO, "sales", "data", "--out"], refuse=value not in ("data/../data/",),
              label=f"data_dir_damaged[{value}]")


# --- text that must never become a formula, and names that are paths ---------------------

FORMULAS = (
    '=HYPERLINK("http://x/?' + MARKER + '","click")',
    "=cmd|' /C calc'!A0" + MARKER,
    "=1+1+" + MARKER,
    "+" + MARKER + "()",
    "-1+" + MARKER,
    "@SUM(" + MARKER + ")",
    "\t=" + MARKER,
    "=" + MARKER,
)
PATH_NAMES = ("../../../FZESCAPE", "/tmp/FZABS" + MARKER, "a/b", "CON", "x" * 300, ".",
              "..", "T01 ", "\u56e2\u961f\u4e00", "T01\nT02", "\u202eT01", "-T01")


def _rename_values(ws: Workspace, table: str, column: str, old: str, new: str) -> int:
    t = ws.table(table)
    c = t.col(column)
    n = 0
    for r in t.rows:
        if r[c] == old:
            r[c] = new
            n += 1
    return n


@mutation(weight=3)
def formula_names(ws: Workspace) -> None:
    """A team, product, segment, grade or seat named like a spreadsheet formula."""
    what = _choice(ws, ("team", "product", "segment", "grade", "seat"))
    new = _choice(ws, FORMULAS)
    _rename_everywhere(ws, what, new)
    ws.only("baselines-data", "baselines", "plan", "compare")
    ws.expect([*TABLE_FILES.values(), SCENARIO, new], label=f"formula_names[{what}={new!r}]")


def _rename_everywhere(ws: Workspace, what: str, new: str) -> None:
    """Rename one team/product/segment/grade/seat in every table and the scenario."""
    if what == "seat":
        seats = ws.table("seats")
        old = seats.rows[0][seats.col("seat")]
    else:
        old = {"team": "T02", "product": "BANK_WM", "segment": "S1_private", "grade": "D"}[what]
    if what == "team":
        _rename_values(ws, "seats", "team", old, new)
    elif what == "product":
        _rename_values(ws, "sales", "product", old, new)
        _rename_values(ws, "products", "product", old, new)
        ws.scenario["levers"]["repurchase_best"]["products"] = [new]
    elif what == "segment":
        _rename_values(ws, "sales", "segment", old, new)
        _rename_values(ws, "customers", "segment", old, new)
        ws.scenario["levers"]["repurchase_best"]["segments"] = [new]
    elif what == "grade":
        _rename_values(ws, "seats", "grade", old, new)
    else:
        _rename_values(ws, "seats", "seat", old, new)
        _rename_values(ws, "sales", "seat", old, new)
    ws.notes.append(f"{what} {old!r} renamed to {new!r} in every table (and the scenario)")


@mutation(weight=2)
def path_names(ws: Workspace) -> None:
    """A team or product named like a path (``../..``, ``/tmp``), too long, or odd."""
    what = _choice(ws, ("team", "product"))
    new = _choice(ws, PATH_NAMES)
    _rename_everywhere(ws, what, new)
    ws.only("baselines-data", "baselines", "plan")
    ws.expect(["seats.csv" if what == "team" else "products.csv", "sales.csv", SCENARIO, new],
              label=f"path_names[{what}={new!r}]")


# --- the scenario file ------------------------------------------------------------------

#: Scalar number keys of the schema: (path, refuses 0).
NUMBER_KEYS: tuple[tuple[tuple[Any, ...], bool], ...] = (
    (("data", "trailing_months"), True), (("calendar", "year"), True),
    (("target", "multiple"), True), (("target", "amount"), True), (("target", "buffer"), False),
    (("attrition", "monthly_rate"), False), (("allocation", "ramp_months"), False),
    (("allocation", "fairness_band"), False), (("allocation", "capacity_headroom"), False),
    (("allocation", "smoothness"), False), (("allocation", "deviation_weight"), False),
    (("kpis", "revenue"), True), (("kpis", "high_margin_mix"), True),
    (("kpis", "new_customers"), True), (("kpis", "active_customers"), True),
    (("solver", "time_limit"), True), (("solver", "threads"), False),
    (("levers", "customers", "cap"), False), (("levers", "customers", "min"), False),
    (("levers", "customers", "fixed"), False), (("levers", "customers", "cost"), True),
    (("levers", "repurchase_best", "cap"), False), (("levers", "productivity", "cap"), False),
    (("hires", 0, "month"), True), (("hires", 0, "count"), False),
    (("mix", 0, "min_share"), False), (("mix", 0, "max_share"), False),
    (("mix", 0, "min_amount"), False), (("mix", 0, "max_amount"), False),
    (("mix", 0, "min_units"), False), (("mix", 0, "max_units"), False),
    (("supply", 0, "monthly_units"), False), (("supply", 0, "monthly_amount"), False),
    (("events", 0, "multiplier"), True),
)
#: Values every number key refuses (the README's ranges).
BAD_NUMBERS: tuple[Any, ...] = (math.inf, -math.inf, math.nan, -5, -5.0, 1e30, 10**30,
                                2**63 - 1, True, "5")


def key_label(path: Sequence[Any]) -> str:
    """How messages spell a key: ``levers.customers.cap``, ``hires[0].count``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _set_key(doc: dict[str, Any], path: Sequence[Any], value: Any) -> None:
    node: Any = doc
    for part in path[:-1]:
        if isinstance(part, str) and part not in node:
            node[part] = {}
        node = node[part]
    node[path[-1]] = value


def _drop_key(doc: dict[str, Any], path: Sequence[Any]) -> None:
    node: Any = doc
    for part in path[:-1]:
        node = node[part]
    node.pop(path[-1], None)


# keys another key excludes: setting the first drops the second
EXCLUSIVE = {("target", "amount"): ("target", "multiple"),
             ("supply", 0, "monthly_amount"): ("supply", 0, "monthly_units"),
             ("levers", "customers", "fixed"): ("levers", "customers", "cap")}


@mutation(weight=6)
def bad_scenario_number(ws: Workspace) -> None:
    """Set one number key of the scenario to inf, nan, -5, 1e30, a huge int, a bool, text."""
    path, _ = _choice(ws, NUMBER_KEYS)
    value = _choice(ws, BAD_NUMBERS)
    if path in EXCLUSIVE:
        _drop_key(ws.scenario, EXCLUSIVE[path])
    _set_key(ws.scenario, path, value)
    key = key_label(path)
    ws.notes.append(f"scenario.toml: {key} = {_toml_value(value)}")
    ws.only(*SCENARIO_COMMANDS)
    ws.expect([SCENARIO], [key], refuse=True,
              label=f"bad_scenario_number[{key}={_toml_value(value)}]")


@mutation(weight=2)
def zero_scenario_number(ws: Workspace) -> None:
    """Set a number key to 0 (refused where the range starts above 0)."""
    path, refuses_zero = _choice(ws, NUMBER_KEYS)
    if path in EXCLUSIVE:
        _drop_key(ws.scenario, EXCLUSIVE[path])
    _set_key(ws.scenario, path, 0)
    key = key_label(path)
    ws.notes.append(f"scenario.toml: {key} = 0")
    ws.only("drivers", "baselines", "sweep")
    # a rule of two keys (min <= max) may name the other key of the pair
    ws.expect([SCENARIO], [key, key_label(path[:-1])], refuse=refuses_zero,
              label=f"zero_scenario_number[{key}]")


BAD_LISTS: tuple[tuple[tuple[Any, ...], Any], ...] = (
    (("supply", 0, "months"), [1, 1, 1]), (("supply", 0, "months"), [0]),
    (("supply", 0, "months"), [13]), (("supply", 0, "months"), []),
    (("supply", 0, "months"), [1.5]), (("levers", "customers", "breakpoints"), [0.5, 0.1]),
    (("levers", "customers", "breakpoints"), [math.inf]),
    (("levers", "customers", "slopes"), [3.0, 1.0]),
    (("levers", "customers", "slopes"), [1.0, math.nan]),
    (("levers", "customers", "slopes"), [1.0, 2.0, 3.0, 4.0]),
    (("calendar", "extra_holidays"), ["2026-05-01"]),
    (("calendar", "extra_holidays"), ["2027-02-30"]),
    (("calendar", "extra_working_days"), ["not a date"]),
    (("levers", "customers", "products"), []), (("levers", "customers", "segments"), [1]),
)


@mutation(weight=2)
def bad_scenario_list(ws: Workspace) -> None:
    """A list key with repeats, out-of-range items, wrong types or a wrong order."""
    path, value = _choice(ws, BAD_LISTS)
    _set_key(ws.scenario, path, value)
    if path[-1] in ("breakpoints", "slopes"):  # the other list as it should be, alone
        other = "slopes" if path[-1] == "breakpoints" else "breakpoints"
        size = len(value) + 1 if other == "slopes" else 2
        _set_key(ws.scenario, (*path[:-1], other),
                 [1.0 + i for i in range(size)] if other == "slopes" else [0.1, 0.3])
    key = key_label(path)
    ws.notes.append(f"scenario.toml: {key} = {_toml_value(value)}")
    ws.only(*SCENARIO_COMMANDS)
    ws.expect([SCENARIO], [key, key_label(path[:-1]) + "."],
              refuse=True, label=f"bad_scenario_list[{key}={value!r}]")


UNKNOWN_KEYS: tuple[tuple[Any, ...], ...] = (
    ("nme",), ("target", "multipel"), ("levers", "customers", "cpa"), ("hires", 0, "teem"),
    ("solvr", "threads"), ("data", "dir_"), ("events", 0, "multipler"), ("mix", 0, "share"),
    ("supply", 0, "month"), ("calendar", "yaer"), ("kpis", "revenu"),
)


@mutation(weight=2)
def unknown_scenario_key(ws: Workspace) -> None:
    """A key the schema does not know (a typo of a real one)."""
    path = _choice(ws, UNKNOWN_KEYS)
    _set_key(ws.scenario, path, 1)
    ws.notes.append(f"scenario.toml: unknown key {key_label(path)} = 1")
    ws.only(*SCENARIO_COMMANDS)
    unknown = path[-1] if path[0] in ws.scenario and len(path) > 1 and path[0] != "solvr" \
        else path[0]
    ws.expect([SCENARIO], [str(unknown)], refuse=True,
              label=f"unknown_scenario_key[{key_label(path)}]")


UNKNOWN_NAMES: tuple[tuple[tuple[Any, ...], Any], ...] = (
    (("hires", 0, "team"), "T99"), (("hires", 0, "team"), "t03"), (("hires", 0, "team"), ""),
    (("hires", 0, "grade"), "Z"), (("hires", 0, "grade"), "c"),
    (("levers", "repurchase_best", "products"), ["NOPE"]),
    (("levers", "repurchase_best", "products"), ["bank_wm"]),
    (("levers", "repurchase_best", "products"), ["UL_INS"]),
    (("levers", "repurchase_best", "segments"), ["S9_nobody"]),
    (("levers", "repurchase_best", "kind"), "speed"),
    (("levers", "fast", "kind"), "productivity"),
    (("supply", 0, "product"), "NOPE"), (("events", 0, "products"), ["NOPE", "B2C_FUND"]),
    (("events", 0, "start"), "2026-01-04"), (("events", 0, "end"), "2028-01-04"),
    (("events", 0, "end"), "2027-01-01"), (("mix", 0, "tier"), "HIGH"),
    (("mix", 0, "tier"), "medium"), (("calendar", "country"), "XX"),
    (("allocation", "capacity_basis"), "seats"), (("solver", "method"), "magic"),
)


@mutation(weight=4)
def unknown_scenario_name(ws: Workspace) -> None:
    """A team, grade, product, segment, tier, kind or date the data does not have."""
    path, value = _choice(ws, UNKNOWN_NAMES)
    _set_key(ws.scenario, path, value)
    key = key_label(path)
    ws.notes.append(f"scenario.toml: {key} = {_toml_value(value)}")
    ws.only("drivers", "sweep", "plan", "compare")  # baselines reads no hires, levers, ...
    ws.expect([SCENARIO], [key], refuse=True,
              label=f"unknown_scenario_name[{key}={_toml_value(value)}]")


TOML_DAMAGES = ("latin1", "binary", "invalid", "utf16", "bom", "empty", "nul", "directory",
                "missing", "duplicate_key", "long_line", "wrong_type_table")


@mutation(weight=3)
def damaged_scenario(ws: Workspace) -> None:
    """A scenario file that is not UTF-8, not TOML, empty, a folder, or missing."""
    damage = _choice(ws, TOML_DAMAGES)
    text = toml_text(ws.scenario)
    path = ws.root / SCENARIO
    if damage == "latin1":
        ws.scenario_raw = text.replace("fuzz base scenario", "Caf\u00e9 \u00e0 la carte").encode(
            "latin-1")
    elif damage == "binary":
        ws.scenario_raw = _garbage(ws, 2048)
    elif damage == "invalid":
        ws.scenario_raw = text.replace('name = "fuzz"', 'name = "fuzz').encode()
    elif damage == "utf16":
        ws.scenario_raw = text.encode("utf-16")
    elif damage == "bom":
        ws.scenario_raw = b"\xef\xbb\xbf" + text.encode()
    elif damage == "empty":
        ws.scenario_raw = b""
    elif damage == "nul":
        ws.scenario_raw = text.replace("fuzz base", "fuzz\x00base").encode()
    elif damage == "duplicate_key":
        ws.scenario_raw = text.replace("multiple = 1.5", "multiple = 1.5\nmultiple = 2.0").encode()
    elif damage == "long_line":
        ws.scenario_raw = text.replace("fuzz base scenario", "x" * 100_000).encode()
    elif damage == "wrong_type_table":
        ws.scenario_raw = text.replace("[target]", "target = 5\n[target]").encode()
    else:
        ws.scenario_raw = None
        path.unlink()
        if damage == "directory":
            path.mkdir()
    ws.notes.append(f"scenario.toml: {damage.replace('_', ' ')}")
    ok = damage in ("bom", "long_line")
    if ws.fast and ok:  # accepted: the whole command runs
        ws.only("baselines", "drivers")
    else:
        ws.only(*SCENARIO_COMMANDS)
    ws.expect([SCENARIO], refuse=not ok, label=f"damaged_scenario[{damage}]")


BASE_DAMAGES = ("missing", "self", "cycle", "latin1", "invalid", "directory", "absolute",
                "bad_value", "deep", "unknown_key")


@mutation(weight=3)
def bad_base_chain(ws: Workspace) -> None:
    """``base = ...`` that is missing, itself, a cycle, broken, or sets a bad value."""
    damage = _choice(ws, BASE_DAMAGES)
    base = ws.root / "base.toml"
    ws.scenario = {"base": "base.toml", "name": "child", "target": {"multiple": 1.4}}
    names: list[str] = ["base.toml"]
    keys: tuple[str, ...] = ()
    refuse = True
    full = base_scenario()
    if damage == "missing":
        pass
    elif damage == "self":
        ws.scenario["base"] = SCENARIO
        names = [SCENARIO]
    elif damage == "cycle":
        full["base"] = SCENARIO
        base.write_text(toml_text(full), encoding="utf-8")
    elif damage == "latin1":
        full["description"] = "Caf\u00e9"
        base.write_bytes(toml_text(full).encode("latin-1"))
    elif damage == "invalid":
        base.write_text(toml_text(full) + "\n[target\n", encoding="utf-8")
    elif damage == "directory":
        base.mkdir()
    elif damage == "absolute":
        ws.scenario["base"] = "/etc/passwd"
        names = ["/etc/passwd", "passwd"]
    elif damage == "bad_value":
        full["allocation"]["fairness_band"] = math.inf
        base.write_text(toml_text(full), encoding="utf-8")
        keys = ("allocation.fairness_band",)
    elif damage == "unknown_key":
        full["levers"]["customers"]["cpa"] = 1.0
        base.write_text(toml_text(full), encoding="utf-8")
        keys = ("cpa",)
    elif damage == "deep":  # 40 links to the real base: fine
        prev = "base.toml"
        base.write_text(toml_text(full), encoding="utf-8")
        for i in range(40):
            link = ws.root / f"chain{i}.toml"
            link.write_text(toml_text({"base": prev, "name": f"chain{i}"}), encoding="utf-8")
            prev = link.name
        ws.scenario["base"] = prev
        refuse = False
    ws.notes.append(f"scenario.toml extends a base: {damage}")
    ws.only(*SCENARIO_COMMANDS)
    ws.expect(names, keys, refuse=refuse, label=f"bad_base_chain[{damage}]")


@mutation(weight=1)
def hostile_new_team(ws: Workspace) -> None:
    """``new_team = true`` hires for a team named like a formula or a path."""
    team = _choice(ws, FORMULAS + PATH_NAMES[:3])
    ws.scenario["hires"].append({"grade": "C", "team": team, "month": 3, "count": 3,
                                 "new_team": True})
    ws.notes.append(f"scenario.toml: [[hires]] team = {team!r}, new_team = true")
    if ws.fast:
        ws.only("plan")  # one team workbook per team: the file name is the test
    else:
        ws.only("plan", "compare")
    ws.expect([SCENARIO], ["hires[1]"], label=f"hostile_new_team[{team!r}]")


@mutation(weight=1)
def new_team_hires(ws: Workspace) -> None:
    """``new_team = true`` hires for a plain new team (the documented way to add one)."""
    ws.scenario["hires"].append({"grade": "C", "team": "T99", "month": 3, "count": 3,
                                 "new_team": True})
    ws.notes.append("scenario.toml: [[hires]] team = 'T99', new_team = true")
    if ws.fast:
        ws.only("drivers")
    else:
        ws.only("drivers", "plan")
    ws.expect([SCENARIO], ["hires[1]"], label="new_team_hires")


@mutation(weight=1)
def huge_hires(ws: Workspace) -> None:
    """Ten million hires, or a ramp of a year and a half."""
    choice = _choice(ws, (("hires", 0, "count"), ("allocation", "ramp_months")))
    value = 10_000_000 if choice[-1] == "count" else 30
    _set_key(ws.scenario, choice, value)
    key = key_label(choice)
    ws.notes.append(f"scenario.toml: {key} = {value}")
    ws.only("drivers", "plan")
    ws.expect([SCENARIO], [key], refuse=value > 100_000, label=f"huge_hires[{key}]")


@mutation(weight=2)
def shrinking_target(ws: Workspace) -> None:
    """A flat or shrinking target (multiple 0.5, 0.9, 1.0, or amount 1.0)."""
    value = _choice(ws, (0.5, 0.9, 1.0, "amount"))
    if value == "amount":
        ws.scenario["target"].pop("multiple")
        ws.scenario["target"]["amount"] = 1.0
    else:
        ws.scenario["target"]["multiple"] = value
    ws.notes.append(f"scenario.toml: target {value}")
    ws.only("drivers", "sweep", "plan")
    ws.expect([SCENARIO], label=f"shrinking_target[{value}]")


SOLVER_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("threads", 1), ("threads", 2), ("threads", 64), ("method", "ipm"), ("method", "choose"),
    ("time_limit", 1e-6), ("time_limit", 0.001),
)


@mutation(weight=1)
def solver_options(ws: Workspace) -> None:
    """Solver settings inside their documented ranges: 1 thread, 64, interior point, a
    time limit too short to solve anything (a clear refusal naming the limit, not a crash)."""
    key, value = _choice(ws, SOLVER_OPTIONS)
    ws.scenario["solver"][key] = value
    ws.notes.append(f"scenario.toml: solver.{key} = {_toml_value(value)}")
    if key == "threads":  # the drivers LPs take no threads; the allocation does
        ws.only("plan")
    else:
        ws.only("plan", "drivers")
    ws.expect([SCENARIO], [f"solver.{key}", "time limit", "time_limit"],
              label=f"solver_options[{key}={value}]")


# --- mapping files ----------------------------------------------------------------------

MAPPED_SALES = {"date": "Order Date", "seat": "Agent", "product": "Item", "segment": "Tag",
                "amount": "Value", "units": "Qty", "customer_id": "Client", "margin": "Profit"}


def _mapping_doc() -> dict[str, Any]:
    return {"sales": {"file": "orders.csv", "columns": dict(MAPPED_SALES),
                      "options": {"drop_duplicates": False}}}


MAPPING_DAMAGES = ("latin1", "invalid", "unknown_section", "unknown_key", "unknown_option",
                   "missing_column", "multiply_text", "bad_date_format", "missing_file",
                   "file_is_mapping", "file_absolute", "keep_top_negative", "keep_top_nan",
                   "keep_top_huge", "value_map_number", "value_map_formula", "directory",
                   "missing", "builtin_typo", "exclude_not_list", "derive_unknown",
                   "constant_formula", "utf16", "empty")


@mutation(weight=6)
def damaged_mapping(ws: Workspace) -> None:
    """A column mapping (for a renamed sales export) that is broken in one way."""
    sales = ws.file("sales")
    rows = _read_rows(sales)
    rows[0] = [MAPPED_SALES.get(c, c) for c in rows[0]]
    _write_rows(ws.root / DATA / "orders.csv", rows)
    sales.unlink()
    ws.tables.pop("sales", None)
    ws.notes.append("data/sales.csv renamed data/orders.csv with headers " +
                    ", ".join(f"{k}->{v}" for k, v in MAPPED_SALES.items()))
    damage = _choice(ws, MAPPING_DAMAGES)
    doc = _mapping_doc()
    columns = doc["sales"]["columns"]
    keys: tuple[str, ...] = ()
    names: tuple[str, ...] = (MAPPING,)
    refuse = True
    raw: bytes | None = None
    if damage == "latin1":
        raw = (toml_text(doc) + '# caf\u00e9\n').encode("latin-1")
    elif damage == "utf16":
        raw = toml_text(doc).encode("utf-16")
    elif damage == "empty":
        raw = b""
        names = (MAPPING, "sales")
    elif damage == "invalid":
        raw = (toml_text(doc) + "\n[sales.columns\n").encode()
    elif damage == "unknown_section":
        doc["salse"] = {"file": "orders.csv"}
        keys = ("salse",)
    elif damage == "unknown_key":
        doc["sales"]["colums"] = {}
        keys = ("colums",)
    elif damage == "unknown_option":
        doc["sales"]["options"]["drop_dupes"] = True
        keys = ("drop_dupes",)
    elif damage == "missing_column":
        columns["amount"] = "Amount"
        keys = ("Amount",)
        names = (MAPPING, "orders.csv")
    elif damage == "multiply_text":
        columns["amount"] = {"multiply": ["Value", "Agent"]}
        keys = ("Agent",)
        names = (MAPPING, "orders.csv")
    elif damage == "bad_date_format":
        fmt = _choice(ws, ("%Q-%d", "%d/%m/%Y", 5))
        doc["sales"]["options"]["date_format"] = fmt
        keys = ("date_format",)
        if fmt == "%d/%m/%Y":  # a good format the dates do not follow: the rows are wrong
            names, keys = (MAPPING, "orders.csv"), ("date_format", "Order Date")
    elif damage == "missing_file":
        doc["sales"]["file"] = "nope.csv"
        keys = ("nope.csv",)
    elif damage == "file_is_mapping":
        doc["sales"]["file"] = f"../{MAPPING}"
    elif damage == "file_absolute":
        doc["sales"]["file"] = "/etc/passwd"
        names = (MAPPING, "passwd")
    elif damage in ("keep_top_negative", "keep_top_nan", "keep_top_huge"):
        n = {"keep_top_negative": -3, "keep_top_nan": math.nan,
             "keep_top_huge": 10**30}[damage]
        doc["sales"]["options"]["keep_top"] = {"product": n}
        keys = ("keep_top",)
        refuse = damage != "keep_top_huge"
    elif damage == "value_map_number":
        doc["sales"]["values"] = {"product": {"BANK_WM": 5}}
        keys = ("BANK_WM", "values", "'5'")
        names = (MAPPING, "orders.csv")
    elif damage == "value_map_formula":  # the product renamed by the mapping, everywhere
        doc["sales"]["values"] = {"product": {"BANK_WM": FORMULAS[0]}}
        _rename_values(ws, "products", "product", "BANK_WM", FORMULAS[0])
        ws.scenario["levers"]["repurchase_best"]["products"] = [FORMULAS[0]]
        names = (MAPPING, "orders.csv", "products.csv", SCENARIO)
        refuse = False
    elif damage == "constant_formula":  # every sale in one segment named like a formula
        columns["segment"] = {"value": FORMULAS[1]}
        ws.scenario["levers"]["repurchase_best"]["segments"] = ["*"]
        names = (MAPPING, "orders.csv", "customers.csv", SCENARIO)
        refuse = False
    elif damage == "exclude_not_list":
        doc["sales"]["options"]["exclude"] = {"product": "BANK_WM"}
        keys = ("exclude",)
    elif damage == "derive_unknown":
        doc["seats"] = {"derive": {"team": "Nope"}}
        keys = ("Nope", "derive")
    path = ws.root / MAPPING
    if damage == "directory":
        path.mkdir()
    elif damage == "builtin_typo":
        path = Path("superstor")
        names = ("superstor",)
    elif damage != "missing":
        path.write_bytes(raw if raw is not None else toml_text(doc).encode())
    ws.mapping = path.name
    ws.notes.append(f"{MAPPING}: {damage.replace('_', ' ')}")
    if ws.rng.random() < 0.5:
        ws.only("baselines-data")
    else:
        ws.scenario["data"]["mapping"] = path.name
        ws.only("drivers", "baselines")
    ws.expect(names, keys, refuse=refuse, label=f"damaged_mapping[{damage}]")


# --- command-line arguments --------------------------------------------------------------

OUT_TARGETS = ("data", "scenario", "inside_data", "contains_data", "mapping", "base",
               "user_folder", "existing_file", "under_file", "link_to_data", "dotdot_data",
               "history_file", "empty_user_folder", "planner_folder", "planner_folder_user_file")


def _make_planner_folder(folder: Path) -> None:
    """A folder that looks like one planner wrote (its manifest and one file)."""
    from planner import names as n

    folder.mkdir()
    (folder / "plan.csv").write_text("team,amount\n", encoding="utf-8")
    manifest = {"planner": "output", "command": "drivers", "version": "0",
                "state": "complete", "files": ["plan.csv"]}
    (folder / n.OUTPUT_MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


@mutation(weight=8)
def bad_out(ws: Workspace) -> None:
    """``--out`` at an input, inside or around one, at a user's folder or file."""
    target = _choice(ws, OUT_TARGETS)
    force = ws.rng.random() < 0.6
    kinds: tuple[str, ...] = ("plan", "drivers", "baselines", "baselines-data", "sweep",
                              "compare", "sample-data")
    if ws.fast and target in ("inside_data", "empty_user_folder", "planner_folder",
                              "planner_folder_user_file"):
        kinds = ("drivers", "baselines", "baselines-data", "sweep")  # may run: cheap ones
    kind = _choice(ws, kinds)
    out = {"data": DATA, "scenario": SCENARIO, "inside_data": f"{DATA}/out",
           "contains_data": ".", "mapping": MAPPING, "base": SCENARIO,
           "user_folder": "mine", "existing_file": "notes.txt", "under_file": "notes.txt/out",
           "link_to_data": "link", "dotdot_data": f"{DATA}/../{DATA}",
           "history_file": f"{DATA}/sales.csv", "empty_user_folder": "empty",
           "planner_folder": "old_out", "planner_folder_user_file": "old_out"}[target]
    refuse = True
    if target == "mapping":
        (ws.root / MAPPING).write_text('[sales]\nfile = "sales.csv"\n', encoding="utf-8")
        ws.mapping = MAPPING
        if kind in ("sample-data",):
            kind = "baselines-data"
    if target == "base":  # run the child scenario; --out is its base
        kind = kind if kind in ("plan", "drivers", "baselines", "sweep") else "drivers"
    if target == "user_folder":
        (ws.root / out).mkdir()
        (ws.root / out / "thesis.docx").write_bytes(b"my work")
    if target in ("existing_file", "under_file"):
        (ws.root / "notes.txt").write_text("my notes\n", encoding="utf-8")
    if target == "link_to_data":
        (ws.root / out).symlink_to(DATA)
    if target == "empty_user_folder":
        (ws.root / out).mkdir()
        refuse = False
    if kind == "sample-data" and target == "inside_data":  # sample-data reads nothing
        refuse = False
    replaceable: tuple[str, ...] = ()
    if target.startswith("planner_folder"):
        _make_planner_folder(ws.root / out)
        refuse = not force
        replaceable = (out,) if force else ()
    if target == "planner_folder_user_file":  # the user saved a file into it since
        (ws.root / out / "my_edits.xlsx").write_bytes(b"my edits")
        replaceable = tuple(f"{out}/{f}" for f in ("plan.csv", ".planner-output.json"))
    argv = ws.command(kind) if kind != "sample-data" else ["sample-data", "new_sample"]
    if target == "base":
        argv[1] = SCENARIO_B
    if kind == "sample-data":
        argv[1] = out
    else:
        argv[argv.index("--out") + 1] = out
    if force:
        argv.append("--force")
    ws.argv = argv
    ws.out = out
    ws.replaceable = replaceable
    ws.notes.append(f"--out {out} ({target.replace('_', ' ')}){' --force' if force else ''}")
    flag = "folder" if kind == "sample-data" else "--out"
    ws.expect([flag, out.rstrip("/").split("/")[-1]], refuse=refuse,
              label=f"bad_out[{kind}:{target}{':force' if force else ''}]")


BAD_MULTIPLES = ("1:12:0.0000001", "1:1e9:1e-9", "nan:inf:1", "-5", "0", "1:2:0", "1:2:-1",
                 "a:b:c", "", "1e308:1e309:1", "inf", "1:2:0.5:7", "1:3:nan", "9" * 400)
#: Odd but possibly fine: a range that is empty, short, or tiny, or written loosely.
ODD_MULTIPLES = ("2:1:0.5", "1:12", " 1 : 2 ", "1,2,3", "0.000001:0.000002:0.0000001")


@mutation(weight=4)
def bad_sweep_range(ws: Workspace) -> None:
    """``sweep --multiples`` that is endless, enormous, non-finite, negative or garbage."""
    value = _choice(ws, BAD_MULTIPLES + ODD_MULTIPLES)
    ws.argv = ["sweep", SCENARIO, "--multiples", value, "--out", OUT]
    ws.notes.append(f"--multiples {value!r}")
    ws.expect(["--multiples"], [value] if value.strip() else [],
              refuse=value in BAD_MULTIPLES, label=f"bad_sweep_range[{value!r}]")


BAD_VARY = ("productivity", "=1:2:1", "nope=1:2:1", "productivity=nan:1:1",
            "productivity=-5:1:1", "productivity=1:2:0", "productivity=1:1e9:1e-9",
            "productivity=1:2", "productivity==1:2:1", "customers=-1:0:0.5",
            "productivity=1:2:1,ticket=1:2:1", "productivity=inf:inf:1")


@mutation(weight=3)
def bad_sweep_vary(ws: Workspace) -> None:
    """``sweep --vary`` that names no lever, an unknown one, or a bad range."""
    value = _choice(ws, BAD_VARY)
    ws.argv = ["sweep", SCENARIO, "--multiples", "1:2:1", "--vary", value, "--out", OUT]
    ws.notes.append(f"--vary {value!r}")
    ws.expect(["--vary"], [], refuse=True, label=f"bad_sweep_vary[{value!r}]")


COMPARE_SETS = ("bad_third", "missing_third", "latin1_second", "same_file_twice",
                "all_unreachable", "one_unreachable", "same_name", "five")


@mutation(weight=3)
def compare_many(ws: Workspace) -> None:
    """``compare`` with several scenarios, one of them broken or out of reach."""
    # a fast list runs the sets that stop before planning (and the one all out of reach)
    what = _choice(ws, COMPARE_SETS[:3] + COMPARE_SETS[4:5] + COMPARE_SETS[-1:] if ws.fast
                   else COMPARE_SETS)
    third = ws.root / "scenario_c.toml"
    names: tuple[str, ...] = ("scenario_c.toml",)
    keys: tuple[str, ...] = ()
    refuse = True
    files = [SCENARIO, SCENARIO_B, third.name]
    if what == "bad_third":
        third.write_text(toml_text({"base": SCENARIO, "name": "c",
                                    "hires": [{"grade": "Z", "team": "T99", "month": 1,
                                               "count": 1}]}), encoding="utf-8")
        keys = ("hires[0]",)
    elif what == "missing_third":
        pass
    elif what == "latin1_second":
        third.write_bytes('name = "caf\u00e9"\nbase = "scenario.toml"\n'.encode("latin-1"))
    elif what == "same_file_twice":
        files = [SCENARIO, SCENARIO]
        refuse = False
    elif what == "all_unreachable":
        ws.scenario["target"]["multiple"] = 50.0
        (ws.root / SCENARIO_B).write_text(toml_text(
            {"base": SCENARIO, "name": "fuzz_b", "target": {"multiple": 60.0}}), "utf-8")
        files = [SCENARIO, SCENARIO_B]
        refuse = False
    elif what == "one_unreachable":
        third.write_text(toml_text({"base": SCENARIO, "name": "c",
                                    "target": {"multiple": 80.0}}), encoding="utf-8")
        refuse = False
    elif what == "same_name":
        third.write_text(toml_text({"base": SCENARIO, "name": "fuzz",
                                    "target": {"multiple": 1.1}}), encoding="utf-8")
        refuse = False
    elif what == "five":
        files = [SCENARIO, SCENARIO_B, "nope1.toml", "nope2.toml", "nope3.toml"]
        names = ("nope1.toml", "nope2.toml", "nope3.toml")
    ws.argv = ["compare", *files, "--out", OUT]
    ws.notes.append(f"compare {' '.join(files)} ({what.replace('_', ' ')})")
    ws.expect(names, keys, refuse=refuse, label=f"compare_many[{what}]")


BAD_ARGS = (
    (("baselines", "--data", DATA, "--window-end", "2026-13-01", "--out", OUT), "--window-end"),
    (("baselines", "--data", DATA, "--window-end", "9999-12-31", "--out", OUT), "--window-end"),
    (("baselines", "--data", DATA, "--window-end", "1900-01-01", "--out", OUT), "--window-end"),
    (("baselines", "--data", DATA, "--window-end", "yesterday", "--out", OUT), "--window-end"),
    (("baselines", "--out", OUT), "--data"),
    (("baselines", "--data", "no_such_dir", "--out", OUT), "no_such_dir"),
    (("baselines", "--data", f"{DATA}/sales.csv", "--out", OUT), "sales.csv"),
    (("plan", SCENARIO, "--out", OUT, "--lang", "fr"), "--lang"),
    (("plan", "no_such.toml", "--out", OUT), "no_such.toml"),
    (("plan", DATA, "--out", OUT), DATA),
    (("drivers", SCENARIO), "--out"),
    (("sample-data", "s1", "--seed", "-1"), "--seed"),
    (("sample-data", "s1", "--seed", str(2**70)), "--seed", False),
    (("sample-data", "s1", "--seed", "x"), "--seed"),
    (("sample-data", "s1", "--format", "xlsx"), "--format"),
    (("sample-data", DATA), DATA),
    (("sample-data", f"{DATA}/sales.csv"), "sales.csv"),
    (("sample-data", f"{DATA}/new"), DATA, False),  # a new folder: sample-data reads nothing
    (("nosuchcommand",), "nosuchcommand"),
    (("plan", "--out", OUT), "scenario"),
)


@mutation(weight=3)
def bad_arguments(ws: Workspace) -> None:
    """Arguments a careless user types: bad dates, seeds, formats, paths, commands."""
    argv, flag, *accepted = _choice(ws, BAD_ARGS)
    ws.argv = list(argv)
    ws.out = next((argv[i + 1] for i, a in enumerate(argv) if a == "--out"),
                  argv[1] if argv[0] == "sample-data" else None)
    ws.notes.append("arguments: " + " ".join(argv))
    ws.expect([flag], refuse=not accepted, label=f"bad_arguments[{' '.join(argv)[:60]}]")


# --- generation and materialisation --------------------------------------------------------

def generate(count: int, seed: int = 0, fast: bool = False) -> list[Case]:
    """Return ``count`` cases: every mutation once (when ``count`` allows), then by weight.

    ``fast`` draws the cases the test suite runs (see :attr:`Case.fast`).

    Examples
    --------
    >>> cases = generate(len(MUTATIONS), seed=1)
    >>> sorted(c.mutation for c in cases) == sorted(MUTATIONS)
    True
    >>> generate(5, seed=1) == generate(5, seed=1)
    True
    """
    rng = random.Random(seed)
    names = sorted(MUTATIONS)
    picks = names[:count] if count < len(names) else list(names)
    rng.shuffle(picks)
    weights = [FAST_WEIGHTS.get(n, WEIGHTS[n]) if fast else WEIGHTS[n] for n in names]
    picks += rng.choices(names, weights=weights, k=max(0, count - len(picks)))
    return [Case(seed, i, name, fast) for i, name in enumerate(picks)]


def materialise(case: Case, base: Path, root: Path) -> Setup:
    """Copy the base into ``root`` (empty or missing), apply the mutation, return the setup."""
    shutil.copytree(base, root, symlinks=True, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("full"))
    ws = Workspace(root, case.rng(), fast=case.fast)
    ws.label = case.mutation
    MUTATIONS[case.mutation](ws)
    ws.flush()
    if ws.argv is None:
        kinds = list(ws.commands)
        table = FAST_COMMAND_WEIGHTS if case.fast else COMMAND_WEIGHTS
        kind = ws.rng.choices(kinds, weights=[table[k] for k in kinds])[0]
        ws.argv = ws.command(kind)
    return Setup(case, root, tuple(ws.argv), ws.out, ws.names, ws.keys, ws.refuse, ws.label,
                 tuple(ws.notes), ws.replaceable)


# --- running, snapshots, findings -----------------------------------------------------------

@dataclass(frozen=True)
class Result:
    """What a run printed and returned (``status`` None: it hit the time limit)."""

    status: int | None
    stdout: str
    stderr: str
    seconds: float


class Hang(BaseException):
    """Raised by the alarm of :func:`run_case` (a BaseException: the CLI must not eat it)."""


@contextlib.contextmanager
def _alarm(seconds: float | None) -> Iterator[None]:
    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def ring(signum: int, frame: object) -> None:
        raise Hang(f"over {seconds} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_case(setup: Setup, timeout: float | None = 60.0) -> Result:
    """Run the case's command in-process from its folder, with a time limit.

    Anything written to ``sys.stdout``/``sys.stderr`` directly (argparse's usage errors,
    a library's banner) is captured and added to the CLI's own streams.
    """
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    start = time.perf_counter()
    status: int | None = None
    stdout = stderr = ""
    try:
        os.chdir(setup.root)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _alarm(timeout):
            run = run_cli(*setup.argv)
        status, stdout, stderr = run.status, run.stdout, run.stderr
    except Hang:
        status = None
    finally:
        os.chdir(cwd)
    return Result(status, stdout + out.getvalue(), stderr + err.getvalue(),
                  time.perf_counter() - start)


Snapshot = dict[str, tuple[str, ...]]


def _hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def snapshot(root: Path) -> Snapshot:
    """Every path under ``root``: files by hash, links by target, folders, others by kind."""
    seen: Snapshot = {}
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            rel = os.path.relpath(entry.path, root)
            if entry.is_symlink():
                seen[rel] = ("link", os.readlink(entry.path))
            elif entry.is_dir(follow_symlinks=False):
                seen[rel] = ("dir",)
                stack.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                seen[rel] = ("file", _hash(Path(entry.path)))
            else:
                seen[rel] = ("other",)
    return seen


def _under(rel: str, folder: str | None) -> bool:
    if folder is None:
        return False
    folder = os.path.normpath(folder)
    return folder == "." or rel == folder or rel.startswith(folder + os.sep)


@dataclass(frozen=True)
class Finding:
    """One thing a case got wrong.

    ``kind`` is one of ``crash`` (exit status other than 0, 2, 3), ``hang``,
    ``traceback``, ``unnamed_refusal`` (exit 2 naming no file or flag, or no key or row
    where one applies), ``unnamed_unreachable`` (the same on exit 3), ``data_loss``,
    ``stray_write`` (a path outside ``--out``, or any path on exit 2), ``formula``
    (``count`` formula cells from user text) or ``accepted_bad`` (plainly invalid input
    accepted with exit 0).
    """

    kind: str
    detail: str
    count: int = 1


def refusal_text(result: Result) -> str:
    """The error lines of a run (everything on stderr but progress and warnings)."""
    lines = [line for line in result.stderr.splitlines()
             if not line.startswith("planner: WARNING")
             and not (line.startswith("planner: ") and "error" not in line)]
    return "\n".join(lines)


def formula_cells(path: Path, marker: str = MARKER) -> list[str]:
    """Cells of an .xlsx file that hold a formula containing ``marker`` (``sheet!A1``)."""
    import openpyxl

    found = []
    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", None) != "f":
                        continue
                    value = cell.value
                    text = getattr(value, "text", value)
                    if marker in str(text):
                        found.append(f"{path.name}!{sheet.title}!{cell.coordinate}")
    finally:
        book.close()
    return found


def judge(setup: Setup, result: Result, before: Snapshot, after: Snapshot,
          outer: Path | None = None) -> list[Finding]:
    """List what the run got wrong (see :class:`Finding`).

    ``before``/``after`` are snapshots of ``outer`` (the folder holding the case folder,
    so a write next to it is seen too) or, by default, of the case folder.
    """
    findings: list[Finding] = []
    top = outer or setup.root
    prefix = os.path.relpath(setup.root, top)

    def in_case(rel: str | None) -> str | None:
        if rel is None:
            return None
        return os.path.normpath(os.path.join(prefix, rel))

    if result.status is None:
        findings.append(Finding("hang", f"over the time limit after {result.seconds:.1f} s"))
    elif result.status not in ALLOWED_STATUS:
        findings.append(Finding("crash", f"exit {result.status}: "
                                f"{refusal_text(result)[-600:] or result.stderr[-600:]}"))
    if "Traceback (most recent call last)" in result.stdout + result.stderr:
        findings.append(Finding("traceback", result.stderr[-1500:]))
    text = refusal_text(result)
    if result.status in (2, 3):
        unnamed = "unnamed_refusal" if result.status == 2 else "unnamed_unreachable"
        if setup.names and not any(n in text for n in setup.names):
            findings.append(Finding(unnamed, f"exit {result.status}, names none of "
                                    f"{list(setup.names)}: {text[:600]}"))
        elif setup.keys and not any(k in text for k in setup.keys):
            findings.append(Finding(unnamed, f"exit {result.status}, names no key of "
                                    f"{list(setup.keys)}: {text[:600]}"))
    if result.status == 0 and setup.refuse:
        findings.append(Finding("accepted_bad", f"exit 0 for input that must be refused; "
                                f"stdout: {result.stdout[:300]!r}"))
    replaceable = [in_case(r) for r in setup.replaceable]
    lost = [p for p, v in before.items()
            if after.get(p) != v and not any(_under(p, r) for r in replaceable)]
    if lost:
        findings.append(Finding("data_loss", "changed or deleted: " + ", ".join(sorted(lost)[:8]),
                                len(lost)))
    out = in_case(setup.out) if result.status in (0, 3) else None
    if result.status is not None:
        new = [p for p in after if p not in before and not _under(p, out)]
        if new:
            findings.append(Finding("stray_write", "written outside --out: " +
                                    ", ".join(sorted(new)[:8]), len(new)))
    cells: list[str] = []
    for rel, value in after.items():
        if rel.endswith(".xlsx") and value[0] == "file" and before.get(rel) != value:
            try:
                cells += formula_cells(top / rel)
            except Exception as exc:  # noqa: BLE001 - a workbook we cannot open is a finding
                findings.append(Finding("crash", f"unreadable workbook {rel}: {exc!r}"))
    if cells:
        findings.append(Finding("formula", ", ".join(cells[:8]), len(cells)))
    return findings


# --- reproductions ---------------------------------------------------------------------------

def _describe_bytes(data: bytes) -> str:
    return f"{len(data)} bytes, starting {data[:80]!r}"


def _changes(base: Path, root: Path, out: str | None) -> list[str]:
    """Every input under ``root`` that differs from ``base``, as diffs or byte previews."""
    lines: list[str] = []
    old, new = snapshot(base), snapshot(root)
    for rel in sorted(set(old) | set(new)):
        if rel.startswith("full") or (out and _under(rel, out) and rel not in old):
            continue
        a, b = old.get(rel), new.get(rel)
        if a == b:
            continue
        if b is None:
            lines.append(f"--- {rel}: deleted")
        elif b[0] != "file":
            lines.append(f"--- {rel}: {b[0]}{' -> ' + b[1] if b[0] == 'link' else ''}")
        else:
            data = (root / rel).read_bytes()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                lines.append(f"--- {rel}: not UTF-8, {_describe_bytes(data)}")
                continue
            if a is None or rel.endswith(".toml"):
                shown = text if len(text) < 4000 else text[:4000] + "...(cut)"
                lines.append(f"--- {rel} ({'new' if a is None else 'changed'}):\n{shown}")
                continue
            before = (base / rel).read_text(encoding="utf-8").splitlines()
            diff = list(difflib.unified_diff(before, text.splitlines(), f"base/{rel}", rel,
                                             n=0, lineterm=""))
            if len(diff) > 24:
                diff = diff[:24] + [f"... ({len(diff) - 24} more diff lines)"]
            lines.append("\n".join(diff) if diff else f"--- {rel}: {_describe_bytes(data)}")
    return lines


def reproduction(setup: Setup, base: Path, result: Result | None = None,
                 findings: Sequence[Finding] = ()) -> str:
    """A minimal reproduction of a case: mutation, seed, command, changed inputs, output."""
    case = setup.case
    parts = [
        f"case {case.id}: {setup.label} (seed={case.seed}, index={case.index})",
        f"replay: python tests/fuzz_cases.py --seed {case.seed} --index {case.index} "
        f"--mutation {case.mutation}{' --fast' if case.fast else ''} --into DIR --run",
        f"$ cd {setup.root} && {setup.command_line()}",
        "what changed: " + "; ".join(setup.notes),
        *_changes(base, setup.root, setup.out),
    ]
    if result is not None:
        parts.append(f"exit status: {result.status} ({result.seconds:.2f} s)")
        parts.append("stderr:\n" + result.stderr[-2000:])
        if result.stdout.strip():
            parts.append("stdout:\n" + result.stdout[-800:])
    for f in findings:
        parts.append(f"FINDING {f.kind}: {f.detail}")
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Write one case into a folder and print its command (replay a reported case)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--index", type=int, required=True)
    p.add_argument("--mutation", help="the mutation (default: the one generated at --index)")
    p.add_argument("--into", type=Path, required=True, help="empty folder to write the case in")
    p.add_argument("--fast", action="store_true", help="a case of the test suite's list")
    p.add_argument("--run", action="store_true", help="also run it and print the findings")
    args = p.parse_args(argv)
    mutation_name = args.mutation or generate(args.index + 1, args.seed,
                                              args.fast)[args.index].mutation
    case = Case(args.seed, args.index, mutation_name, args.fast)
    base = write_base(args.into / "_base")
    setup = materialise(case, base, args.into / "case")
    if not args.run:
        print(reproduction(setup, base))
        return 0
    before = snapshot(args.into / "case")
    result = run_case(setup)
    findings = judge(setup, result, before, snapshot(args.into / "case"))
    print(reproduction(setup, base, result, findings))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
