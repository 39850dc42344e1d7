-- cust: window sales by product x segment: sums, the rows and units with a customer id,
-- the distinct customer ids (buyers of the cell) and the spread of tickets (amount /
-- units, positive rows only).
CREATE TEMP TABLE cust AS
SELECT
  product,
  segment,
  count(*) AS n_rows,
  sum(amount) AS amount,
  sum(units) AS units,
  count(customer_id) AS id_rows,
  sum(units) FILTER (WHERE customer_id IS NOT NULL) AS id_units,
  count(DISTINCT customer_id) AS ids,
  count(*) FILTER (WHERE amount < 0) AS return_rows,
  stddev_samp(ticket) AS ticket_std,
  min(date) AS first_sale,
  max(date) AS last_sale
FROM (
  SELECT *, CASE WHEN amount > 0 AND units > 0 THEN amount / units END AS ticket
  FROM sales
  WHERE date BETWEEN $ws AND $we
)
GROUP BY product, segment
