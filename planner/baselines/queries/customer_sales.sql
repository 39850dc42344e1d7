-- cust: window sales by product x segment x customer (one row per buyer; rows without a
-- customer id fall in one NULL group), with sums for the ticket mean and variance.
-- Tickets (amount / units) come from positive rows only.
CREATE TEMP TABLE cust AS
SELECT
  product,
  segment,
  customer_id,
  count(*) AS n_rows,
  sum(amount) AS amount,
  sum(units) AS units,
  count(*) FILTER (WHERE amount < 0) AS return_rows,
  count(ticket) AS n_ticket,
  sum(ticket) AS s_ticket,
  sum(ticket * ticket) AS ss_ticket,
  min(date) AS first_sale,
  max(date) AS last_sale
FROM (
  SELECT *, CASE WHEN amount > 0 AND units > 0 THEN amount / units END AS ticket
  FROM sales
  WHERE date BETWEEN $ws AND $we
)
GROUP BY product, segment, customer_id
