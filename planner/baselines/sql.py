"""The SQL behind the baselines: one ``.sql`` file per statement, in DuckDB's dialect.

The statements live in ``planner/baselines/queries/*.sql`` (package data), one statement
a file, read by :func:`statement`. They read a handful of named relations, so the same
text runs on any engine that provides them (:mod:`planner.engine`: DuckDB as written,
Spark after :mod:`planner.engine.dialect` transpiles it):

``sales``
    Canonical sales rows (see :func:`sales_view`): ``date`` (DATE), ``seat``,
    ``team`` (may be NULL), ``product``, ``segment``, ``amount``, ``units``,
    ``customer_id`` (NULL when unknown).
``seats`` (with ``active_at_end``), ``products``, ``customers``
    The small tables of :class:`planner.history.dataset.Dataset` (see :func:`copy_table`).
``days``
    One row per day from the history's first month to the window end: ``date``,
    ``is_working``, ``week_start`` (the ISO week's Monday), ``month_start``.

Parameters are named (``$ws``, ``$we``, ...) and bound by the engine. Heavy scans of
``sales`` happen in ``bounds``, ``history_months``, ``seat_week_sales``,
``customer_sales``, ``ticket_spread``, ``buyer_masks`` (or ``buyer_ids``:
:mod:`planner.baselines.buyers`) and ``ticket_quantiles`` (and ``history_ids`` when
the customer base is unknown); everything after them reads small temp tables. No scan
keeps a table of one row per customer: the distinct customer ids per product x segment,
per product and per segment are counted together in ``buyer_masks`` (one customer may
buy several products in several segments) and everything else is summed from the
product x segment cells. The few statements built from names (the sales view, the
copies of the small tables) are the functions below.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from importlib import resources

from planner import names as n

UNKNOWN_TEAM = "(unknown)"
ALL_PRODUCTS = "*"
#: The package folder holding the ``.sql`` files.
QUERIES = "queries"


@cache
def statement(name: str) -> str:
    """Return the statement of ``queries/<name>.sql``.

    Raises
    ------
    FileNotFoundError
        When there is no such file (a programming error).

    Examples
    --------
    >>> statement("bounds").splitlines()[1]
    'SELECT min(date) AS first_date, max(date) AS last_date, count(*) AS n_rows'
    """
    path = resources.files("planner.baselines").joinpath(QUERIES, f"{name}.sql")
    return path.read_text(encoding="utf-8")


def quote_ident(name: str) -> str:
    """Return ``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """Return ``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def parquet_source(path: str) -> str:
    """Return a FROM-clause item scanning Parquet file(s) (globs allowed)."""
    return f"read_parquet({quote_literal(path)})"


def describe(source: str) -> str:
    """Return a query listing the columns of ``source`` (``column_name``, ...)."""
    return f"DESCRIBE SELECT * FROM {source}"


def sales_view(source: str, columns: Collection[str]) -> str:
    """Return ``CREATE VIEW sales`` over ``source`` with canonical names and types.

    ``source`` is a FROM-clause item (a registered relation or :func:`parquet_source`)
    and ``columns`` its column names. Absent optional columns become constants: no
    team, segment ``all``, one unit per row, no customer id; missing units count 1.
    """
    defaults = {n.TEAM: "CAST(NULL AS VARCHAR)", n.SEGMENT: quote_literal(n.DEFAULT_SEGMENT),
                n.UNITS: "CAST(1 AS DOUBLE)", n.CUSTOMER_ID: "CAST(NULL AS VARCHAR)"}
    types = {n.DATE: "DATE", n.AMOUNT: "DOUBLE", n.UNITS: "DOUBLE"}
    items = []
    for name in (n.DATE, n.SEAT, n.TEAM, n.PRODUCT, n.SEGMENT, n.AMOUNT, n.UNITS, n.CUSTOMER_ID):
        expr = f"CAST({quote_ident(name)} AS {types.get(name, 'VARCHAR')})"
        if name not in columns:
            expr = defaults[name]
        elif name == n.CUSTOMER_ID:
            expr = f"nullif({expr}, '')"
        elif name in defaults:
            expr = f"coalesce({expr}, {defaults[name]})"
        items.append(f"  {expr} AS {quote_ident(name)}")
    return "CREATE VIEW sales AS\nSELECT\n" + ",\n".join(items) + f"\nFROM {source}"


def copy_table(name: str, columns: Collection[str], dates: Collection[str] = (),
               extra: str = "") -> str:
    """Return ``CREATE TEMP TABLE name`` copying the registered ``name_src``.

    ``columns`` are copied in order, ``dates`` among them cast to DATE; ``extra`` adds
    ``expression AS column`` items.

    Examples
    --------
    >>> print(copy_table("days", ("date", "is_working"), ("date",)))
    CREATE TEMP TABLE days AS
    SELECT
      CAST("date" AS DATE) AS "date",
      "is_working"
    FROM days_src
    """
    items = [f"CAST({quote_ident(c)} AS DATE) AS {quote_ident(c)}" if c in dates
             else quote_ident(c) for c in columns]
    items += [extra] if extra else []
    body = ",\n".join(f"  {item}" for item in items)
    return f"CREATE TEMP TABLE {name} AS\nSELECT\n{body}\nFROM {name}_src"


#: ``seats.active_at_end``: the seat works on the window's last day.
ACTIVE_AT_END = ("coalesce(start_date <= $we, true) AND coalesce(end_date >= $we, true) "
                 "AS active_at_end")
#: ``days.month_start``: the first day of the day's month.
MONTH_START = "CAST(date_trunc('month', date) AS DATE) AS month_start"

