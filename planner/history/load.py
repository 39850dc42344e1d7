"""Load history files into a validated :class:`planner.history.dataset.Dataset`.

:func:`load_dataset` reads the four tables (sales required; seats, products and
customers optional), maps their columns (:mod:`planner.history.mapping`), cleans sales as the
mapping says (duplicates, exclusions, returns, grouping), checks everything
(:mod:`planner.history.checks`, :mod:`planner.history.headers`, :mod:`planner.history.dates`) and
raises one :class:`~planner.errors.InputError` listing every problem of every file.
Seats and products missing from the data are derived from sales. What loads but needs a
look (a history shorter than the trailing window, stray dates) is a
:class:`~planner.errors.DataWarning`, also kept in the load report.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from planner import names
from planner.errors import DataWarning, InputError, Problem
from planner.history import checks as v
from planner.history import headers
from planner.history.clean import filter_sales
from planner.history.dataset import Dataset, LoadReport
from planner.history.dates import (
    PlanDates,
    check_plan_year,
    check_strays,
    window_warning,
)
from planner.history.derived import MissingColumn, build_column
from planner.history.mapping import (
    COLUMN,
    DERIVE_KEYS,
    MULTIPLY,
    TABLE_COLUMNS,
    ColumnSpec,
    DatasetMapping,
    TableMapping,
    problems_error,
    resolve_mapping,
)
from planner.history.readers import read_table
from planner.history.tables import derive_seats, products_table, teams_table, tidy, with_defaults
from planner.scenario.schema import default

# LoadReport count names
RETURNS_NETTED = "returns_netted"
RETURNS_AMOUNT = "returns_amount"
ZERO_AMOUNT_ROWS = "zero_amount_rows"
MISSING_CUSTOMER_ID = "missing_customer_id"
OTHER_ROWS = "other_rows"
OTHER_VALUES = "other_values"
SALES_ROWS = "sales_rows"

KEYS = {"seats": [names.SEAT], "products": [names.PRODUCT],
        "customers": [names.MONTH, names.SEGMENT]}


@dataclass
class Table:
    """A table being loaded: canonical values, the user's raw values and problems."""

    frame: pd.DataFrame
    raws: dict[str, pd.Series] = field(default_factory=dict)
    present: dict[str, pd.Series] = field(default_factory=dict)
    col: v.Collector = field(default_factory=lambda: v.Collector(""))


