-- The seats table: each seat's active weeks, window amount and weekly mean (no ramp).
WITH sw AS (
  SELECT
    seat,
    count(*) AS active_weeks,
    avg(amount) FILTER (WHERE NOT is_ramp) AS weekly_mean
  FROM cells
  GROUP BY seat
), amt AS (
  SELECT seat, sum(amount) AS amount FROM wk GROUP BY seat
)
SELECT
  t.seat, t.team, t.grade, t.start_date, t.end_date, t.active_at_end,
  coalesce(sw.active_weeks, 0) AS active_weeks,
  coalesce(amt.amount, 0) AS amount,
  sw.weekly_mean
FROM seats t
LEFT JOIN sw USING (seat)
LEFT JOIN amt USING (seat)
ORDER BY t.seat
