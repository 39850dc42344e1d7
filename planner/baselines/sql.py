"""Every SQL statement behind the baselines, in DuckDB's dialect.

The queries read a handful of named relations, so the same text can later run on
a warehouse engine that provides them:

``sales``
    Canonical sales rows (see :func:`sales_view`): ``date`` (DATE), ``seat``,
    ``team`` (may be NULL), ``product``, ``segment``, ``amount``, ``units``,
    ``customer_id`` (NULL when unknown).
``seats`` (with ``active_at_end``), ``products``, ``customers``
    The small tables of :class:`planner.history.dataset.Dataset` (see :func:`copy_table`).
``days``
    One row per day from the history's first month to the window end: ``date``,
    ``is_working``, ``week_start`` (the ISO week's Monday), ``month_start``.

Parameters are named (``$ws``, ``$we``, ...) and bound by the caller. Heavy scans
of ``sales`` happen in :data:`BOUNDS`, :data:`HISTORY_MONTHS`, :data:`SEAT_WEEK_SALES`,
:data:`CUSTOMER_SALES` and :data:`TICKET_QUANTILES` (and :data:`HISTORY_IDS` when the
customer base is unknown); everything after them reads small temp tables. The
statements about each product's months are in :mod:`planner.baselines.season_sql`.
"""

from __future__ import annotations

from collections.abc import Collection

from planner import names as n

UNKNOWN_TEAM = "(unknown)"
ALL_PRODUCTS = "*"


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
                n.UNITS: "1.0", n.CUSTOMER_ID: "CAST(NULL AS VARCHAR)"}
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
        items.append(f"{expr} AS {quote_ident(name)}")
    return f"CREATE VIEW sales AS SELECT {', '.join(items)} FROM {source}"


def copy_table(name: str, dates: Collection[str] = (), extra: str = "") -> str:
    """Return ``CREATE TEMP TABLE name`` copying the registered ``name_src``.

    ``dates`` are cast to DATE; ``extra`` adds ``expression AS column`` items.
    """
    cols = ", ".join(f"CAST({quote_ident(c)} AS DATE) AS {quote_ident(c)}" for c in dates)
    star = f"* REPLACE ({cols})" if cols else "*"
    return f"CREATE TEMP TABLE {name} AS SELECT {star}{', ' + extra if extra else ''} " \
        f"FROM (SELECT * FROM {name}_src)"


SETUP = "SET preserve_insertion_order = false"
ACTIVE_AT_END = ("coalesce(start_date <= $we, true) AND coalesce(end_date >= $we, true) "
                 "AS active_at_end")
MONTH_START = "CAST(date_trunc('month', date) AS DATE) AS month_start"

BOUNDS = "SELECT min(date) AS first_date, max(date) AS last_date, count(*) AS n_rows FROM sales"

# Product x month over all history (earlier years, launches, rows outside the window).
HISTORY_MONTHS = """
CREATE TEMP TABLE hist AS
SELECT product, CAST(date_trunc('month', date) AS DATE) AS month_start,
  date BETWEEN $ws AND $we AS in_window, count(*) AS n_rows, sum(amount) AS amount
FROM sales GROUP BY ALL
"""

# Window sales by seat x product x ISO week x month, with the seat's team and counts
# of rows that do not fit the seat's dates.
SEAT_WEEK_SALES = """
CREATE TEMP TABLE wk AS
SELECT s.seat, coalesce(t.team, s.team, $unknown) AS team, s.product,
  CAST(date_trunc('week', s.date) AS DATE) AS week_start,
  CAST(date_trunc('month', s.date) AS DATE) AS month_start,
  sum(s.amount) AS amount, sum(s.units) AS units, count(*) AS n_rows,
  count(*) FILTER (WHERE s.date < t.start_date) AS before_start,
  count(*) FILTER (WHERE s.date > t.end_date) AS after_end,
  count(*) FILTER (WHERE t.seat IS NULL) AS unknown_seat
FROM sales s LEFT JOIN seats t ON s.seat = t.seat
WHERE s.date BETWEEN $ws AND $we
GROUP BY ALL
"""