def load_dataset(data_dir: Path | str,
                 mapping: DatasetMapping | Path | str | None = None, *,
                 plan_start: date | None = None, window_end: date | None = None,
                 trailing_months: int = default("data", "trailing_months")) -> Dataset:
    """Load, clean and validate the history in ``data_dir``.

    Parameters
    ----------
    data_dir : Path or str
        Folder holding the files (``sales.csv`` etc., or those the mapping names).
    mapping : DatasetMapping, Path, str or None
        A mapping, a mapping TOML file, or the name of a builtin mapping
        (``online_retail``, ``superstore``); None means canonical files and columns.
    plan_start : date, optional
        First day of the plan year: sales and customers dated on or after it are refused.
    window_end : date, optional
        Last day of the trailing window the baselines will use (default: the end of the
        last sale's month). Stray late sale dates are refused when it is None, as they
        would move the window.
    trailing_months : int
        Length of that window; a history that does not fill it gets a warning.

    Returns
    -------
    Dataset
        Canonical tables and the :class:`~planner.history.dataset.LoadReport`.

    Raises
    ------
    InputError
        Listing every problem found in the files.
    MappingError
        When the mapping is invalid or names columns in a way that cannot work.

    Warns
    -----
    DataWarning
        When the history does not fill the trailing window, or has stray dates that do
        not move it (each also in ``report.warnings``).
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError([Problem(str(data_dir), None, None, None,
                                  "is not a folder; give the folder that holds the sales file")])
    dm = resolve_mapping(mapping)
    report = LoadReport()
    raws, labels, problems = {}, {}, []
    for table in names.TABLES:
        try:
            found = read_table(data_dir, dm[table], dm.source)
        except InputError as exc:
            problems += exc.problems
            continue
        if found is not None:
            labels[table], raws[table] = found
            report.rows_read[table] = len(found[1])
            if found[1].attrs.get("encoding"):
                report.notes.append(f"{found[0]} is not UTF-8; read it as "
                                    f"{found[1].attrs['encoding']}")
    when = PlanDates(plan_start, window_end, trailing_months)
    tables: dict[str, Table] = {t: _build(raws[t], dm[t], labels[t], when, report, dm.source)
                                for t in ("seats", "products", "customers") if t in raws}
    if "sales" in raws:
        tables["sales"] = _sales(raws["sales"], dm, labels["sales"], tables, report, when)
    for built in tables.values():
        problems += built.col.problems
    if problems:
        raise InputError(problems)
    for text in report.warnings:
        warnings.warn(text, DataWarning, stacklevel=2)
    return _finish(tables, dm, report, str(data_dir))


def _specs(raw: pd.DataFrame, tm: TableMapping, col: v.Collector,
           source: str | None = None) -> dict[str, ColumnSpec]:
    """Resolve each canonical column to a spec; flag missing required or mapped columns."""
    specs = {}
    for column in TABLE_COLUMNS[tm.table]:
        spec = tm.columns.get(column)
        if spec is None and column in raw.columns:
            spec = ColumnSpec(COLUMN, (column,))
        canonical = TABLE_COLUMNS[tm.table] if spec is not None and spec.derived else ()
        absent = ([s for s in spec.reads if s not in raw.columns and s not in canonical]
                  if spec else [])
        for name in absent:
            col.whole(headers.mapped_column_message(tm.table, name, column, raw.columns,
                                                    source))
        if spec is None and column in v.REQUIRED[tm.table]:
            col.whole(headers.missing_column_message(tm.table, column, raw.columns))
        if spec is not None and not absent:
            specs[column] = spec
            col.labels[column] = spec.label if spec.sources else column
    return specs


def _parse(raw: pd.DataFrame, specs: dict[str, ColumnSpec], tm: TableMapping,
           col: v.Collector, mapping_name: str | None = None) -> Table:
    """Turn raw columns into typed canonical columns, flagging bad values.

    Maps and bins come last: they may read a canonical column of the table.
    """
    out = Table(pd.DataFrame(index=raw.index), col=col)
    numbers: dict[str, pd.Series] = {}

    def number(source: str) -> pd.Series:
        if source not in numbers:
            numbers[source] = v.to_numbers(raw[source], col, source, label=source)
        return numbers[source]

    for column, spec in specs.items():
        if spec.derived:
            continue
        if spec.kind == MULTIPLY:  # a number column (the mapping checks it)
            with np.errstate(over="ignore", invalid="ignore"):  # inf is flagged as too large
                out.frame[column] = np.prod([number(s).to_numpy() for s in spec.sources],
                                            axis=0)
            out.raws[column] = out.frame[column]
            out.present[column] = pd.concat([v.present(raw[s]) for s in spec.sources],
                                            axis=1).all(axis=1)
            continue
        if spec.kind == COLUMN:
            source = raw[spec.sources[0]]
        else:
            source = pd.Series(str(spec.value), index=raw.index, dtype="str")
        out.raws[column], out.present[column] = source, v.present(source)
        if column in v.NUMBER_COLUMNS:
            values = number(spec.sources[0]) if spec.sources else v.to_numbers(source, col,
                                                                               column)
        elif column in v.DATE_COLUMNS:
            message = v.date_message(tm.table, tm.options.date_format)
            values = v.to_dates(source, col, column, message, tm.options.date_format)
        elif column in v.MONTH_COLUMNS:
            values = v.to_dates(source, col, column, v.NOT_A_MONTH, month=True)
        else:
            values = _text_values(v.to_text(source), column, tm)
        out.frame[column] = values
    for column, spec in specs.items():
        if spec.derived:
            _derived_column(raw, column, spec, tm, out, mapping_name)
    v.check_required_values(out.present, tm.table, col)
    v.check_ranges(out.frame, out.raws, col)
    return out


def _text_values(values: pd.Series, column: str, tm: TableMapping) -> pd.Series:
    """Lower-case ticket modes and tiers, then apply the column's value map."""
    if column in (names.TICKET_MODE, names.MARGIN_TIER):
        values = values.str.lower()
    mapping = tm.values.get(column)
    if mapping:
        values = values.where(~values.isin(list(mapping)), values.map(mapping))
    return values


def _derived_column(raw: pd.DataFrame, column: str, spec: ColumnSpec, tm: TableMapping,
                    out: Table, mapping_name: str | None) -> None:
    """Build a mapped or binned text column from a canonical column or the file's."""

    def lookup(name: str) -> pd.Series | None:
        if name != column and name in out.frame:
            return out.frame[name]
        return raw[name] if name in raw.columns else None

    try:
        values = build_column(spec, column, lookup, raw.index, out.col)
    except MissingColumn as exc:  # a canonical column the file does not give
        out.col.whole(headers.mapped_column_message(tm.table, exc.column, column, raw.columns,
                                                    mapping_name))
        return
    values = _text_values(values, column, tm)
    out.frame[column] = values
    out.raws[column] = values
    out.present[column] = values.notna()


