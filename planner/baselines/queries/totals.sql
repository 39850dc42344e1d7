-- Window totals (one row).
SELECT
  coalesce(sum(amount), 0) AS amount,
  coalesce(sum(units), 0) AS units,
  coalesce(sum(n_rows), 0) AS n_rows,
  coalesce(sum(return_rows), 0) AS return_rows,
  coalesce(sum(rows_without_id), 0) AS rows_without_id
FROM facts
WHERE level = 1