# Window sales by product x segment x customer (one row per buyer; rows without a
# customer id fall in one NULL group), with sums for the ticket mean and variance.
# Tickets (amount / units) come from positive rows only.
CUSTOMER_SALES = """
CREATE TEMP TABLE cust AS
SELECT product, segment, customer_id, count(*) AS n_rows, sum(amount) AS amount,
  sum(units) AS units, count(*) FILTER (WHERE amount < 0) AS return_rows,
  count(ticket) AS n_ticket, sum(ticket) AS s_ticket, sum(ticket * ticket) AS ss_ticket,
  min(date) AS first_sale, max(date) AS last_sale
FROM (
  SELECT *, CASE WHEN amount > 0 AND units > 0 THEN amount / units END AS ticket
  FROM sales WHERE date BETWEEN $ws AND $we
)
GROUP BY product, segment, customer_id
"""

TICKET_QUANTILES = """
CREATE TEMP TABLE tq AS
SELECT product, quantile_cont(amount / units, [0.1, 0.5, 0.9]) AS ticket_q
FROM sales WHERE date BETWEEN $ws AND $we AND amount > 0 AND units > 0
GROUP BY product
"""

# Window totals by product (level 1), segment (level 2) and product x segment (level 0).
# Buyers are distinct customer ids; without any id, the units; when only some rows lack
# an id, the ids scaled by all units / units of rows with an id.
FACTS = """
CREATE TEMP TABLE facts AS
WITH f AS (
  SELECT product, segment, GROUPING(product, segment) AS level, sum(n_rows) AS n_rows,
    sum(amount) AS amount, sum(units) AS units,
    CASE WHEN count(customer_id) = 0 THEN sum(units)
      WHEN count(customer_id) = count(*) OR sum(units) FILTER (customer_id IS NOT NULL) <= 0
      THEN count(DISTINCT customer_id)
      ELSE count(DISTINCT customer_id) * sum(units)
        / sum(units) FILTER (customer_id IS NOT NULL) END AS buyers,
    coalesce(sum(n_rows) FILTER (WHERE customer_id IS NULL), 0) AS rows_without_id,
    sum(return_rows) AS return_rows,
    CASE WHEN sum(n_ticket) > 1 THEN sqrt(greatest(0, (sum(ss_ticket)
      - sum(s_ticket) * sum(s_ticket) / sum(n_ticket)) / (sum(n_ticket) - 1))) END AS ticket_std,
    min(first_sale) AS first_sale, max(last_sale) AS last_sale
  FROM cust GROUP BY GROUPING SETS ((product), (segment), (product, segment))
)
SELECT f.*, CASE WHEN f.level = 1 THEN tq.ticket_q END AS ticket_q
FROM f LEFT JOIN tq ON f.product = tq.product
"""

# Distinct customer ids per segment over all history: the fallback customer base, only
# scanned when some segment is missing from the customers table.
SEGMENTS_WITHOUT_BASE = """
SELECT count(*) FROM facts WHERE level = 2 AND segment NOT IN (SELECT segment FROM customers)
"""
HISTORY_IDS = """CREATE TEMP TABLE hist_ids AS
SELECT segment, count(DISTINCT customer_id) AS ids FROM sales GROUP BY segment"""
EMPTY_HISTORY_IDS = "CREATE TEMP TABLE hist_ids AS SELECT '' AS segment, 0 AS ids WHERE false"

PRODUCT_LIST = """
CREATE TEMP TABLE plist AS
SELECT product FROM products UNION SELECT product FROM facts WHERE level = 1
"""

# Seat x ISO week while the seat is active in the window (weeks with a working day).
SEAT_WEEKS = """
CREATE TEMP TABLE seat_weeks AS
SELECT t.seat, t.team, t.grade, d.week_start, count(*) AS working_days,
  coalesce(d.week_start < t.start_date + to_months($ramp), false) AS is_ramp
FROM seats t JOIN days d ON d.is_working
  AND d.date BETWEEN greatest($ws, coalesce(t.start_date, $ws))
  AND least($we, coalesce(t.end_date, $we))
GROUP BY ALL
"""

