-- cells: every active seat-week with its sales of all products (the all-products cells;
-- zeros included). The cells of each product are not kept: productivity.sql makes them
-- as it reads them.
CREATE TEMP TABLE cells AS
WITH sold AS (
  SELECT seat, week_start, sum(amount) AS amount, sum(units) AS units
  FROM wk
  GROUP BY seat, week_start
)
SELECT
  w.seat, w.team, w.grade, w.week_start, w.is_ramp,
  coalesce(s.amount, 0) AS amount,
  coalesce(s.units, 0) AS units
FROM seat_weeks w
LEFT JOIN sold s ON s.seat = w.seat AND s.week_start = w.week_start
