-- Data-quality counts (one row); the seats they name are in unknown_seats.sql and
-- seats_without_sales.sql.
WITH w AS (
  SELECT
    sum(before_start) AS b,
    sum(after_end) AS e,
    sum(n_rows) FILTER (WHERE unknown_seat > 0) AS u
  FROM wk
)
SELECT
  coalesce(w.b, 0) AS before_start,
  coalesce(w.e, 0) AS after_end,
  coalesce(w.u, 0) AS unknown_seat_rows,
  (SELECT coalesce(sum(amount), 0) FROM facts WHERE level = 0 AND units <= 0 AND amount > 0)
    AS amount_without_units,
  (SELECT coalesce(sum(n_rows), 0) FROM hist WHERE NOT in_window) AS outside_rows,
  (SELECT coalesce(sum(amount), 0) FROM hist WHERE NOT in_window) AS outside_amount
FROM w
