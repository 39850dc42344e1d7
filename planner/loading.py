"""Load history files into a validated :class:`planner.dataset.Dataset`.

:func:`load_dataset` reads the four tables (sales required; seats, products and
customers optional), maps their columns (:mod:`planner.mapping`), cleans sales as the
mapping says (duplicates, exclusions, returns, grouping), checks everything
(:mod:`planner.validation`) and raises one :class:`~planner.errors.InputError` listing
every problem of every file. Seats and products missing from the data are derived from
sales.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planner import names
from planner import validation as v
from planner.dataset import Dataset, LoadReport
from planner.errors import InputError, MappingError, Problem
from planner.mapping import (
    COLUMN,
    MULTIPLY,
    TABLE_COLUMNS,
    TEXT_COLUMNS,
    ColumnSpec,
    DatasetMapping,
    KeepTop,
    TableMapping,
    resolve_mapping,
)
from planner.readers import read_table

# LoadReport count names
DUPLICATES_DROPPED = "duplicates_dropped"
EXCLUDED_ROWS = "excluded_rows"
DROPPED_MISSING = "dropped_missing"
RETURNS_NETTED = "returns_netted"
RETURNS_AMOUNT = "returns_amount"
ZERO_AMOUNT_ROWS = "zero_amount_rows"
MISSING_CUSTOMER_ID = "missing_customer_id"
OTHER_ROWS = "other_rows"
OTHER_VALUES = "other_values"
SALES_ROWS = "sales_rows"

DEFAULTS = {
    names.SEGMENT: names.DEFAULT_SEGMENT, names.UNITS: 1.0, names.GRADE: names.DEFAULT_GRADE,
    names.TICKET_MODE: "variable",
}
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
                 mapping: DatasetMapping | Path | str | None = None) -> Dataset:
    """Load, clean and validate the history in ``data_dir``.

    Parameters
    ----------
    data_dir : Path or str
        Folder holding the files (``sales.csv`` etc., or those the mapping names).
    mapping : DatasetMapping, Path, str or None
        A mapping, a mapping TOML file, or the name of a builtin mapping
        (``online_retail``, ``superstore``); None means canonical files and columns.

    Returns
    -------
    Dataset
        Canonical tables and the :class:`~planner.dataset.LoadReport`.

    Raises
    ------
    InputError
        Listing every problem found in the files.
    MappingError
        When the mapping is invalid or names columns in a way that cannot work.
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
    tables = {t: _build(raws[t], dm[t], labels[t]) for t in ("seats", "products", "customers")
              if t in raws}
    if "sales" in raws:
        tables["sales"] = _sales(raws["sales"], dm, labels["sales"], tables, report)
    for table in tables.values():
        problems += table.col.problems
    if problems:
        raise InputError(problems)
    return _finish(tables, dm, report, str(data_dir))


def _specs(raw: pd.DataFrame, tm: TableMapping, col: v.Collector) -> dict[str, ColumnSpec]:
    """Resolve each canonical column to a spec; flag missing columns."""
    specs = {}
    for column in TABLE_COLUMNS[tm.table]:
        spec = tm.columns.get(column)
        if spec is None and column in raw.columns:
            spec = ColumnSpec(COLUMN, (column,))
        absent = [s for s in spec.sources if s not in raw.columns] if spec else []
        for source in absent:
            col.whole(v.mapped_column_message(tm.table, source, column, raw.columns))
        if spec is None and column in v.REQUIRED[tm.table]:
            col.whole(v.missing_column_message(tm.table, column, raw.columns))
        if spec is not None and not absent:
            specs[column] = spec
            col.labels[column] = spec.label if spec.sources else column
    return specs


def _parse(raw: pd.DataFrame, specs: dict[str, ColumnSpec], tm: TableMapping,
           col: v.Collector) -> Table:
    """Turn raw columns into typed canonical columns, flagging bad values."""
    out = Table(pd.DataFrame(index=raw.index), col=col)
    numbers: dict[str, pd.Series] = {}

    def number(source: str) -> pd.Series:
        if source not in numbers:
            numbers[source] = v.to_numbers(raw[source], col, source, label=source)
        return numbers[source]

    for column, spec in specs.items():
        if spec.kind == MULTIPLY:
            if column not in v.NUMBER_COLUMNS:
                raise MappingError(f"[{tm.table}.columns] {column}: multiply gives a number; "
                                   f"{column} is not a number column")
            out.frame[column] = np.prod([number(s).to_numpy() for s in spec.sources], axis=0)
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
            values = v.to_text(source)
            if column in (names.TICKET_MODE, names.MARGIN_TIER):
                values = values.str.lower()
            mapping = tm.values.get(column)
            if mapping:
                values = values.where(~values.isin(list(mapping)), values.map(mapping))
        out.frame[column] = values
    v.check_required_values(out.present, tm.table, col)
    return out