def _unused(raw: pd.DataFrame, specs: dict[str, ColumnSpec], tm: TableMapping,
            col: v.Collector, report: LoadReport, used: set[str] | None = None,
            also: tuple[str, ...] = (), also_mapped: bool = False) -> None:
    """Refuse unread columns that look like absent optional ones; note the other unread.

    ``used`` adds columns read otherwise (exclusion keys, derived seat columns); ``also``
    adds canonical columns of another table this file may provide (team, grade), which
    ``also_mapped`` says the mapping derives by name. A look-alike is a warning, not a
    problem, when the mapping names the file's columns.
    """
    used = (used or set()) | {s for spec in specs.values() for s in spec.reads}
    used |= {c for c in TABLE_COLUMNS[tm.table] if c not in tm.columns}
    absent = [c for c in (*TABLE_COLUMNS[tm.table], *also)
              if c not in specs and c not in v.REQUIRED[tm.table]]
    strict = not tm.columns and not also_mapped
    unread = headers.check_unused_columns(raw.columns, used, absent, tm.table, col,
                                          strict=strict)
    report.warnings += unread.warnings
    if unread.others:
        report.notes.append(f"{col.file}: columns not read: {', '.join(unread.others)}")


def _build(raw: pd.DataFrame, tm: TableMapping, label: str, when: PlanDates,
           report: LoadReport, source: str | None = None) -> Table:
    """Build and check a seats, products or customers table."""
    col = v.Collector(label)
    specs = _specs(raw, tm, col, source)
    _unused(raw, specs, tm, col, report)
    table = _parse(raw, specs, tm, col, source)
    table.frame = frame = with_defaults(table.frame, tm.table)
    if tm.table == "customers" and names.MONTH in table.raws:
        check_plan_year(frame[names.MONTH], table.raws[names.MONTH], names.MONTH,
                        when.plan_start, col)
    key = KEYS[tm.table]
    if all(k in table.raws for k in key):
        extra = (table.raws[names.SEGMENT].rename(col.label(names.SEGMENT))
                 if len(key) > 1 else None)
        v.check_duplicates(frame, key, col, table.raws[key[0]], " and ".join(key), extra)
    if tm.table == "seats":
        v.check_seats(frame, table.raws, col)
        v.check_team_names(frame, table.raws, col)
    elif tm.table == "products":
        v.check_products(frame, table.raws, col)
    return table


def _sales(raw: pd.DataFrame, dm: DatasetMapping, label: str, tables: dict[str, Table],
           report: LoadReport, when: PlanDates) -> Table:
    """Clean and check sales.

    Duplicates, exclusions, missing values, returns, references, and dates (the plan
    year, stray dates, the trailing window); columns derived for seats and products.

    Raises
    ------
    MappingError
        Listing every option or ``derive`` key that names a column the file lacks.
    """
    tm, col = dm["sales"], v.Collector(label)
    specs = _specs(raw, tm, col, dm.source)
    derive = dm["seats"].derive if "seats" not in tables else None
    product_derive = dm["products"].derive or {}
    used = {*tm.options.exclude, *tm.options.exclude_prefix}
    used |= {s for spec in (*(derive or {}).values(), *product_derive.values())
             for s in spec.reads}
    also = () if "seats" in tables else tuple(k for k in (names.TEAM, names.GRADE)
                                              if k not in (derive or {}))
    _unused(raw, specs, tm, col, report, used, also, also_mapped=bool(derive))
    mapping_problems: list[str] = []
    raw = filter_sales(raw, specs, tm, label, dm.source, report, mapping_problems)
    if raw.empty:
        col.whole("has no rows left after the mapping's [sales.options] filters; loosen them")
    table = _parse(raw, specs, tm, col, dm.source)
    frame = table.frame
    seat_derive = derive or {}
    derived = {("seats", k): seat_derive[k] for k in DERIVE_KEYS["seats"] if k in seat_derive}
    derived |= {("products", k): spec for k, spec in product_derive.items()}
    for (section, key), spec in derived.items():
        values = _derive(raw, frame, section, key, spec, label, dm.source, col,
                         mapping_problems)
        if values is not None:
            frame[key] = values
    if mapping_problems:
        raise problems_error(dm.source, mapping_problems)
    for column in (names.AMOUNT, names.UNITS):
        if column in frame and not tm.options.returns:
            v.check_negative(frame[column], table.raws[column], column, col)
    if names.UNITS in frame:
        v.check_some_units(frame[names.UNITS], col.label(names.UNITS), col)
    if names.DATE in frame:
        _dates(frame[names.DATE], table.raws[names.DATE], when, col, report)
    keep_top = tm.options.keep_top
    for other, what in (("seats", names.SEAT), ("products", names.PRODUCT)):
        if keep_top is not None and keep_top.column == what:
            continue  # the file describes the kept products and the catch-all
        if other in tables and what in frame and what in tables[other].frame:
            known = pd.Index(tables[other].frame[what].dropna())
            v.check_known(frame[what], known, what, tables[other].col.file,
                          frame[what], what, col)
    if derive and names.TEAM in derive and names.SEAT in frame and names.TEAM in frame:
        col.labels[names.TEAM] = derive[names.TEAM].label
        v.check_one_team(frame[names.SEAT], frame[names.TEAM], frame[names.TEAM], col)
    return table


