-- wk: window sales by seat x product x ISO week x month, with the seat's team and the
-- counts of rows that do not fit the seat's dates.
CREATE TEMP TABLE wk AS
SELECT
  s.seat,
  coalesce(t.team, s.team, $unknown) AS team,
  s.product,
  CAST(date_trunc('week', s.date) AS DATE) AS week_start,
  CAST(date_trunc('month', s.date) AS DATE) AS month_start,
  sum(s.amount) AS amount,
  sum(s.units) AS units,
  count(*) AS n_rows,
  count(*) FILTER (WHERE s.date < t.start_date) AS before_start,
  count(*) FILTER (WHERE s.date > t.end_date) AS after_end,
  count(*) FILTER (WHERE t.seat IS NULL) AS unknown_seat
FROM sales s
LEFT JOIN seats t ON s.seat = t.seat
WHERE s.date BETWEEN $ws AND $we
GROUP BY ALL
