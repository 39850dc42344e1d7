-- Product x month over the whole history up to the window's end (earlier years, the
-- month a product was first sold), with the working days of the month's part inside or
-- outside the window. A month cut by the window's start has one row per part.
WITH dm AS (
  SELECT
    month_start,
    date BETWEEN $ws AND $we AS in_window,
    count(*) FILTER (WHERE is_working) AS working_days
  FROM days
  GROUP BY ALL
)
SELECT h.product, h.month_start, h.in_window, h.n_rows, h.amount, dm.working_days
FROM hist h
JOIN dm USING (month_start, in_window)
ORDER BY h.product, h.month_start, h.in_window
