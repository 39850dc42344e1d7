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

Canonical columns not listed in ``columns`` are read from a source column of the same
name when the file has one; optional canonical columns that are absent get defaults
(segment "all", units 1 per row, customer id missing, margin NaN, ...). Without a seats
or products file, both are derived from sales (products: variable ticket, margin tier
from the terciles of the margin rate when margins are known, else "standard"). Other
tables' options accept only ``date_format``.

Keys of ``exclude`` / ``exclude_prefix`` name a canonical column (its source column is
used) or else a column of the file; values are compared with the file's values, before
value maps. ``keep_top`` applies to ``product`` or ``segment``, after value maps.

``derive`` (seats only) builds the seats table from sales when there is no seats file:
``team`` and ``grade`` are a canonical sales column or a source column of the sales file
(a string), or a constant (``{ value = "X" }``); by default team = seat and grade = "all".
Each seat starts on its first sale and has no end date.
"""

from __future__ import annotations

import difflib
import tomllib
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
SECTION_KEYS = ("file", "columns", "values", "options", "derive")
SALES_OPTIONS = ("returns", "drop_duplicates", "exclude", "exclude_prefix", "keep_top",
                 "drop_missing", "date_format")
OTHER_OPTIONS = ("date_format",)
DERIVE_KEYS = (names.TEAM, names.GRADE)
KEEP_TOP_COLUMNS = (names.PRODUCT, names.SEGMENT)
TABLE_COLUMNS: dict[str, tuple[str, ...]] = dict(zip(names.TABLES, (
    names.SALES_COLUMNS, names.SEATS_COLUMNS, names.PRODUCTS_COLUMNS, names.CUSTOMERS_COLUMNS,
), strict=True))
DEFAULT_OTHER = "OTHER"
DATE_COLUMNS = (names.DATE, names.START_DATE, names.END_DATE, names.MONTH)
TEXT_COLUMNS = (
    names.SEAT, names.TEAM, names.GRADE, names.PRODUCT, names.SEGMENT, names.CUSTOMER_ID,
    names.TICKET_MODE, names.MARGIN_TIER,
)


@dataclass(frozen=True)
class ColumnSpec:
    """How one canonical column is obtained from a source file.

    Attributes
    ----------
    kind : str
        ``"column"`` (one source column), ``"multiply"`` (product of source columns)
        or ``"value"`` (a constant).
    sources : tuple of str
        Source column names (empty for a constant).
    value : object
        The constant for ``kind == "value"``.
    """

    kind: str
    sources: tuple[str, ...] = ()
    value: Any = None

    @property
    def label(self) -> str:
        """Name shown to the user for this column (the source column or the expression)."""
        if self.kind == VALUE:
            return repr(self.value)
        return " * ".join(self.sources)


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
        Seats only: derive the table from sales instead of reading a file.
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


def default_mapping() -> DatasetMapping:
    """Return the mapping used without a mapping file: canonical files and columns."""
    return DatasetMapping({t: TableMapping(t) for t in names.TABLES})


def builtin_mapping(name: str) -> Path:
    """Return the path of the builtin mapping ``planner/mappings/<name>.toml``.

    Raises
    ------
    MappingError
        When there is no builtin mapping of that name (the message lists them).
    """
    path = Path(str(resources.files("planner").joinpath("mappings", f"{name}.toml")))
    if not path.is_file():
        known = ", ".join(builtin_names()) or "none"
        raise MappingError(f"no builtin mapping named {name!r}; use one of: {known}")
    return path


def builtin_names() -> list[str]:
    """Return the names of the builtin mappings."""
    folder = resources.files("planner").joinpath("mappings")
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
        When the file is missing or invalid; the message names the key and the fix.
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
    """Validate a parsed mapping document (see :func:`load_mapping`)."""
    _check_keys(doc, names.TABLES, "the top level", source)
    tables = {}
    for table in names.TABLES:
        section = doc.get(table, {})
        where = f"[{table}]"
        _expect(isinstance(section, dict), source, where, "must be a table")
        allowed = SECTION_KEYS if table == "seats" else SECTION_KEYS[:4]
        _check_keys(section, allowed, where, source)
        tables[table] = _parse_table(table, section, source)
    return DatasetMapping(tables, source)


def _parse_table(table: str, section: dict[str, Any], source: str) -> TableMapping:
    where = f"[{table}]"
    file = section.get("file")
    if file is not None:
        _expect(isinstance(file, str) and file.strip() != "", source, f"{where} file",
                "must be a file name such as \"sales.csv\"")
        if not file.lower().endswith(names.DATA_SUFFIXES):
            _fail(source, f"{where} file {file!r}",
                  f"has an unsupported type; use one of {', '.join(names.DATA_SUFFIXES)}")
    if "derive" in section and file is not None:
        _fail(source, where, "has both file and derive; keep one")
    canon = TABLE_COLUMNS[table]
    columns = _parse_specs(section.get("columns", {}), canon, f"[{table}.columns]", source)
    for column, spec in columns.items():
        if spec.kind == MULTIPLY and column in (*TEXT_COLUMNS, *DATE_COLUMNS):
            _fail(source, f"[{table}.columns] {column} multiply",
                  f"gives a number, and {column} is not a number column; name one source "
                  "column instead")
    values = _parse_values(section.get("values", {}), table, source)
    options = _parse_options(section.get("options", {}), table, source)
    derive = None
    if "derive" in section:
        derive = _parse_specs(section["derive"], DERIVE_KEYS, f"{where} derive", source)
    return TableMapping(table, file, columns, values, options, derive)


def _parse_specs(
    raw: Any, allowed: tuple[str, ...], where: str, source: str,
) -> dict[str, ColumnSpec]:
    _expect(isinstance(raw, dict), source, where, "must be a table")
    _check_keys(raw, allowed, where, source)
    return {key: _parse_spec(val, f"{where} {key}", source) for key, val in raw.items()}


def _parse_spec(raw: Any, where: str, source: str) -> ColumnSpec:
    hint = ('must be a source column name ("Col"), { column = "Col" }, '
            '{ multiply = ["A", "B"] } or { value = "constant" }')
    if isinstance(raw, str):
        _expect(raw != "", source, where, hint)
        return ColumnSpec(COLUMN, (raw,))
    _expect(isinstance(raw, dict) and len(raw) == 1, source, where, hint)
    ((kind, arg),) = raw.items()
    _check_keys(raw, (COLUMN, MULTIPLY, VALUE), where, source)
    if kind == COLUMN:
        _expect(isinstance(arg, str) and arg != "", source, f"{where} column", hint)
        return ColumnSpec(COLUMN, (arg,))
    if kind == MULTIPLY:
        ok = isinstance(arg, list) and len(arg) >= 2 and all(isinstance(a, str) for a in arg)
        _expect(ok, source, f"{where} multiply", 'must list two or more source columns, '
                'e.g. ["Quantity", "UnitPrice"]')
        return ColumnSpec(MULTIPLY, tuple(arg))
    ok = isinstance(arg, str | int | float) and not isinstance(arg, bool)
    _expect(ok, source, f"{where} value", "must be a string or a number")
    return ColumnSpec(VALUE, (), arg)


def _parse_values(raw: Any, table: str, source: str) -> dict[str, dict[str, str]]:
    where = f"[{table}.values]"
    _expect(isinstance(raw, dict), source, where, "must be a table of value maps")
    text_columns = tuple(c for c in TABLE_COLUMNS[table] if c in TEXT_COLUMNS)
    _check_keys(raw, text_columns, where, source)
    out = {}
    for column, mapping in raw.items():
        sub = f"[{table}.values.{column}]"
        _expect(isinstance(mapping, dict), source, sub, 'must map old values to new ones, '
                'e.g. "old" = "new"')
        for old, new in mapping.items():
            ok = isinstance(new, str | int | float) and not isinstance(new, bool)
            _expect(ok, source, f"{sub} {old!r}", "must be a string or a number")
        out[column] = {str(k): str(v) for k, v in mapping.items()}
    return out


def _parse_options(raw: Any, table: str, source: str) -> Options:
    where = f"[{table}.options]"
    _expect(isinstance(raw, dict), source, where, "must be a table")
    _check_keys(raw, SALES_OPTIONS if table == "sales" else OTHER_OPTIONS, where, source)
    for flag in ("returns", "drop_duplicates"):
        if flag in raw:
            _expect(isinstance(raw[flag], bool), source, f"{where} {flag}",
                    "must be true or false")
    fmt = raw.get("date_format")
    if fmt is not None:
        _expect(isinstance(fmt, str) and "%" in fmt, source, f"{where} date_format",
                'must be a strptime format such as "%d/%m/%Y"')
        _check_date_format(fmt, f"{where} date_format", source)
    drop = raw.get("drop_missing", [])
    _expect(isinstance(drop, list), source, f"{where} drop_missing",
            'must be a list of canonical columns, e.g. ["customer_id"]')
    for col in drop:
        _check_keys({col: None}, names.SALES_COLUMNS, f"{where} drop_missing", source)
    return Options(
        returns=raw.get("returns", False),
        drop_duplicates=raw.get("drop_duplicates", False),
        exclude=_parse_value_lists(raw.get("exclude", {}), f"{where} exclude", source),
        exclude_prefix=_parse_value_lists(
            raw.get("exclude_prefix", {}), f"{where} exclude_prefix", source),
        keep_top=_parse_keep_top(raw.get("keep_top"), f"{where} keep_top", source),
        drop_missing=tuple(drop),
        date_format=fmt,
    )


def _check_date_format(fmt: str, where: str, source: str) -> None:
    """Refuse a date format with a directive strptime does not know (``%Q``)."""
    try:
        pd.to_datetime(pd.Series(["2026-03-31"]), format=fmt, errors="coerce")
    except ValueError as exc:
        _fail(source, f"{where} {fmt!r}", f"is not a strptime format ({exc}); use one such "
              'as "%d/%m/%Y"')


def _parse_value_lists(raw: Any, where: str, source: str) -> dict[str, tuple[str, ...]]:
    _expect(isinstance(raw, dict), source, where,
            'must map a column to a list of values, e.g. { product = ["POST"] }')
    out = {}
    for column, values in raw.items():
        ok = isinstance(values, list) and all(isinstance(v, str | int) for v in values)
        _expect(ok, source, f"{where} {column}", 'must be a list of values, e.g. ["POST"]')
        out[column] = tuple(str(v) for v in values)
    return out


def _parse_keep_top(raw: Any, where: str, source: str) -> KeepTop | None:
    if raw is None:
        return None
    example = 'must be like { product = 40, other = "OTHER" }'
    _expect(isinstance(raw, dict), source, where, example)
    _check_keys(raw, (*KEEP_TOP_COLUMNS, "other"), where, source)
    cols = [k for k in raw if k != "other"]
    _expect(len(cols) == 1, source, where, f"{example} (one of {', '.join(KEEP_TOP_COLUMNS)})")
    n = raw[cols[0]]
    ok = isinstance(n, int) and not isinstance(n, bool) and n > 0
    _expect(ok, source, f"{where} {cols[0]}", "must be a positive whole number")
    other = raw.get("other", DEFAULT_OTHER)
    _expect(isinstance(other, str) and other != "", source, f"{where} other",
            'must be a name such as "OTHER"')
    return KeepTop(cols[0], n, other)


def _check_keys(raw: dict[str, Any], allowed: tuple[str, ...], where: str, source: str) -> None:
    for key in raw:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise MappingError(f"{source}: unknown key {key!r} in {where}; {hint}"
                               f"use one of: {', '.join(allowed)}")


def _expect(ok: bool, source: str, where: str, message: str) -> None:
    if not ok:
        _fail(source, where, message)


def _fail(source: str, where: str, message: str) -> None:
    raise MappingError(f"{source}: {where} {message}")