def _build(raw: pd.DataFrame, tm: TableMapping, label: str) -> Table:
    """Build and check a seats, products or customers table."""
    col = v.Collector(label)
    table = _parse(raw, _specs(raw, tm, col), tm, col)
    table.frame = frame = _with_defaults(table.frame, tm.table)
    key = KEYS[tm.table]
    if all(k in table.raws for k in key):
        extra = (table.raws[names.SEGMENT].rename(col.label(names.SEGMENT))
                 if len(key) > 1 else None)
        v.check_duplicates(frame, key, col, table.raws[key[0]], " and ".join(key), extra)
    if tm.table == "seats":
        v.check_seats(frame, table.raws, col)
    elif tm.table == "products":
        v.check_products(frame, table.raws, col)
    return table


def _sales(raw: pd.DataFrame, dm: DatasetMapping, label: str, tables: dict[str, Table],
           report: LoadReport) -> Table:
    """Clean and check sales: duplicates, exclusions, missing values, returns, references."""
    tm, col = dm["sales"], v.Collector(label)
    specs = _specs(raw, tm, col)
    derive = dm["seats"].derive if "seats" not in tables else None
    raw = _filter(raw, specs, tm, label, report)
    if raw.empty:
        col.whole("has no rows left after the mapping's [sales.options] filters; loosen them")
    table = _parse(raw, specs, tm, col)
    frame = table.frame
    for key, spec in (derive or {}).items():  # a canonical sales column, or a source column
        if spec.kind == COLUMN and spec.sources[0] in TABLE_COLUMNS["sales"]:
            frame[key] = frame.get(spec.sources[0])
        elif spec.kind == COLUMN and spec.sources[0] not in raw.columns:
            raise MappingError(f"{dm.source}: [seats] derive {key} names column "
                               f"{spec.sources[0]!r}, which {label} does not have; name one "
                               f"of its columns ({', '.join(raw.columns)}) or write a "
                               f"constant as {{ value = {spec.sources[0]!r} }}")
        else:
            frame[key] = (v.to_text(raw[spec.sources[0]]) if spec.kind == COLUMN
                          else pd.Series(str(spec.value), index=frame.index, dtype="str"))
    for column in (names.AMOUNT, names.UNITS):
        if column in frame and not tm.options.returns:
            v.check_negative(frame[column], table.raws[column], column, col)
    for other, what in (("seats", names.SEAT), ("products", names.PRODUCT)):
        if other in tables and what in frame and what in tables[other].frame:
            known = pd.Index(tables[other].frame[what].dropna())
            v.check_known(frame[what], known, what, tables[other].col.file,
                          frame[what], what, col)
    if derive and names.TEAM in derive and names.SEAT in frame:
        col.labels[names.TEAM] = derive[names.TEAM].label
        v.check_one_team(frame[names.SEAT], frame[names.TEAM], frame[names.TEAM], col)
    return table


def _filter(raw: pd.DataFrame, specs: dict[str, ColumnSpec], tm: TableMapping, label: str,
            report: LoadReport) -> pd.DataFrame:
    """Drop duplicate rows, excluded rows and rows missing values, counting each."""
    opts = tm.options
    if opts.drop_duplicates:
        keep = ~raw.duplicated()
        report.add(DUPLICATES_DROPPED, (~keep).sum())
        raw = raw[keep]
    rules = [(k, vals, False) for k, vals in opts.exclude.items()]
    rules += [(k, vals, True) for k, vals in opts.exclude_prefix.items()]
    drop = pd.Series(False, index=raw.index)
    for key, values, prefix in rules:
        spec = specs.get(key)
        source = spec.sources[0] if spec is not None and spec.kind == COLUMN else key
        if source not in raw.columns:
            option = "exclude_prefix" if prefix else "exclude"
            raise MappingError(f"[sales.options] {option} key {key!r} is neither a mapped "
                               f"canonical column nor a column of {label} (found: "
                               f"{', '.join(raw.columns)}); fix the key")
        text = v.to_text(raw[source])
        hit = (text.str.startswith(values) if prefix else text.isin(values)).fillna(False)
        drop |= hit.astype(bool)
        report.notes.append(f"sales: excluded {int(hit.sum()):,} rows where {source} "
                            f"{'starts with' if prefix else 'is'} {' or '.join(values)}")
    if rules:
        report.add(EXCLUDED_ROWS, drop.sum())
    for column in opts.drop_missing:
        if column not in specs or not specs[column].sources:
            raise MappingError(f"[sales.options] drop_missing names {column!r}, which is not "
                               f"a column of {label}; map it in [sales.columns] or remove it")
        sources = specs[column].sources
        missing = ~pd.concat([v.present(raw[s]) for s in sources], axis=1).all(axis=1)
        new = missing & ~drop
        drop |= missing
        report.add(DROPPED_MISSING, new.sum())
        report.notes.append(f"sales: dropped {new.sum():,} rows without {column}")
    return raw[~drop]


