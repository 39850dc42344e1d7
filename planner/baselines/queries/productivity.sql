-- Weekly productivity per seat by {key} and product (ramp weeks apart).
SELECT
  {key},
  product,
  count(*) FILTER (WHERE NOT is_ramp) AS seat_weeks,
  avg(amount) FILTER (WHERE NOT is_ramp) AS mean_amount,
  median(amount) FILTER (WHERE NOT is_ramp) AS median_amount,
  avg(units) FILTER (WHERE NOT is_ramp) AS mean_units,
  median(units) FILTER (WHERE NOT is_ramp) AS median_units,
  count(*) FILTER (WHERE is_ramp) AS ramp_seat_weeks,
  avg(amount) FILTER (WHERE is_ramp) AS ramp_mean_amount
FROM cells
GROUP BY {key}, product
ORDER BY {key}, product <> $all, product
