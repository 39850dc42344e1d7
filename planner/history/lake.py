"""Load a history on an engine: the sales files read, mapped and checked by SQL.

With ``[data] engine = "spark"``, :func:`load_lake` is the loader instead of
:func:`planner.history.load.load_dataset`. The sales file (a local folder or a URI:
``s3a://``, ``hdfs://``, ``file://``; CSV or Parquet, :mod:`planner.history.lake_read`)
is read by Spark and never pulled into pandas. With the default engine, DuckDB,
:func:`planner.history.lake_duck.load_duck` runs the same statements on DuckDB
(:class:`~planner.history.lake_backend.Backend`), and gives way to the pandas loader
for any problem, as its messages give row numbers. The steps:

1. the mapping's duplicates, exclusions and ``drop_missing`` are a filtered view,
   counted by one aggregate query;
2. every canonical column is an SQL expression of the raw columns
   (:mod:`planner.history.lake_sales`: renames, constants, products of columns, value
   maps, bins, the seats' and products' ``derive`` keys);
3. every check of a cell the pandas loader makes (not a number, not finite, not a date,
   outside the accepted dates, missing, too large, negative without returns) is counted
   in one aggregate query; dates on or after the plan year, stray late dates (from the
   rows per day), unknown seats and products (against the small tables) and a seat given
   two teams are aggregate queries too. Every problem is raised at once as
   :class:`~planner.errors.InputError`, worded as the pandas loader words it, with up to
   :data:`EXAMPLES` bad values and the count of the other rows (no row numbers: Spark
   does not keep the file's row order). The same query counts the text cells that may
   be blank or padded: when the checks pass, a column read from one raw column of its
   type (no value map) whose cells are all clean is read as it is by the canonical
   relation (:attr:`~planner.history.lake_sales.SalesSql.plain_values`), so that the
   baselines' scans of it skip the parsing. The lowest and highest value of each raw
   number column (asked with the count of the rows read; DuckDB reads them from a
   Parquet file's statistics) leave out the checks they prove empty (infinite, too
   large, negative) and the counts of returns (:meth:`SalesSql.within`);
4. ``keep_top``, the team of each seat and the counts of the load report are SQL too.

The small tables (seats, products, customers) are read by Spark (collected) or
pandas, and checked by the pandas loader's code. The result is a
:class:`~planner.history.dataset.Dataset` whose ``lake`` holds the canonical relation
(kept on Spark's executors, or in a DuckDB connection) that
:func:`planner.baselines.compute.compute_baselines` scans, and whose ``sales`` is a small
aggregate (see the Dataset's docstring).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner import names
from planner.baselines.window import trailing_window
from planner.engine.base import Engine
from planner.engine.duck import DuckTable
from planner.engine.open import open_engine
from planner.engine.settings import EngineSettings
from planner.errors import DataWarning, InputError, Problem
from planner.history import checks as v
from planner.history import lake_read as rd
from planner.history import lake_sql as q
from planner.history import load as pl
from planner.history.clean import DROPPED_MISSING, DUPLICATES_DROPPED, EXCLUDED_ROWS, filter_sales
from planner.history.dataset import Dataset, LoadReport
from planner.history.dates import (
    MAX_TRAILING_MONTHS,
    PLAN_YEAR,
    STRAY_EARLY,
    STRAY_LATE,
    STRAY_LATE_KEPT,
    PlanDates,
    Strays,
    stray_days,
    window_warning,
)
from planner.history.lake_backend import Backend, GiveWay
from planner.history.lake_sales import NUMBERS, MissingSource, SalesSql, window_select
from planner.history.mapping import (
    COLUMN,
    DERIVE_KEYS,
    ColumnSpec,
    DatasetMapping,
    problems_error,
    resolve_mapping,
)
from planner.history.tables import derive_seats, products_table, teams_table, tidy, with_defaults
from planner.scenario.schema import default

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkFrame

#: Bad values shown per kind of problem (then the count of the other rows).
EXAMPLES = 5
SECOND_TEAM = ("gives seat {seat!r} {n} teams ({teams}); give each seat one team, or "
               "provide a seats file")
SALES_COLUMNS = (names.DATE, names.SEAT, names.TEAM, *names.SALES_COLUMNS[2:])


@dataclass(frozen=True)
class Lake:
    """A history loaded on an engine.

    Attributes
    ----------
    frame : pyspark.sql.DataFrame or planner.engine.duck.DuckTable
        Canonical sales rows (``date`` DATE, ``seat``, ``team``, ``product``,
        ``segment``, ``amount``, ``units``, ``customer_id``, ``margin``): a Spark
        relation kept on the executors, or a relation of a DuckDB connection.
    settings : EngineSettings
        The settings it was loaded with (the baselines run there too).
    """

    frame: Any
    settings: EngineSettings

    def open_engine(self) -> Engine:
        """Return an engine that reads :attr:`frame` (close it when done).

        Raises
        ------
        EngineError
            When Spark is asked for and cannot start.
        """
        if isinstance(self.frame, DuckTable):
            return self.frame.open_engine()
        return open_engine(self.settings)

    def release(self) -> None:
        """Give back the memory of a DuckDB history: its rows can no longer be read.

        DuckDB's allocator keeps what the baselines used (about 700 MB after 10 million
        rows) until its connection closes. A Spark relation stays: its session is shared.
        """
        if isinstance(self.frame, DuckTable):
            self.frame.con.close()


def load_lake(data_dir: Path | str, mapping: DatasetMapping | Path | str | None = None, *,
              settings: EngineSettings, plan_start: date | None = None,
              window_end: date | None = None,
              trailing_months: int = default("data", "trailing_months")) -> Dataset:
    """Load, clean and validate a history on Spark (see the module docstring).

    Parameters are those of :func:`planner.history.load.load_dataset`, plus the Spark
    ``settings``; ``data_dir`` may be a URI.

    Returns
    -------
    Dataset
        With ``lake`` (the canonical Spark relation) and ``sales`` a small aggregate.

    Raises
    ------
    InputError
        Listing every problem found in the files.
    MappingError
        When the mapping is invalid, or asks for what Spark cannot do alike.
    EngineError
        When Spark cannot start.
    """
    from planner.engine.spark import session
    from planner.history.lake_spark import SparkBackend

    spark = session(settings)
    location = str(data_dir)
    files = rd.Files(spark, location)
    if not files.is_dir(location):
        raise InputError([Problem(location, None, None, None,
                                  "is not a folder; give the folder that holds the sales file")])
    dm = resolve_mapping(mapping)
    report = LoadReport()
    when = PlanDates(plan_start, window_end, trailing_months)
    found: dict[str, tuple[str, SparkFrame]] = {}
    problems: list[Problem] = []
    for table in names.TABLES:
        try:
            where = rd.locate(files, dm[table], dm.source)
            if where is not None:
                found[table] = (where[0], rd.read(spark, where[1], where[0]))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    tables: dict[str, pl.Table] = {}
    for table in ("seats", "products", "customers"):
        if table in found:
            label, frame = found[table]
            raw = rd.collect_small(frame)
            if raw.empty:
                problems.append(Problem(label, None, None, None,
                                        "has no data rows; add rows below the header row"))
                continue
            report.rows_read[table] = len(raw)
            tables[table] = pl._build(raw, dm[table], label, when, report, dm.source)
    label, raw_sales = found["sales"]
    backend = SparkBackend(spark, raw_sales)
    return load_rows(backend, tables, problems, dm, label, report, when, settings, location)


def load_rows(backend: Backend, tables: dict[str, pl.Table], problems: list[Problem],
              dm: DatasetMapping, label: str, report: LoadReport, when: PlanDates,
              settings: EngineSettings, source: str) -> Dataset:
    """Map and check the sales rows (``lake_raw`` of ``backend``); finish the Dataset.

    ``tables`` are the small tables built (their problems not yet collected) and
    ``problems`` those found reading the files.

    Raises
    ------
    InputError
        Listing every problem found in the files.
    GiveWay
        On a backend that does not report problems, at the first one found.
    """
    rows = _Sales(backend, dm, label, tables, report, when)
    for built in tables.values():
        problems += built.col.problems
    if problems and not backend.reports:
        raise GiveWay("a small table has problems")
    problems += rows.load()
    if problems:
        rows.close()
        if not backend.reports:
            raise GiveWay("the sales rows have problems")
        raise InputError(problems)
    for text in report.warnings:
        warnings.warn(text, DataWarning, stacklevel=3)
    return rows.finish(settings, source)


class _Sales:
    """The sales rows on Spark: views, checks and the canonical relation."""

    def __init__(self, db: Backend, dm: DatasetMapping, label: str,
                 tables: dict[str, pl.Table], report: LoadReport, when: PlanDates) -> None:
        self.db, self.dm, self.label = db, dm, label
        self.tables, self.report, self.when = tables, report, when
        self.tm = dm["sales"]
        self.col = v.Collector(label)
        self.canonical: dict[str, str] = {}
        self.derived: dict[str, str] = {}
        self.excluded: set[str] = set()
        self.strays: Strays | None = None
        self.bounds: dict[str, tuple[float, float]] = {}
        self.ranges: dict[str, tuple[float, float]] = {}

    # --- structure: the pandas loader's header and mapping checks on no rows ------------

    def _structure(self) -> tuple[dict[str, ColumnSpec], dict[tuple[str, str], ColumnSpec]]:
        """Run the pandas loader's header and mapping checks on the file's header alone."""
        empty = pd.DataFrame({c: pd.Series([], dtype="object")
                              for c in self.db.columns("lake_raw")})
        tm, col = self.tm, self.col
        specs = pl._specs(empty, tm, col, self.dm.source)
        derive = self.dm["seats"].derive if "seats" not in self.tables else None
        product_derive = self.dm["products"].derive or {}
        used = {*tm.options.exclude, *tm.options.exclude_prefix}
        used |= {s for spec in (*(derive or {}).values(), *product_derive.values())
                 for s in spec.reads}
        also = () if "seats" in self.tables else tuple(
            k for k in (names.TEAM, names.GRADE) if k not in (derive or {}))
        pl._unused(empty, specs, tm, col, self.report, used, also, also_mapped=bool(derive))
        mapping_problems: list[str] = []
        filter_sales(empty, specs, tm, self.label, self.dm.source, LoadReport(),
                     mapping_problems)
        parsed = pl._parse(empty, specs, tm, col, self.dm.source)
        seat_derive = derive or {}
        keys = {("seats", k): seat_derive[k] for k in DERIVE_KEYS["seats"] if k in seat_derive}
        keys |= {("products", k): spec for k, spec in product_derive.items()}
        for (section, key), spec in keys.items():
            pl._derive(empty, parsed.frame, section, key, spec, self.label, self.dm.source,
                       col, mapping_problems)
        if mapping_problems:
            raise problems_error(self.dm.source, mapping_problems)
        return specs, keys

    # --- loading and checking ----------------------------------------------------------

    def load(self) -> list[Problem]:
        """Filter, map and check the rows; return every problem (none: ready to finish)."""
        specs, keys = self._structure()
        if self.col.problems:  # a missing column: no SQL can be built
            return list(self.col.problems)
        if self.tm.options.date_format is not None:  # refused before any Spark job
            q.spark_pattern(self.tm.options.date_format,
                            f"{self.dm.source}: [sales.options] date_format")
        kinds = self.db.kinds("lake_raw")
        kept_sql = self._filter(specs, kinds)
        sql = SalesSql(kinds, self.tm, self.col.labels, self.bounds)
        for column, spec in specs.items():
            if not spec.derived:
                sql.plain(column, spec)
        for column, spec in specs.items():
            if spec.derived:
                value = sql.text_values(sql.derived(column, spec, sql.values), column)
                sql.values[column] = value
                sql.present[column] = f"({value}) IS NOT NULL"
        for column in names.SALES_REQUIRED:
            if column in sql.present:
                message = v.missing_message("sales", column)
                sql.checks.add(sql.label(column), f"NOT ({sql.present[column]})", None, message)
        for column, accepted in v.RANGES.items():
            if column in sql.values:
                limit = f"1e{round(math.log10(accepted.high))}"
                value, shown = sql.values[column], sql.shown[column]
                if not sql.within(column, high=accepted.high):
                    sql.checks.add(sql.label(column), f"{value} > {accepted.high!r}", shown,
                                   v.TOO_LARGE.format(limit=limit, what=accepted.what))
                if not sql.within(column, low=-accepted.high):
                    sql.checks.add(sql.label(column), f"{value} < {-accepted.high!r}", shown,
                                   v.TOO_SMALL.format(limit=limit, what=accepted.what))
        if not self.tm.options.returns:
            for column in (names.AMOUNT, names.UNITS):
                if column in sql.values and not sql.within(column, low=0):
                    sql.checks.add(sql.label(column), f"{sql.values[column]} < 0",
                                   sql.shown[column], v.NEGATIVE)
        derived: dict[str, str] = {}
        lookup = {**sql.values}
        for (_section, key), spec in keys.items():
            try:
                derived[key] = sql.derived(key, spec, {**lookup, **derived})
            except MissingSource:  # reported by _structure already
                continue
        self.canonical, self.derived, self.ranges = sql.values, derived, sql.ranges
        texts = sql.texts | self.excluded
        if any(kinds[c] not in (q.STRING, q.INTEGER) for c in texts if c in kinds):
            self._found("a text column stored as numbers or dates (the pandas loader "
                        "writes them its own way)")
        if sql.summed:
            self._found("bins of a total per key (summed in another order than pandas')")
        self.db.keep_raw("lake_kept", f"SELECT {window_select(sql.windows)} FROM ({kept_sql})")
        if not self.db.rows("SELECT 1 FROM lake_kept LIMIT 1"):
            self.col.whole("has no rows left after the mapping's [sales.options] filters; "
                           "loosen them")
            return list(self.col.problems)
        problems, plain = self._cell_checks(sql.checks.items, sql.plain_values, sql.doubts)
        self._view(plain)
        problems += self._table_checks()
        return problems

    def _filter(self, specs: dict[str, ColumnSpec], kinds: dict[str, str]) -> str:
        """Count and note duplicates, exclusions and missing values; return the kept rows.

        The count of the rows read also finds the :attr:`bounds` of the raw number
        columns (over every row read: DuckDB answers from a Parquet file's statistics).
        """
        opts, report = self.tm.options, self.report
        source = "lake_raw"
        numbers = [c for c, kind in kinds.items() if kind in (q.INTEGER, q.FLOAT)]
        counts = self.db.rows("SELECT " + ", ".join(
            ["count(*) AS n", *(f"min({q.ident(c)}), max({q.ident(c)})" for c in numbers)])
            + " FROM lake_raw")[0]
        report.rows_read["sales"] = int(counts[0])
        for i, column in enumerate(numbers):
            low, high = counts[1 + 2 * i], counts[2 + 2 * i]
            if low is not None and high is not None:
                self.bounds[column] = (float(low), float(high))
        if opts.drop_duplicates:
            distinct = self.db.rows("SELECT count(*) FROM (SELECT DISTINCT * FROM lake_raw)")
            n_distinct = int(distinct[0][0])
            report.add(DUPLICATES_DROPPED, report.rows_read["sales"] - n_distinct)
            source = "(SELECT DISTINCT * FROM lake_raw)"
        rules = [(k, vals, False) for k, vals in opts.exclude.items()]
        rules += [(k, vals, True) for k, vals in opts.exclude_prefix.items()]
        hits: list[tuple[str, str, tuple[str, ...], bool]] = []
        for key, values, prefix in rules:
            spec = specs.get(key)
            column = spec.sources[0] if spec is not None and spec.kind == COLUMN else key
            if column not in kinds:
                continue  # a mapping problem, raised by _structure
            self.excluded.add(column)
            text = q.text(q.ident(column), kinds[column])
            listed = ", ".join(q.literal(x) for x in values)
            hit = (" OR ".join(f"startswith({text}, {q.literal(x)})" for x in values)
                   if prefix else f"{text} IN ({listed})")
            hits.append((f"coalesce({hit}, FALSE)", column, values, prefix))
        missing: list[tuple[str, str]] = []
        for column in opts.drop_missing:
            spec = specs.get(column)
            if spec is None or not spec.sources:
                continue
            reads = [s for s in spec.reads if s in kinds]
            if reads:
                missing.append((column, " OR ".join(f"NOT {q.present(q.ident(s), kinds[s])}"
                                                    for s in reads)))
        drop = " OR ".join(h[0] for h in hits) or "FALSE"
        items = [f"count_if({h[0]})" for h in hits] + [f"count_if({drop})"]
        before = [h[0] for h in hits]
        for _column, cond in missing:
            prior = " OR ".join(before) or "FALSE"
            items.append(f"count_if(({cond}) AND NOT ({prior}))")
            before.append(f"({cond})")
        if hits or missing:
            row = self.db.rows(f"SELECT {', '.join(items)} FROM {source}")[0]
            for i, (_hit, column, values, prefix) in enumerate(hits):
                report.notes.append(f"sales: excluded {int(row[i]):,} rows where {column} "
                                    f"{'starts with' if prefix else 'is'} {' or '.join(values)}")
            if hits:
                report.add(EXCLUDED_ROWS, int(row[len(hits)]))
            for j, (column, _cond) in enumerate(missing):
                n = int(row[len(hits) + 1 + j])
                report.add(DROPPED_MISSING, n)
                report.notes.append(f"sales: dropped {n:,} rows without {column}")
        where = " OR ".join(before) or "FALSE"
        return f"SELECT * FROM {source} WHERE NOT ({where})"

    def _view(self, plain: Mapping[str, str]) -> None:
        """Create ``lake_sales``: the canonical columns (defaults filled) and derive keys.

        A column of ``plain`` is its raw column as it is, proven equal on every row.
        """
        items = []
        for column in names.SALES_COLUMNS:
            value = plain.get(column, self.canonical.get(column))
            if column == names.SEGMENT:
                value = f"coalesce({value}, {q.literal(names.DEFAULT_SEGMENT)})" if value \
                    else q.literal(names.DEFAULT_SEGMENT)
            elif column == names.UNITS:
                value = f"coalesce({value}, CAST(1 AS DOUBLE))" if value else "CAST(1 AS DOUBLE)"
            elif value is None:
                value = "CAST(NULL AS DOUBLE)" if column in NUMBERS else "CAST(NULL AS STRING)"
            items.append(f"{value} AS {q.ident(column)}")
        for key, value in self.derived.items():
            items.append(f"{value} AS {q.ident('__derive_' + key)}")
        self.db.keep_sales("lake_sales", f"SELECT {', '.join(items)} FROM lake_kept")

    def _cell_checks(self, checks: list[q.Check], plain: Mapping[str, str],
                     doubts: Mapping[str, str]) -> tuple[list[Problem], dict[str, str]]:
        """Count every check in one query; fetch examples of those that found rows.

        The same query counts the rows of each column's ``doubts``. Returns the problems
        and, when there are none, the columns of ``plain`` whose doubts no row meets:
        read as they are, they equal the parsed columns on every row.
        """
        items = [f"count_if({c.bad})" for c in checks]
        items += [f"count_if({doubt})" for doubt in doubts.values()]
        if not items:
            return [], dict(plain)
        counts = self.db.rows(f"SELECT {', '.join(items)} FROM lake_kept")[0]
        problems = []
        for check, n in zip(checks, counts, strict=False):
            if n:
                self._found(check.message)
                problems += self._examples(check, int(n))
        if problems:
            return problems, {}
        doubted = {c for c, n in zip(doubts, counts[len(checks):], strict=True) if n}
        return problems, {c: raw for c, raw in plain.items() if c not in doubted}

    def _examples(self, check: q.Check, n: int) -> list[Problem]:
        """Return the problems of one check: up to :data:`EXAMPLES` values, then a count."""
        if check.shown is None:
            return [Problem(self.label, None, check.label, None, _rows(check.message, n))]
        found = self.db.rows(
            f"SELECT {check.shown} AS shown, count(*) AS n FROM lake_kept WHERE {check.bad} "
            f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {EXAMPLES}")
        out = [Problem(self.label, None, check.label, v.plain(row[0]), check.message)
               for row in found]
        more = n - len(found)
        if more > 0:
            out.append(Problem(self.label, None, check.label, None, v.MORE_ROWS.format(
                n=more, s="s" if more > 1 else "")))
        return out

    def _table_checks(self) -> list[Problem]:
        """Units all zero, the plan year, stray dates, unknown seats and products, teams."""
        problems: list[Problem] = []
        label = self.col.label
        units = self.ranges.get(names.UNITS)
        if names.UNITS in self.canonical and not (units and (units[0] > 0 or units[1] < 0)):
            row = self.db.rows(f"SELECT count_if({self.canonical[names.UNITS]} IS NOT NULL), "
                               f"count_if({self.canonical[names.UNITS]} <> 0) FROM lake_kept")[0]
            if row[0] and not row[1]:
                self._found(v.ALL_UNITS_ZERO)
                problems.append(Problem(self.label, None, label(names.UNITS), None,
                                        v.ALL_UNITS_ZERO))
        if names.DATE in self.canonical:
            problems += self._dates()
        keep_top = self.tm.options.keep_top
        for other, what in (("seats", names.SEAT), ("products", names.PRODUCT)):
            if keep_top is not None and keep_top.column == what:
                continue
            if other in self.tables and what in self.canonical \
                    and what in self.tables[other].frame:
                known = self.tables[other].frame[what].dropna().astype(str).unique().tolist()
                message = v.UNKNOWN.format(what=what, file=self.tables[other].col.file)
                self.db.register(f"lake_known_{what}", pd.DataFrame(
                    {"known": pd.Series(known, dtype="str")}))
                bad = (f"{q.ident(what)} IS NOT NULL AND {q.ident(what)} NOT IN "
                       f"(SELECT known FROM lake_known_{what})")
                problems += self._sales_examples(label(what), bad, q.ident(what), message)
        derive = self.dm["seats"].derive if "seats" not in self.tables else None
        if derive and names.TEAM in derive and names.TEAM in self.derived:
            team = q.ident("__derive_" + names.TEAM)
            found = self.db.rows(
                f"SELECT seat, count(DISTINCT {team}) AS n, "
                f"array_join(slice(array_sort(collect_set({team})), 1, {EXAMPLES}), ', ') "
                f"FROM lake_sales WHERE seat IS NOT NULL AND {team} IS NOT NULL GROUP BY seat "
                f"HAVING count(DISTINCT {team}) > 1 ORDER BY seat LIMIT {EXAMPLES + 1}")
            if found:
                self._found("a seat has two teams")
            team_label = derive[names.TEAM].label
            for seat, n, teams in found[:EXAMPLES]:
                problems.append(Problem(self.label, None, team_label, None,
                                        SECOND_TEAM.format(seat=seat, n=n, teams=teams)))
        return problems

    def _sales_examples(self, column: str, bad: str, shown: str, message: str) -> list[Problem]:
        n = int(self.db.rows(f"SELECT count(*) FROM lake_sales WHERE {bad}")[0][0])
        if not n:
            return []
        self._found(message)
        found = self.db.rows(f"SELECT {shown}, count(*) FROM lake_sales WHERE {bad} GROUP BY 1 "
                             f"ORDER BY 2 DESC, 1 LIMIT {EXAMPLES}")
        out = [Problem(self.label, None, column, v.plain(row[0]), message) for row in found]
        more = n - len(found)
        if more > 0:
            out.append(Problem(self.label, None, column, None,
                               v.MORE_ROWS.format(n=more, s="s" if more > 1 else "")))
        return out

    def _dates(self) -> list[Problem]:
        """Dates on or after the plan year; stray dates; the trailing window's warning."""
        problems: list[Problem] = []
        label = self.col.label(names.DATE)
        start = self.when.plan_start
        if start is not None:
            text = PLAN_YEAR.format(start=f"{start:%Y-%m-%d}", year=start.year)
            problems += self._sales_examples(label, f"date >= DATE'{start:%Y-%m-%d}'",
                                             "CAST(date AS STRING)", text)
        days = self.db.frame(
            "SELECT date, count(*) AS n FROM lake_sales WHERE date IS NOT NULL GROUP BY date "
            "ORDER BY date")
        counts = pd.Series(days["n"].to_numpy(), index=pd.DatetimeIndex(days["date"]))
        strays, late, early = find_strays(counts)
        self.strays = strays
        if late is not None or early is not None:
            self._found("stray dates (the pandas loader lists their rows)")
        if late is not None and strays.last is not None:
            late_days = counts[counts.index >= late]
            if self.when.window_end is None:
                months = min(max(self.when.trailing_months, 1), MAX_TRAILING_MONTHS)
                for day in late_days.index[:EXAMPLES]:
                    ws, we = trailing_window(day, None, months)
                    problems.append(Problem(self.label, None, label, f"{day:%Y-%m-%d}",
                                            STRAY_LATE.format(gap=(day - strays.last).days,
                                                              last=_day(strays.last),
                                                              start=_day(ws), end=_day(we))))
                more = int(late_days.sum()) - min(len(late_days), EXAMPLES)
                if more > 0:
                    problems.append(Problem(self.label, None, label, None, v.MORE_ROWS.format(
                        n=more, s="s" if more > 1 else "")))
            else:
                self.report.warnings.append(STRAY_LATE_KEPT.format(
                    **_listed(late_days, self.label), last=_day(strays.last),
                    gap=(late_days.index.min() - strays.last).days,
                    end=_day(self.when.window_end)))
        if early is not None and strays.first is not None:
            early_days = counts[counts.index <= early]
            self.report.warnings.append(STRAY_EARLY.format(
                **_listed(early_days, self.label), first=_day(strays.first),
                gap=(strays.first - early_days.index.max()).days))
        short = window_warning(strays, self.when, self.label)
        if short:
            self.report.warnings.append(short)
        return problems

    # --- the dataset -------------------------------------------------------------------

    def finish(self, settings: EngineSettings, source: str) -> Dataset:
        """Count, group, join the seats' teams; return the Dataset with its lake."""
        report, db = self.report, self.db
        netted = ["count_if(amount < 0 OR units < 0)", "count_if(amount < 0)",
                  "count_if(amount >= 0 AND units < 0)",
                  "coalesce(-sum(CASE WHEN amount < 0 THEN amount END), 0)"]
        if self._nonnegative(names.AMOUNT) and self._nonnegative(names.UNITS):
            netted = ["0"] * len(netted)  # proven: no row has a negative amount or units
        row = db.rows(f"SELECT {', '.join(netted)}, count_if(amount = 0), "
                      "count(*) - count(customer_id), count(*) FROM lake_sales")[0]
        returns, negative, units_only, returned, zero, no_id, n_rows = (
            int(x) if i != 3 else x for i, x in enumerate(row))
        report.add(pl.RETURNS_NETTED, returns)
        if returns:
            report.notes.append(f"sales: {returns:,} return rows netted ({negative:,} with a "
                                f"negative amount, {units_only:,} with negative units only)")
        report.add(pl.RETURNS_AMOUNT, round(float(returned)))
        report.add(pl.ZERO_AMOUNT_ROWS, zero)
        report.add(pl.MISSING_CUSTOMER_ID, no_id)
        keep_top = self.tm.options.keep_top
        grouped: list[str] = []
        frame = "lake_sales"
        if keep_top is not None:
            column = q.ident(keep_top.column)
            totals = db.frame(f"SELECT {column} AS k, sum(amount) AS total, "
                              f"count(*) AS n FROM lake_sales GROUP BY 1")
            totals["k"] = totals["k"].astype(object)
            ordered = sorted(zip(totals["k"], totals["total"], totals["n"], strict=True),
                             key=lambda t: (-t[1], t[0]))
            kept = [k for k, _, _ in ordered[: keep_top.n]]
            grouped = [k for k, _, _ in ordered[keep_top.n:]]
            hit = int(sum(n for _, _, n in ordered[keep_top.n:]))
            report.add(pl.OTHER_ROWS, hit)
            report.add(pl.OTHER_VALUES, len(grouped))
            report.notes.append(f"sales: kept the top {keep_top.n} {keep_top.column} values "
                                f"by amount; {len(grouped):,} others ({hit:,} rows) grouped "
                                f"as {keep_top.other}")
            listed = ", ".join(q.literal(k) for k in kept) or "NULL"
            replace = (f"CASE WHEN {column} IS NULL OR array_contains(array({listed}), "
                       f"{column}) THEN {column} ELSE {q.literal(keep_top.other)} END")
            others = ", ".join(q.ident(c) for c in db.columns("lake_sales")
                               if c != keep_top.column)
            db.view("lake_top", f"SELECT {others}, {replace} AS {column} FROM lake_sales")
            frame = "lake_top"
        seats = self._seats(frame)
        team_of = seats.drop_duplicates(names.SEAT)[[names.SEAT, names.TEAM]]
        db.register("lake_teams", pd.DataFrame({
            "seat": team_of[names.SEAT].astype("str").to_numpy(),
            "team": team_of[names.TEAM].astype("str").to_numpy()}).astype("str"))
        items = ["t.team AS team" if c == names.TEAM else f"s.{q.ident(c)}"
                 for c in SALES_COLUMNS]
        canonical = db.canonical(f"SELECT {', '.join(items)} FROM {frame} s "
                                 "LEFT JOIN lake_teams t ON s.seat = t.seat")
        given = self.tables["products"].frame if "products" in self.tables else None
        label = self.tables["products"].col.file if "products" in self.tables \
            else "the products file"
        products = products_table(given, self._product_sums(frame), keep_top, grouped,
                                  report, label)
        report.add(pl.SALES_ROWS, n_rows)
        report.rows_read = {t: report.rows_read[t] for t in names.TABLES
                            if t in report.rows_read}
        customers = None
        if "customers" in self.tables:
            customers = tidy(with_defaults(self.tables["customers"].frame, "customers"),
                             names.CUSTOMERS_COLUMNS)
        small = monthly(db, self.when.window_end)
        dataset = Dataset(small, tidy(seats, names.SEATS_COLUMNS),
                          tidy(products, names.PRODUCTS_COLUMNS), customers, report, source,
                          teams=teams_table(seats))
        dataset.lake = Lake(canonical, settings)
        db.release()
        return dataset

    def _nonnegative(self, column: str) -> bool:
        """True when no row of ``lake_sales`` has a negative ``column`` (:attr:`ranges`).

        Units without a column are 1.
        """
        if column == names.UNITS and column not in self.canonical:
            return True
        found = self.ranges.get(column)
        return found is not None and found[0] >= 0

    def _seats(self, frame: str) -> pd.DataFrame:
        """The seats table: the file's, or one seat per seat value of sales."""
        if "seats" in self.tables:
            return with_defaults(self.tables["seats"].frame, "seats")
        items = ["seat"]
        for key in DERIVE_KEYS["seats"]:
            if key in self.derived:
                items.append(f"min({q.ident('__derive_' + key)}) AS {q.ident(key)}")
        rows = self.db.frame(f"SELECT {', '.join(items)} FROM {frame} "
                             "WHERE seat IS NOT NULL GROUP BY seat ORDER BY seat")
        rows = rows.astype({c: object for c in rows.columns})
        return derive_seats(rows, self.report)

    def _product_sums(self, frame: str) -> pd.DataFrame:
        """One row per product: its amount, margin and most frequent derived name."""
        name = q.ident("__derive_" + names.NAME)
        if names.NAME in self.derived:
            best = (f"(SELECT product, {name} AS name, row_number() OVER (PARTITION BY product "
                    f"ORDER BY n DESC, {name}) AS r FROM (SELECT product, {name}, count(*) AS n "
                    f"FROM {frame} WHERE product IS NOT NULL AND {name} IS NOT NULL "
                    f"GROUP BY 1, 2))")
            name_sql = (f"LEFT JOIN (SELECT product, name FROM {best} WHERE r = 1) b "
                        "ON s.product = b.product")
            pick = ", b.name AS name"
        else:
            name_sql, pick = "", ""
        out = self.db.frame(
            f"SELECT s.product, s.amount, s.margin{pick} FROM "
            f"(SELECT product, sum(amount) AS amount, sum(margin) AS margin FROM {frame} "
            f"WHERE product IS NOT NULL GROUP BY product) s {name_sql} ORDER BY s.product")
        out[names.PRODUCT] = out[names.PRODUCT].astype("str")
        if names.NAME in out:
            out[names.NAME] = out[names.NAME].astype(object).where(out[names.NAME].notna(), None)
        return out

    def close(self) -> None:
        """Drop the kept rows (after a failed load)."""
        self.db.release()

    def _found(self, what: str) -> None:
        """Give way to the pandas loader when the backend does not report problems."""
        if not self.db.reports:
            raise GiveWay(what)


def monthly(db: Backend, window_end: date | None) -> pd.DataFrame:
    """Return the small sales aggregate a Dataset loaded on an engine carries as ``sales``.

    One row per month x team x product of ``lake_canonical``, sales on or before
    ``window_end``: ``date`` the month's first sale date of the group, ``amount``,
    ``units`` and ``margin`` summed; ``seat``, ``segment`` and ``customer_id`` missing.
    """
    end = f"WHERE date <= DATE'{window_end:%Y-%m-%d}'" if window_end is not None else ""
    out = db.frame(
        "SELECT min(date) AS date, team, product, sum(amount) AS amount, "
        f"sum(units) AS units, sum(margin) AS margin FROM lake_canonical {end} "
        "GROUP BY date_trunc('month', date), team, product ORDER BY 1, team, product")
    for column in (names.SEAT, names.SEGMENT, names.CUSTOMER_ID):
        out[column] = pd.Series([None] * len(out), index=out.index, dtype="str")
    return tidy(out, SALES_COLUMNS)


def find_strays(counts: pd.Series) -> tuple[Strays, pd.Timestamp | None, pd.Timestamp | None]:
    """Stray dates from the rows per day (see :func:`planner.history.dates.find_strays`).

    Returns the strays (``first``/``last`` of the other rows; the row masks empty) and
    the first late day and last early day (None when there are none).

    Examples
    --------
    >>> days = pd.date_range("2026-01-01", periods=30).append(pd.DatetimeIndex(["2026-09-01"]))
    >>> strays, late, early = find_strays(pd.Series(1, index=days))
    >>> f"{late:%Y-%m-%d}", early, f"{strays.last:%Y-%m-%d}"
    ('2026-09-01', None, '2026-01-30')
    """
    none = pd.Series(dtype=bool)
    if counts.empty:
        return Strays(none, none, None, None), None, None
    days = counts.index
    late, early = stray_days(counts)
    keep = pd.Series(True, index=days)
    if late is not None:
        keep &= days < late
    if early is not None:
        keep &= days > early
    rest = days[keep.to_numpy()]
    return (Strays(none, none, rest.min() if len(rest) else None,
                   rest.max() if len(rest) else None), late, early)


def _listed(day_counts: pd.Series, file: str) -> dict[str, object]:
    """Message fields of stray days (rows counted: Spark keeps no row numbers)."""
    n = int(day_counts.sum())
    first, last = day_counts.index.min(), day_counts.index.max()
    span = _day(first) if first == last else f"{_day(first)} to {_day(last)}"
    one = n == 1
    return {"file": file, "n": n, "s": "" if one else "s", "span": span,
            "rows": f"{n:,} row{'' if one else 's'}", "lie": "lies" if one else "lie"}


def _day(value: date | pd.Timestamp) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def _rows(message: str, n: int) -> str:
    return f"{message} ({n:,} row{'s' if n != 1 else ''})"


__all__ = ["EXAMPLES", "Lake", "find_strays", "load_lake", "load_rows", "monthly"]
