-- hist: product x month over all history (earlier years, launches, rows outside the window).
CREATE TEMP TABLE hist AS
SELECT
  product,
  CAST(date_trunc('month', date) AS DATE) AS month_start,
  date BETWEEN $ws AND $we AS in_window,
  count(*) AS n_rows,
  sum(amount) AS amount
FROM sales
GROUP BY ALL