# Every active seat-week x product (zeros included), plus the all-products row.
CELLS = """
CREATE TEMP TABLE cells AS
WITH sold AS (
  SELECT seat, week_start, product, sum(amount) AS amount, sum(units) AS units
  FROM wk GROUP BY ALL
), base AS (
  SELECT w.seat, w.team, w.grade, w.week_start, w.is_ramp, p.product,
    coalesce(s.amount, 0) AS amount, coalesce(s.units, 0) AS units
  FROM seat_weeks w CROSS JOIN plist p
  LEFT JOIN sold s ON s.seat = w.seat AND s.week_start = w.week_start AND s.product = p.product
)
SELECT * FROM base UNION ALL SELECT seat, team, grade, week_start, is_ramp, $all AS product,
  sum(amount) AS amount, sum(units) AS units
FROM base GROUP BY seat, team, grade, week_start, is_ramp
"""


def productivity(key: str) -> str:
    """Return the weekly-productivity query by ``key`` (``grade`` or ``team``)."""
    if key not in (n.GRADE, n.TEAM):
        raise ValueError(f"productivity key must be grade or team, not {key!r}")
    k = quote_ident(key)
    return f"""
SELECT {k}, product,
  count(*) FILTER (NOT is_ramp) AS seat_weeks, avg(amount) FILTER (NOT is_ramp) AS mean_amount,
  median(amount) FILTER (NOT is_ramp) AS median_amount,
  avg(units) FILTER (NOT is_ramp) AS mean_units, median(units) FILTER (NOT is_ramp) AS median_units,
  count(*) FILTER (is_ramp) AS ramp_seat_weeks, avg(amount) FILTER (is_ramp) AS ramp_mean_amount
FROM cells GROUP BY {k}, product
ORDER BY {k}, product <> $all, product
"""


SEATS_TABLE = """
WITH sw AS (
  SELECT seat, count(*) AS active_weeks, avg(amount) FILTER (WHERE NOT is_ramp) AS weekly_mean
  FROM cells WHERE product = $all GROUP BY seat
), amt AS (SELECT seat, sum(amount) AS amount FROM wk GROUP BY seat)
SELECT t.seat, t.team, t.grade, t.start_date, t.end_date, t.active_at_end,
  coalesce(sw.active_weeks, 0) AS active_weeks, coalesce(amt.amount, 0) AS amount,
  sw.weekly_mean
FROM seats t LEFT JOIN sw USING (seat) LEFT JOIN amt USING (seat)
ORDER BY t.seat
"""

TEAMS_TABLE = """
WITH g AS (
  SELECT team, grade, count(*) AS n FROM seats WHERE active_at_end GROUP BY ALL
), a AS (
  SELECT team, sum(n) AS seats_active,
    string_agg(grade || ':' || n, ' ' ORDER BY grade) AS seats_by_grade
  FROM g GROUP BY team
), amt AS (SELECT team, sum(amount) AS amount, sum(units) AS units FROM wk GROUP BY team),
all_teams AS (SELECT team FROM seats UNION SELECT team FROM wk)
SELECT team, CAST(coalesce(a.seats_active, 0) AS BIGINT) AS seats_active,
  coalesce(a.seats_by_grade, '') AS seats_by_grade,
  coalesce(amt.amount, 0) AS amount, coalesce(amt.units, 0) AS units,
  coalesce(amt.amount, 0) / nullif(sum(amt.amount) OVER (), 0) AS share
FROM all_teams LEFT JOIN a USING (team) LEFT JOIN amt USING (team)
ORDER BY team
"""

# Window sales by team x product (the history the allocation shapes team targets on).
TEAM_PRODUCTS_TABLE = """SELECT team, product, sum(amount) AS amount, sum(units) AS units
FROM wk GROUP BY ALL ORDER BY team, product"""