def _derive(raw: pd.DataFrame, frame: pd.DataFrame, section: str, key: str,
            spec: ColumnSpec, label: str, source: str, col: v.Collector,
            problems: list[str]) -> pd.Series | None:
    """One ``derive`` key over the sales rows, or None after recording why not.

    A name is an earlier derived key (``team`` for ``team_name``), a canonical sales
    column, or a column of the file, in that order.
    """
    sales_columns = TABLE_COLUMNS["sales"]

    def lookup(name: str) -> pd.Series | None:
        if name in DERIVE_KEYS[section] and name != key and name in frame:
            return frame[name]
        if name in sales_columns:
            return frame.get(name)
        return raw[name] if name in raw.columns else None

    try:
        return build_column(spec, key, lookup, frame.index, col)
    except MissingColumn as exc:
        constant = (f" or write a constant as {{ value = {exc.column!r} }}"
                    if spec.kind == COLUMN else " or a canonical sales column")
        problems.append(f"{source}: [{section}] derive {key} names column {exc.column!r}, "
                        f"which {label} does not have; name one of its columns "
                        f"({', '.join(raw.columns)}){constant}")
        return None


def _dates(dates: pd.Series, raw: pd.Series, when: PlanDates, col: v.Collector,
           report: LoadReport) -> None:
    """Check sale dates against the plan year and each other; keep the warnings."""
    check_plan_year(dates, raw, names.DATE, when.plan_start, col)
    strays, notes = check_strays(dates, raw, names.DATE, when, col)
    short = window_warning(strays, when, col.file)
    report.warnings += notes + ([short] if short else [])


def _finish(tables: dict[str, Table], dm: DatasetMapping, report: LoadReport,
            source: str) -> Dataset:
    """Count, group, derive seats and products, and put columns in canonical order."""
    sales = with_defaults(tables["sales"].frame, "sales")
    amount, units = sales[names.AMOUNT], sales[names.UNITS]
    returns = (amount < 0) | (units < 0)
    report.add(RETURNS_NETTED, returns.sum())
    if returns.any():
        report.notes.append(f"sales: {returns.sum():,} return rows netted ({(amount < 0).sum():,}"
                            f" with a negative amount, {(returns & (amount >= 0)).sum():,} with "
                            f"negative units only)")
    report.add(RETURNS_AMOUNT, round(-amount[amount < 0].sum()))
    report.add(ZERO_AMOUNT_ROWS, (amount == 0).sum())
    report.add(MISSING_CUSTOMER_ID, sales[names.CUSTOMER_ID].isna().sum())
    keep_top = dm["sales"].options.keep_top
    grouped: list[str] = []
    if keep_top is not None:
        totals = sales.groupby(keep_top.column)[names.AMOUNT].sum()
        order = sorted(totals.index, key=lambda k: (-totals[k], k))
        grouped = order[keep_top.n:]
        hit = sales[keep_top.column].isin(grouped)
        sales.loc[hit, keep_top.column] = keep_top.other
        report.add(OTHER_ROWS, hit.sum())
        report.add(OTHER_VALUES, len(grouped))
        report.notes.append(f"sales: kept the top {keep_top.n} {keep_top.column} values by "
                            f"amount; {len(grouped):,} others ({hit.sum():,} rows) grouped "
                            f"as {keep_top.other}")
    seats = (with_defaults(tables["seats"].frame, "seats") if "seats" in tables
             else derive_seats(sales, report))
    team = seats.drop_duplicates(names.SEAT).set_index(names.SEAT)[names.TEAM]
    sales[names.TEAM] = sales[names.SEAT].map(team).astype("str")
    given = tables["products"].frame if "products" in tables else None
    label = tables["products"].col.file if "products" in tables else "the products file"
    products = products_table(given, sales, keep_top, grouped, report, label)
    report.add(SALES_ROWS, len(sales))
    customers = None
    if "customers" in tables:
        customers = tidy(with_defaults(tables["customers"].frame, "customers"),
                         names.CUSTOMERS_COLUMNS)
    sales_columns = (names.DATE, names.SEAT, names.TEAM, *names.SALES_COLUMNS[2:])
    return Dataset(tidy(sales, sales_columns), tidy(seats, names.SEATS_COLUMNS),
                   tidy(products, names.PRODUCTS_COLUMNS), customers, report, source,
                   teams=teams_table(seats))