def _with_defaults(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Add absent optional columns with their defaults and fill blanks where defaults exist."""
    for column in TABLE_COLUMNS[table]:
        default = DEFAULTS.get(column)
        if column not in frame:
            if column in v.DATE_COLUMNS or column in v.MONTH_COLUMNS:
                frame[column] = pd.Series(pd.NaT, index=frame.index, dtype=v.DATE_UNIT)
            elif column in TEXT_COLUMNS:
                frame[column] = pd.Series(default, index=frame.index, dtype="str")
            else:
                frame[column] = np.nan if default is None else float(default)
        elif default is not None and column != names.GRADE:
            frame[column] = frame[column].fillna(default)
    return frame


def _finish(tables: dict[str, Table], dm: DatasetMapping, report: LoadReport,
            source: str) -> Dataset:
    """Count, group, derive seats and products, and put columns in canonical order."""
    sales = _with_defaults(tables["sales"].frame, "sales")
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
    seats = (_with_defaults(tables["seats"].frame, "seats") if "seats" in tables
             else _derive_seats(sales, report))
    team = seats.drop_duplicates(names.SEAT).set_index(names.SEAT)[names.TEAM]
    sales[names.TEAM] = sales[names.SEAT].map(team).astype("str")
    products = _products(tables.get("products"), sales, keep_top, grouped, report)
    report.add(SALES_ROWS, len(sales))
    customers = None
    if "customers" in tables:
        customers = _tidy(_with_defaults(tables["customers"].frame, "customers"),
                          names.CUSTOMERS_COLUMNS)
    sales_columns = (names.DATE, names.SEAT, names.TEAM, *names.SALES_COLUMNS[2:])
    return Dataset(_tidy(sales, sales_columns), _tidy(seats, names.SEATS_COLUMNS),
                   _tidy(products, names.PRODUCTS_COLUMNS), customers, report, source)


def _derive_seats(sales: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    if names.TEAM not in sales:
        sales[names.TEAM] = sales[names.SEAT]
    if names.GRADE not in sales:
        sales[names.GRADE] = names.DEFAULT_GRADE
    seats = sales.groupby(names.SEAT, sort=True).agg(
        team=(names.TEAM, "first"), grade=(names.GRADE, "first")).reset_index()
    seats[names.GRADE] = seats[names.GRADE].fillna(names.DEFAULT_GRADE)
    # A derived seat is a shop, country or region, not a hire: no start (no ramp), no end.
    seats[names.START_DATE] = pd.Series(pd.NaT, index=seats.index, dtype=v.DATE_UNIT)
    seats[names.END_DATE] = pd.Series(pd.NaT, index=seats.index, dtype=v.DATE_UNIT)
    report.notes.append(f"seats derived from sales: {len(seats):,} seats (no start or end "
                        "dates, so no ramp)")
    return seats


def _products(table: Table | None, sales: pd.DataFrame, keep_top: KeepTop | None,
              grouped: list[str], report: LoadReport) -> pd.DataFrame:
    tiers = margin_tiers(sales)
    if table is None:
        products = pd.DataFrame({names.PRODUCT: tiers.index.astype("str")})
        report.notes.append(f"products derived from sales: {len(products):,} products, "
                            f"variable tickets, margin tiers from margin-rate terciles")
    else:
        products = _with_defaults(table.frame, "products")
        if grouped and keep_top is not None and keep_top.column == names.PRODUCT:
            products = products[~products[names.PRODUCT].isin(grouped)]
            other = keep_top.other
            if not products[names.PRODUCT].eq(other).any():
                products = pd.concat([products, pd.DataFrame({names.PRODUCT: [other]})],
                                     ignore_index=True)
    products = _with_defaults(products.copy(), "products")
    derived = products[names.PRODUCT].map(tiers).fillna("standard")
    products[names.MARGIN_TIER] = products[names.MARGIN_TIER].fillna(derived)
    variable = products[names.TICKET_MODE].ne("fixed")
    products.loc[variable, names.FIXED_TICKET] = np.nan
    return products


def margin_tiers(sales: pd.DataFrame) -> pd.Series:
    """Return each product's margin tier from the terciles of its margin rate.

    The top third of products by ``sum(margin) / sum(amount)`` are "high", the bottom
    third "low"; products without a known margin (or fewer than three with one) are
    "standard".
    """
    by = sales.groupby(names.PRODUCT)
    amount, margin = by[names.AMOUNT].sum(), by[names.MARGIN].sum(min_count=1)
    rate = (margin / amount.where(amount > 0)).dropna()
    tiers = pd.Series("standard", index=amount.index, dtype="str")
    if len(rate) >= len(names.MARGIN_TIERS):
        ranks = rate.rank(method="first")
        cut = pd.qcut(ranks, 3, labels=list(reversed(names.MARGIN_TIERS)))
        tiers.loc[rate.index] = cut.astype("str")
    return tiers


def _tidy(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Select canonical columns in order, with str dtype for text, and a fresh index."""
    out = frame.loc[:, list(columns)].reset_index(drop=True)
    for column in columns:
        if column in TEXT_COLUMNS:
            out[column] = out[column].astype("str")
    return out
