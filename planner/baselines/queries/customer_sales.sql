-- cust: window sales by product x segment: sums, the rows and units with a customer id
-- and the spread of tickets (amount / units, positive rows only). The cell's distinct
-- customer ids are counted with those of each product and segment (ids:
-- planner.baselines.buyers).
CREATE TEMP TABLE cust AS
SELECT
  product,
  segment,
  count(*) AS n_rows,
  sum(amount) AS amount,
  sum(units) AS units,
  count(customer_id) AS id_rows,
  sum(units) FILTER (WHERE customer_id IS NOT NULL) AS id_units,
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
