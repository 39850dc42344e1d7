-- cells: every active seat-week x product (zeros included), plus the all-products row.
CREATE TEMP TABLE cells AS
WITH sold AS (
  SELECT seat, week_start, product, sum(amount) AS amount, sum(units) AS units
  FROM wk
  GROUP BY ALL
), base AS (
  SELECT
    w.seat, w.team, w.grade, w.week_start, w.is_ramp, p.product,
    coalesce(s.amount, 0) AS amount,
    coalesce(s.units, 0) AS units
  FROM seat_weeks w
  CROSS JOIN plist p
  LEFT JOIN sold s
    ON s.seat = w.seat AND s.week_start = w.week_start AND s.product = p.product
)
SELECT * FROM base
UNION ALL
SELECT
  seat, team, grade, week_start, is_ramp, $all AS product,
  sum(amount) AS amount,
  sum(units) AS units
FROM base
GROUP BY seat, team, grade, week_start, is_ramp