SEGMENTS_TABLE = "SELECT * FROM segs ORDER BY segment"
SEGMENTS = """
CREATE TEMP TABLE segs AS
WITH f AS (SELECT * FROM facts WHERE level = 2),
b AS (
  SELECT segment,
    coalesce(avg(stock) FILTER (in_w), avg(stock)) AS stock,
    coalesce(avg(new) FILTER (in_w), avg(new)) AS new,
    coalesce(avg(attrition) FILTER (in_w), avg(attrition)) AS attrition,
    coalesce(avg(aum) FILTER (in_w), avg(aum)) AS aum
  FROM (SELECT *, month BETWEEN CAST(date_trunc('month', $ws) AS DATE) AND $we AS in_w
        FROM customers)
  GROUP BY segment
), s AS (
  SELECT coalesce(f.segment, b.segment) AS segment, b.stock, b.new, b.attrition, b.aum,
    nullif(h.ids, 0) AS ids, coalesce(f.buyers, 0) AS buyers, coalesce(f.units, 0) AS units,
    coalesce(f.amount, 0) AS amount, f.ticket_std
  FROM f FULL JOIN b ON f.segment = b.segment
  LEFT JOIN hist_ids h ON h.segment = coalesce(f.segment, b.segment)
)
SELECT segment, coalesce(stock, ids, buyers) AS customers,
  CASE WHEN stock IS NOT NULL THEN 'customers table'
       WHEN ids IS NOT NULL THEN 'customer ids in history'
       ELSE 'buyers (base unknown)' END AS base_source,
  new, attrition, buyers, buyers / nullif(coalesce(stock, ids, buyers), 0) AS conversion,
  units, units / nullif(buyers, 0) AS repurchase, amount, amount / nullif(units, 0) AS avg_ticket,
  ticket_std, aum, amount / nullif(sum(amount) OVER (), 0) AS amount_share
FROM s ORDER BY segment
"""

PRODUCT_SEGMENTS = """
SELECT f.product, f.segment, f.amount, f.units, f.buyers, s.customers,
  f.buyers / nullif(s.customers, 0) AS conversion, f.units / nullif(f.buyers, 0) AS repurchase,
  f.amount / nullif(f.units, 0) AS ticket
FROM facts f JOIN segs s USING (segment)
WHERE f.level = 0 ORDER BY f.product, f.segment
"""

# Per product: the declared description, window totals, tickets and the declared selling
# window (the normal year, spikes and launches come from planner.baselines.spikes).
PRODUCTS = """
SELECT p.product, coalesce(d.ticket_mode, 'variable') AS ticket_mode, d.fixed_ticket,
  coalesce(d.margin_tier, 'standard') AS margin_tier,
  coalesce(f.amount, 0) AS amount, coalesce(f.units, 0) AS units,
  coalesce(f.buyers, 0) AS buyers, f.amount / nullif(f.units, 0) AS ticket_mean,
  f.ticket_q[2] AS ticket_median, f.ticket_q[1] AS ticket_p10, f.ticket_q[3] AS ticket_p90,
  CASE WHEN d.ticket_mode = 'fixed' AND d.fixed_ticket IS NOT NULL THEN d.fixed_ticket
       ELSE f.amount / nullif(f.units, 0) END AS planned_ticket,
  f.first_sale, f.last_sale, d.sell_from_month, d.sell_to_month,
  d.product IS NULL AS undeclared
FROM plist p LEFT JOIN products d USING (product)
LEFT JOIN (SELECT * FROM facts WHERE level = 1) f USING (product)
ORDER BY p.product
"""

TOTALS = """
SELECT coalesce(sum(amount), 0) AS amount, coalesce(sum(units), 0) AS units,
  coalesce(sum(n_rows), 0) AS n_rows, coalesce(sum(return_rows), 0) AS return_rows,
  coalesce(sum(rows_without_id), 0) AS rows_without_id
FROM facts WHERE level = 1
"""

# Data-quality counts (one row).
QUALITY = """
WITH idle AS (SELECT seat FROM seat_weeks EXCEPT SELECT seat FROM wk),
w AS (SELECT sum(before_start) AS b, sum(after_end) AS e,
  sum(n_rows) FILTER (WHERE unknown_seat > 0) AS u,
  list(DISTINCT seat ORDER BY seat) FILTER (WHERE unknown_seat > 0) AS us FROM wk)
SELECT coalesce(w.b, 0) AS before_start, coalesce(w.e, 0) AS after_end,
  coalesce(w.u, 0) AS unknown_seat_rows, coalesce(w.us, []) AS unknown_seats,
  (SELECT coalesce(list(seat ORDER BY seat), []) FROM idle) AS seats_without_sales,
  (SELECT coalesce(sum(amount), 0) FROM facts WHERE level = 0 AND units <= 0 AND amount > 0)
    AS amount_without_units,
  (SELECT coalesce(sum(n_rows), 0) FROM hist WHERE NOT in_window) AS outside_rows,
  (SELECT coalesce(sum(amount), 0) FROM hist WHERE NOT in_window) AS outside_amount
FROM w
"""
