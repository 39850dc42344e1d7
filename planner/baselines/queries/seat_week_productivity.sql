-- Weekly productivity per seat by grade (level 1) and by team (level 2) and product
-- (ramp weeks apart): over every active seat-week x product, zeros included, and the
-- all-products cells. (The level is spelt with grouping(): Spark's grouping_id() must
-- name every grouping column, product too.)
--
-- sold: the seat x ISO week x product cells. wk has a row per seat x product x week x
-- month (a known seat has one team), so only a week across two months has two rows to
-- add up; every other row is its cell as it is (the same number a sum of it gives).
WITH split AS (
  SELECT week_start
  FROM days
  GROUP BY week_start
  HAVING min(month_start) < max(month_start)
), sold AS (
  SELECT seat, week_start, product, amount, units
  FROM wk
  WHERE week_start NOT IN (SELECT week_start FROM split)
  UNION ALL
  SELECT seat, week_start, product, sum(amount) AS amount, sum(units) AS units
  FROM wk
  WHERE week_start IN (SELECT week_start FROM split)
  GROUP BY seat, week_start, product
), c AS (
  SELECT
    w.grade, w.team, w.is_ramp, p.product,
    coalesce(s.amount, 0) AS amount,
    coalesce(s.units, 0) AS units
  FROM seat_weeks w
  CROSS JOIN plist p
  LEFT JOIN sold s
    ON s.seat = w.seat AND s.week_start = w.week_start AND s.product = p.product
  UNION ALL
  SELECT grade, team, is_ramp, $all AS product, amount, units
  FROM cells
)
SELECT
  2 * grouping(grade) + grouping(team) AS level,
  grade,
  team,
  product,
  count(*) FILTER (WHERE NOT is_ramp) AS seat_weeks,
  avg(amount) FILTER (WHERE NOT is_ramp) AS mean_amount,
  median(amount) FILTER (WHERE NOT is_ramp) AS median_amount,
  avg(units) FILTER (WHERE NOT is_ramp) AS mean_units,
  median(units) FILTER (WHERE NOT is_ramp) AS median_units,
  count(*) FILTER (WHERE is_ramp) AS ramp_seat_weeks,
  avg(amount) FILTER (WHERE is_ramp) AS ramp_mean_amount
FROM c
GROUP BY GROUPING SETS ((grade, product), (team, product))
ORDER BY level, grade, team, product <> $all, product
