-- pm: product x calendar month of the window (every month, zeros included): the amount,
-- the working days and the rate per working day. A window longer than 12 months adds up
-- each calendar month's days; first_day orders the months as the window runs.
CREATE TEMP TABLE pm AS
WITH m AS (
  SELECT
    month(date) AS month,
    min(date) AS first_day,
    count(*) FILTER (WHERE is_working) AS working_days
  FROM days
  WHERE date BETWEEN $ws AND $we
  GROUP BY month(date)
), sold AS (
  SELECT product, month(month_start) AS month, sum(amount) AS amount, sum(units) AS units
  FROM wk
  GROUP BY ALL
), g AS (
  SELECT
    p.product, m.month, m.first_day,
    coalesce(s.amount, 0) AS amount,
    coalesce(s.units, 0) AS units,
    m.working_days,
    coalesce(s.amount, 0) / nullif(m.working_days, 0) AS per_working_day
  FROM plist p
  CROSS JOIN m
  LEFT JOIN sold s ON s.product = p.product AND s.month = m.month
)
SELECT
  product, month, first_day, amount, units, working_days,
  amount / nullif(sum(amount) OVER (PARTITION BY product), 0) AS share,
  per_working_day
FROM g
