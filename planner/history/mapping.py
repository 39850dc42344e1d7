"""Column mappings: how a user's history files become the canonical tables.

A mapping is a TOML file with up to four sections, one per table (``sales``, ``seats``,
``products``, ``customers``). Every section and key is optional; a missing section means
"the file ``<table>.csv`` / ``.csv.gz`` / ``.parquet`` / ``.xlsx`` in the data directory,
with canonical column names" (see :mod:`planner.names`). Paths are relative to the data
directory.

.. code-block:: toml

    [sales]
    file = "online_retail.csv.gz"
    [sales.columns]        # canonical name = source column, or an expression table
    date = "InvoiceDate"
    seat = "Country"
    product = "StockCode"
    units = "Quantity"
    amount = { multiply = ["Quantity", "UnitPrice"] }  # product of source columns
    segment = { value = "all" }                          # a constant
    customer_id = { column = "CustomerID" }              # same as "CustomerID"
    [sales.values.product]  # value map, applied after column mapping: old = "new"
    "85123A" = "HEART_HOLDER"
    [sales.options]
    returns = true              # negative amounts/units are returns: kept (netted), counted
    drop_duplicates = true      # exact duplicate source rows are dropped and counted
    exclude = { product = ["POST", "M"] }        # drop rows with these values, counted
    exclude_prefix = { InvoiceNo = ["A"] }       # drop rows whose value starts with these
    keep_top = { product = 40, other = "OTHER" } # keep the 40 largest by amount, group the rest
    drop_missing = ["customer_id"]  # drop rows missing these (default: missing is allowed)
    date_format = "%Y-%m-%d"        # strptime format (default: ISO 8601 dates)

    [seats]          # no file: seats are derived from sales, one per seat value
    derive = { team = "Country", grade = { value = "all" } }

    [products]       # e.g. file = "catalogue.xlsx", [products.columns]; also [customers]
    derive = { name = "Description" }   # display names from a sales column

Canonical columns not listed in ``columns`` are read from a source column of the same
name when the file has one; optional canonical columns that are absent get defaults
(segment "all", units 1 per row, customer id missing, margin NaN, a product's ``name``
its code, ...). Without a seats or products file, both are derived from sales (products:
variable ticket, margin tier from the terciles of the margin rate when margins are known,
else "standard"). Other tables' options accept only ``date_format``.

Text columns (seat, team, grade, product, segment, name, team_name, ...) may also come
from a **value map** or **numeric bins** of a column:

.. code-block:: toml

    # team from the country: listed values are mapped, every other value is "ROW"
    team = { column = "Country", map = { "United Kingdom" = "UK", France = "EU" },
             default = "ROW" }
    # segment from each customer's total spend: S below 100, M below 1000, L from 1000
    segment = { column = "amount", per = "customer_id", bins = [0, 100, 1000],
                labels = ["S", "M", "L"], default = "unknown" }

``column`` names a canonical column of the same table (after its own mapping: ``amount``
is the mapped amount) or else a column of the file. A map without ``default`` keeps
unlisted values as they are; with one, every unlisted or missing value becomes the
default. ``bins`` are increasing lower edges, one label each (the last range is open);
with one label fewer than edges the last edge closes the last range. ``per`` sums the
column over the rows sharing that key (a customer's spend) before binning. A value below
the first edge (or above a closed last edge), or missing, takes the ``default``; without
one it is a problem in the data.

Keys of ``exclude`` / ``exclude_prefix`` name a canonical column (its source column is
used) or else a column of the file; values are compared with the file's values, before
value maps. ``keep_top`` applies to ``product`` or ``segment``, after value maps. With a
products file, ``keep_top`` on products keeps the file's rows of the kept products and of
the catch-all (``other``; added with defaults when the file does not describe it); rows of
grouped products are left out, and kept products the file does not list are described as
if derived from sales (noted in the load report).

``derive`` builds columns from the sales file: in ``[seats]`` (only without a seats file)
it builds the seats table, one seat per seat value: ``team``, ``grade`` and
``team_name`` are a canonical sales column, a source column of the sales file, an
earlier derived key (``team`` for ``team_name``), a constant, a map or bins; by default
team = seat and grade = "all". Each seat starts on its first sale and has no end date. In
``[products]`` (with or without a products file) ``name`` gives each product the most
frequent value of that sales column among its rows; a products file's own names win.

Every problem of a mapping file is reported at once, each naming the file and the key.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from planner import names
from planner.errors import MappingError

MULTIPLY = "multiply"
COLUMN = "column"
VALUE = "value"
MAP = "map"
BINS = "bins"
DEFAULT = "default"
LABELS = "labels"
PER = "per"
SPEC_KEYS = (COLUMN, MULTIPLY, VALUE, MAP, DEFAULT, BINS, LABELS, PER)
SECTION_KEYS = ("file", "columns", "values", "options", "derive")
SALES_OPTIONS = ("returns", "drop_duplicates", "exclude", "exclude_prefix", "keep_top",
                 "drop_missing", "date_format")
OTHER_OPTIONS = ("date_format",)
#: Keys of ``derive`` per table (seats: without a seats file; products: names from sales).
DERIVE_KEYS: dict[str, tuple[str, ...]] = {
    "seats": (names.TEAM, names.GRADE, names.TEAM_NAME),
    "products": (names.NAME,),
}
KEEP_TOP_COLUMNS = (names.PRODUCT, names.SEGMENT)
TABLE_COLUMNS: dict[str, tuple[str, ...]] = dict(zip(names.TABLES, (
    names.SALES_COLUMNS, (*names.SEATS_COLUMNS, names.TEAM_NAME),
    names.PRODUCTS_COLUMNS, names.CUSTOMERS_COLUMNS,
), strict=True))
DEFAULT_OTHER = "OTHER"
DATE_COLUMNS = (names.DATE, names.START_DATE, names.END_DATE, names.MONTH)
TEXT_COLUMNS = (
    names.SEAT, names.TEAM, names.GRADE, names.PRODUCT, names.SEGMENT, names.CUSTOMER_ID,
    names.TICKET_MODE, names.MARGIN_TIER, names.NAME, names.TEAM_NAME,
)
SPEC_HINT = ('must be a source column name ("Col"), { column = "Col" }, '
             '{ multiply = ["A", "B"] }, { value = "constant" }, '
             '{ column = "Col", map = { old = "new" }, default = "X" } or '
             '{ column = "Col", bins = [0, 100], labels = ["low", "high"] }')


@dataclass(frozen=True)
class ColumnSpec:
    """How one canonical column is obtained from a source file.

    Attributes
    ----------
    kind : str
        ``"column"`` (one source column), ``"multiply"`` (product of source columns),
        ``"value"`` (a constant), ``"map"`` (a value map of a column) or ``"bins"``
        (numeric ranges of a column, optionally summed per key).
    sources : tuple of str
        Source column names (empty for a constant); for a map or bins, the column
        mapped or binned (a canonical column of the table, or else a source column).
    value : object
        The constant for ``kind == "value"``.
    mapping : dict of str to str
        A map's ``old value -> new value``.
    default : str or None
        A map's or bins' value for everything else (None: a map keeps unlisted values,
        bins refuse values outside the edges).
    bins : tuple of float
        Increasing lower edges of the ranges.
    labels : tuple of str
        One label per range (as many as edges, or one fewer: the last edge closes).
    per : str or None
        Bins: sum the column over the rows sharing this column's value first.
    """

    kind: str
    sources: tuple[str, ...] = ()
    value: Any = None
    mapping: dict[str, str] = field(default_factory=dict)
    default: str | None = None
    bins: tuple[float, ...] = ()
    labels: tuple[str, ...] = ()
    per: str | None = None

    @property
    def label(self) -> str:
        """Name shown to the user for this column (the source column or the expression)."""
        if self.kind == VALUE:
            return repr(self.value)
        return " * ".join(self.sources)

    @property
    def reads(self) -> tuple[str, ...]:
        """Every column the spec reads (its sources and a bins' ``per`` key)."""
        return (*self.sources, self.per) if self.per else self.sources

    @property
    def derived(self) -> bool:
        """True for a map or bins (computed after the table's plain columns)."""
        return self.kind in (MAP, BINS)


@dataclass(frozen=True)
class KeepTop:
    """Keep the ``n`` largest values of ``column`` by amount, group the rest as ``other``."""

    column: str
    n: int
    other: str = DEFAULT_OTHER


@dataclass(frozen=True)
class Options:
    """Cleaning options of a table (see the module docstring); only sales use most."""

    returns: bool = False
    drop_duplicates: bool = False
    exclude: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude_prefix: dict[str, tuple[str, ...]] = field(default_factory=dict)
    keep_top: KeepTop | None = None
    drop_missing: tuple[str, ...] = ()
    date_format: str | None = None


@dataclass(frozen=True)
class TableMapping:
    """Mapping of one table: its file, columns, value maps and options.

    Attributes
    ----------
    table : str
        Table name (one of :data:`planner.names.TABLES`).
    file : str or None
        File path relative to the data directory; None means ``<table>.<suffix>``.
    columns : dict of str to ColumnSpec
        Canonical column -> how to obtain it (unlisted columns: same-named source column).
    values : dict of str to dict
        Canonical column -> {old value: new value}.
    options : Options
        Cleaning options.
    derive : dict of str to ColumnSpec or None
        Seats: derive the table from sales instead of reading a file. Products: names
        from a sales column (with or without a products file).
    """

    table: str
    file: str | None = None
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    options: Options = field(default_factory=Options)
    derive: dict[str, ColumnSpec] | None = None


@dataclass(frozen=True)
class DatasetMapping:
    """Mappings of all four tables (defaults for those the TOML does not mention)."""

    tables: dict[str, TableMapping]
    source: str = "default mapping"

    def __getitem__(self, table: str) -> TableMapping:
        """Return the mapping of ``table``."""
        return self.tables.get(table) or TableMapping(table)


def problems_error(source: str, problems: Sequence[str]) -> MappingError:
    """Return one MappingError listing every problem (each names the file and the key).

    Examples
    --------
    >>> print(problems_error("m.toml", ["m.toml: [sales] a", "m.toml: [seats] b"]))
    2 problems in mapping file m.toml:
      m.toml: [sales] a
      m.toml: [seats] b
    """
    if len(problems) == 1:
        return MappingError(problems[0])
    lines = "\n".join(f"  {p}" for p in problems)
    return MappingError(f"{len(problems)} problems in mapping file {source}:\n{lines}")


def default_mapping() -> DatasetMapping:
    """Return the mapping used without a mapping file: canonical files and columns."""
    return DatasetMapping({t: TableMapping(t) for t in names.TABLES})


def builtin_mapping(name: str) -> Path:
    """Return the path of the builtin mapping ``planner/history/mappings/<name>.toml``.

    Raises
    ------
    MappingError
        When there is no builtin mapping of that name (the message lists them).
    """
    path = Path(str(resources.files("planner.history").joinpath("mappings", f"{name}.toml")))
    if not path.is_file():
        known = ", ".join(builtin_names()) or "none"
        raise MappingError(f"no builtin mapping named {name!r}; use one of: {known}")
    return path


def builtin_names() -> list[str]:
    """Return the names of the builtin mappings."""
    folder = resources.files("planner.history").joinpath("mappings")
    found = folder.iterdir() if folder.is_dir() else []
    return sorted(p.name[:-5] for p in found if p.name.endswith(".toml"))


def resolve_mapping(mapping: DatasetMapping | Path | str | None) -> DatasetMapping:
    """Return ``mapping`` as a DatasetMapping (file path, builtin name or None)."""
    if mapping is None:
        return default_mapping()
    if isinstance(mapping, DatasetMapping):
        return mapping
    path = Path(mapping)
    if path.is_file():
        return load_mapping(path)
    if isinstance(mapping, str) and mapping in builtin_names():
        return load_mapping(builtin_mapping(mapping))
    if path.is_dir():
        raise MappingError(f"mapping file {str(mapping)!r} is a folder; give a .toml file or "
                           f"a builtin mapping name ({', '.join(builtin_names())})")
    if path.is_symlink():
        raise MappingError(f"mapping file {str(mapping)!r} is a link to "
                           f"{str(path.readlink())!r}, which does not exist; fix the link")
    raise MappingError(f"mapping file {str(mapping)!r} not found; give a .toml file or a "
                       f"builtin mapping name ({', '.join(builtin_names())})")


def load_mapping(path: Path | str) -> DatasetMapping:
    """Read and validate a mapping TOML file.

    Parameters
    ----------
    path : Path or str
        The ``.toml`` file.

    Returns
    -------
    DatasetMapping

    Raises
    ------
    MappingError
        When the file is missing or invalid; the message lists every problem, each
        naming the file, the key and the fix.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"cannot read mapping file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise MappingError(f"{path.name}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
                           f"on line {line}); save the mapping file as UTF-8") from exc
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path.name}: not valid TOML ({exc}); fix the syntax") from exc
    return parse_mapping(doc, source=path.name)


def parse_mapping(doc: dict[str, Any], source: str = "mapping") -> DatasetMapping:
    """Validate a parsed mapping document (see :func:`load_mapping`).

    Raises
    ------
    MappingError
        Listing every problem of the document at once.
    """
    p = _Problems(source)
    p.known_keys(doc, names.TABLES, "the top level")
    tables = {}
    for table in names.TABLES:
        section = doc.get(table, {})
        where = f"[{table}]"
        if not p.expect(isinstance(section, dict), where, "must be a table"):
            continue
        allowed = SECTION_KEYS if table in DERIVE_KEYS else SECTION_KEYS[:4]
        p.known_keys(section, allowed, where)
        tables[table] = _parse_table(table, section, p)
    if p.lines:
        raise problems_error(source, p.lines)
    return DatasetMapping(tables, source)


class _Problems:
    """The problems found in one mapping document, each naming the file and the key."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.lines.append(f"{self.source}: {where} {message}")

    def expect(self, ok: bool, where: str, message: str) -> bool:
        if not ok:
            self.fail(where, message)
        return ok

    def known_keys(self, raw: dict[str, Any], allowed: Sequence[str], where: str) -> bool:
        """Record every key of ``raw`` not in ``allowed``; True when there is none."""
        ok = True
        for key in raw:
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                self.lines.append(f"{self.source}: unknown key {key!r} in {where}; {hint}"
                                  f"use one of: {', '.join(allowed)}")
                ok = False
        return ok


def _parse_table(table: str, section: dict[str, Any], p: _Problems) -> TableMapping:
    where = f"[{table}]"
    file = section.get("file")
    if file is not None:
        if p.expect(isinstance(file, str) and file.strip() != "", f"{where} file",
                    "must be a file name such as \"sales.csv\""):
            if not file.lower().endswith(names.DATA_SUFFIXES):
                p.fail(f"{where} file {file!r}",
                       f"has an unsupported type; use one of {', '.join(names.DATA_SUFFIXES)}")
    if "derive" in section and file is not None and table == "seats":
        p.fail(where, "has both file and derive; keep one")
    canon = TABLE_COLUMNS[table]
    columns = _parse_specs(section.get("columns", {}), canon, f"[{table}.columns]", p)
    for column, spec in columns.items():
        if spec.kind == MULTIPLY and column in (*TEXT_COLUMNS, *DATE_COLUMNS):
            p.fail(f"[{table}.columns] {column} multiply",
                   f"gives a number, and {column} is not a number column; name one source "
                   "column instead")
        if spec.derived and column not in TEXT_COLUMNS:
            p.fail(f"[{table}.columns] {column} {spec.kind}",
                   f"gives text, and {column} is not a text column; name one source column "
                   "instead")
    values = _parse_values(section.get("values", {}), table, p)
    options = _parse_options(section.get("options", {}), table, p)
    derive = None
    if "derive" in section and table in DERIVE_KEYS:
        derive = _parse_specs(section["derive"], DERIVE_KEYS[table], f"{where} derive", p)
        for key, spec in derive.items():
            if spec.kind == MULTIPLY:
                p.fail(f"{where} derive {key} multiply", f"gives a number, and {key} is text; "
                       "name one column instead")
    return TableMapping(table, file if isinstance(file, str) else None, columns, values,
                        options, derive)


def _parse_specs(raw: Any, allowed: tuple[str, ...], where: str,
                 p: _Problems) -> dict[str, ColumnSpec]:
    if not p.expect(isinstance(raw, dict), where, "must be a table"):
        return {}
    p.known_keys(raw, allowed, where)
    out = {}
    for key, val in raw.items():
        if key in allowed:
            spec = _parse_spec(val, f"{where} {key}", p)
            if spec is not None:
                out[key] = spec
    return out


def _parse_spec(raw: Any, where: str, p: _Problems) -> ColumnSpec | None:
    if isinstance(raw, str):
        return ColumnSpec(COLUMN, (raw,)) if p.expect(raw != "", where, SPEC_HINT) else None
    if not p.expect(isinstance(raw, dict) and len(raw) >= 1, where, SPEC_HINT):
        return None
    if not p.known_keys(raw, SPEC_KEYS, where):
        return None
    if MULTIPLY in raw or VALUE in raw:
        kind = MULTIPLY if MULTIPLY in raw else VALUE
        if not p.expect(len(raw) == 1, where, f"{{ {kind} = ... }} stands alone; remove "
                        f"{', '.join(k for k in raw if k != kind)}"):
            return None
        return _single(kind, raw[kind], where, p)
    column = raw.get(COLUMN)
    if not p.expect(isinstance(column, str) and column != "", f"{where} column",
                    'must name a source column, e.g. { column = "Country" }'):
        return None
    if MAP in raw:
        return _parse_map(raw, column, where, p)
    if BINS in raw:
        return _parse_bins(raw, column, where, p)
    extra = [k for k in raw if k != COLUMN]
    if not p.expect(not extra, f"{where} {extra[0] if extra else ''}".rstrip(),
                    "needs map or bins; add one, or remove it"):
        return None
    return ColumnSpec(COLUMN, (column,))


def _single(kind: str, arg: Any, where: str, p: _Problems) -> ColumnSpec | None:
    if kind == MULTIPLY:
        ok = isinstance(arg, list) and len(arg) >= 2 and all(isinstance(a, str) for a in arg)
        if not p.expect(ok, f"{where} multiply", 'must list two or more source columns, '
                        'e.g. ["Quantity", "UnitPrice"]'):
            return None
        return ColumnSpec(MULTIPLY, tuple(arg))
    if not p.expect(_is_value(arg), f"{where} value", "must be a string or a number"):
        return None
    return ColumnSpec(VALUE, (), arg)


def _is_value(arg: Any) -> bool:
    """A string or a finite number (a value a map or a constant may give)."""
    if isinstance(arg, bool) or not isinstance(arg, str | int | float):
        return False
    return not isinstance(arg, float) or math.isfinite(arg)


def _text(value: Any) -> str:
    """A TOML value as the text it stands for (``3`` and ``3.0`` both as ``3``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_default(raw: dict[str, Any], where: str, p: _Problems) -> tuple[bool, str | None]:
    if DEFAULT not in raw:
        return True, None
    ok = p.expect(_is_value(raw[DEFAULT]), f"{where} default",
                  'must be a string or a number, e.g. default = "ROW"')
    return ok, _text(raw[DEFAULT]) if ok else None


def _parse_map(raw: dict[str, Any], column: str, where: str,
               p: _Problems) -> ColumnSpec | None:
    ok = p.expect(BINS not in raw and LABELS not in raw and PER not in raw, where,
                  "has both map and bins; keep one")
    table = raw[MAP]
    example = 'must map old values to new ones, e.g. map = { "United Kingdom" = "UK" }'
    if p.expect(isinstance(table, dict) and len(table) > 0, f"{where} map", example):
        for old, new in table.items():
            ok &= p.expect(_is_value(new), f"{where} map {old!r}",
                           "must be a string or a number")
    else:
        ok = False
    good, default = _parse_default(raw, where, p)
    if not (ok and good):
        return None
    mapping = {str(k): _text(v) for k, v in table.items()}
    return ColumnSpec(MAP, (column,), mapping=mapping, default=default)


def _parse_bins(raw: dict[str, Any], column: str, where: str,
                p: _Problems) -> ColumnSpec | None:
    edges: Any = raw[BINS]
    labels: Any = raw.get(LABELS)
    per = raw.get(PER)
    numbers = isinstance(edges, list) and len(edges) >= 1 and all(
        isinstance(e, int | float) and not isinstance(e, bool) and not math.isnan(e)
        for e in edges)
    ok = p.expect(numbers, f"{where} bins", "must list increasing lower edges, e.g. "
                  "bins = [0, 100, 1000]")
    if ok:
        ok = p.expect(all(a < b for a, b in zip(edges, edges[1:], strict=False)),
                      f"{where} bins", f"{edges!r} must be increasing, e.g. [0, 100, 1000]")
    texts = isinstance(labels, list) and all(_is_value(v) for v in labels)
    if p.expect(texts and len(labels) >= 1, f"{where} labels", 'must list one label per '
                'range, e.g. labels = ["S", "M", "L"]') and ok:
        ok = p.expect(len(labels) in (len(edges), len(edges) - 1) and len(labels) > 0,
                      f"{where} labels", f"has {len(labels)} labels for {len(edges)} bins "
                      "edges; give one label per edge (the last range is open) or one fewer "
                      "(the last edge closes the last range)")
    else:
        ok = False
    if per is not None:
        ok &= p.expect(isinstance(per, str) and per != "", f"{where} per",
                       'must name a column, e.g. per = "customer_id"')
    good, default = _parse_default(raw, where, p)
    if not (ok and good):
        return None
    return ColumnSpec(BINS, (column,), default=default,
                      bins=tuple(float(e) for e in edges),
                      labels=tuple(_text(v) for v in labels), per=per)


def _parse_values(raw: Any, table: str, p: _Problems) -> dict[str, dict[str, str]]:
    where = f"[{table}.values]"
    if not p.expect(isinstance(raw, dict), where, "must be a table of value maps"):
        return {}
    text_columns = tuple(c for c in TABLE_COLUMNS[table] if c in TEXT_COLUMNS)
    p.known_keys(raw, text_columns, where)
    out = {}
    for column, mapping in raw.items():
        if column not in text_columns:
            continue
        sub = f"[{table}.values.{column}]"
        if not p.expect(isinstance(mapping, dict), sub, 'must map old values to new ones, '
                        'e.g. "old" = "new"'):
            continue
        good = True
        for old, new in mapping.items():
            good &= p.expect(_is_value(new), f"{sub} {old!r}", "must be a string or a number")
        if good:
            out[column] = {str(k): _text(v) for k, v in mapping.items()}
    return out


def _parse_options(raw: Any, table: str, p: _Problems) -> Options:
    where = f"[{table}.options]"
    if not p.expect(isinstance(raw, dict), where, "must be a table"):
        return Options()
    p.known_keys(raw, SALES_OPTIONS if table == "sales" else OTHER_OPTIONS, where)
    flags = {}
    for flag in ("returns", "drop_duplicates"):
        value = raw.get(flag, False)
        flags[flag] = p.expect(isinstance(value, bool), f"{where} {flag}",
                               "must be true or false") and value
    fmt = raw.get("date_format")
    if fmt is not None:
        if p.expect(isinstance(fmt, str) and "%" in fmt, f"{where} date_format",
                    'must be a strptime format such as "%d/%m/%Y"'):
            _check_date_format(fmt, f"{where} date_format", p)
        else:
            fmt = None
    drop = raw.get("drop_missing", [])
    if p.expect(isinstance(drop, list), f"{where} drop_missing",
                'must be a list of canonical columns, e.g. ["customer_id"]'):
        for col in drop:
            p.known_keys({str(col): None}, names.SALES_COLUMNS, f"{where} drop_missing")
    else:
        drop = []
    return Options(
        returns=bool(flags["returns"]),
        drop_duplicates=bool(flags["drop_duplicates"]),
        exclude=_parse_value_lists(raw.get("exclude", {}), f"{where} exclude", p),
        exclude_prefix=_parse_value_lists(
            raw.get("exclude_prefix", {}), f"{where} exclude_prefix", p),
        keep_top=_parse_keep_top(raw.get("keep_top"), f"{where} keep_top", p),
        drop_missing=tuple(str(c) for c in drop),
        date_format=fmt,
    )


def _check_date_format(fmt: str, where: str, p: _Problems) -> None:
    """Refuse a date format with a directive strptime does not know (``%Q``)."""
    try:
        pd.to_datetime(pd.Series(["2026-03-31"]), format=fmt, errors="coerce")
    except ValueError as exc:
        p.fail(f"{where} {fmt!r}", f"is not a strptime format ({exc}); use one such "
               'as "%d/%m/%Y"')


def _parse_value_lists(raw: Any, where: str, p: _Problems) -> dict[str, tuple[str, ...]]:
    if not p.expect(isinstance(raw, dict), where,
                    'must map a column to a list of values, e.g. { product = ["POST"] }'):
        return {}
    out = {}
    for column, values in raw.items():
        ok = isinstance(values, list) and all(isinstance(v, str | int) for v in values)
        if p.expect(ok, f"{where} {column}", 'must be a list of values, e.g. ["POST"]'):
            out[column] = tuple(str(v) for v in values)
    return out


def _parse_keep_top(raw: Any, where: str, p: _Problems) -> KeepTop | None:
    if raw is None:
        return None
    example = 'must be like { product = 40, other = "OTHER" }'
    if not p.expect(isinstance(raw, dict), where, example):
        return None
    if not p.known_keys(raw, (*KEEP_TOP_COLUMNS, "other"), where):
        return None
    cols = [k for k in raw if k != "other"]
    if not p.expect(len(cols) == 1, where,
                    f"{example} (one of {', '.join(KEEP_TOP_COLUMNS)})"):
        return None
    n = raw[cols[0]]
    ok = p.expect(isinstance(n, int) and not isinstance(n, bool) and n > 0,
                  f"{where} {cols[0]}", "must be a positive whole number")
    other = raw.get("other", DEFAULT_OTHER)
    ok &= p.expect(isinstance(other, str) and other != "", f"{where} other",
                   'must be a name such as "OTHER"')
    return KeepTop(cols[0], n, other) if ok else None
