"""The SQL behind each product's months: the window's calendar months and all history.

Two statements, over the relations of :mod:`planner.baselines.sql` (``wk``, ``hist``,
``days``, ``plist``). They only aggregate; what the months mean (seasonal peaks,
one-off spikes, launches) is decided on the small result in :mod:`planner.baselines.seasons`
and :mod:`planner.baselines.spikes`.
"""

from __future__ import annotations

# Product x calendar month of the window (every month, zeros included): the amount, the
# working days and the rate per working day. A window longer than 12 months adds up each
# calendar month's days; ``first_day`` orders the months as the window runs.
PRODUCT_MONTHS = """
CREATE TEMP TABLE pm AS
WITH m AS (
  SELECT month(date) AS month, min(date) AS first_day,
    count(*) FILTER (WHERE is_working) AS working_days
  FROM days WHERE date BETWEEN $ws AND $we GROUP BY 1
), sold AS (
  SELECT product, month(month_start) AS month, sum(amount) AS amount, sum(units) AS units
  FROM wk GROUP BY ALL
), g AS (
  SELECT p.product, m.month, m.first_day, coalesce(s.amount, 0) AS amount,
    coalesce(s.units, 0) AS units, m.working_days,
    coalesce(s.amount, 0) / nullif(m.working_days, 0) AS per_working_day
  FROM plist p CROSS JOIN m LEFT JOIN sold s ON s.product = p.product AND s.month = m.month
)
SELECT product, month, first_day, amount, units, working_days,
  amount / nullif(sum(amount) OVER (PARTITION BY product), 0) AS share, per_working_day
FROM g
"""

PRODUCT_MONTHS_TABLE = "SELECT * FROM pm ORDER BY product, first_day"

# Product x month over the whole history up to the window's end (earlier years, the
# month a product was first sold), with the working days of the month's part inside or
# outside the window. A month cut by the window's start has one row per part.
PRODUCT_HISTORY = """
WITH dm AS (
  SELECT month_start, date BETWEEN $ws AND $we AS in_window,
    count(*) FILTER (WHERE is_working) AS working_days
  FROM days GROUP BY ALL
)
SELECT h.product, h.month_start, h.in_window, h.n_rows, h.amount, dm.working_days
FROM hist h JOIN dm USING (month_start, in_window)
ORDER BY h.product, h.month_start, h.in_window
"""
