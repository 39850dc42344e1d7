-- facts: window totals by product (level 1), segment (level 2) and product x segment
-- (level 0). Buyers are distinct customer ids; without any id, the units; when only some
-- rows lack an id, the ids scaled by all units / units of rows with an id.
CREATE TEMP TABLE facts AS
WITH f AS (
  SELECT
    product,
    segment,
    grouping_id(product, segment) AS level,
    sum(n_rows) AS n_rows,
    sum(amount) AS amount,
    sum(units) AS units,
    CASE
      WHEN count(customer_id) = 0 THEN sum(units)
      WHEN count(customer_id) = count(*)
        OR sum(units) FILTER (WHERE customer_id IS NOT NULL) <= 0
        THEN count(DISTINCT customer_id)
      ELSE count(DISTINCT customer_id) * sum(units)
        / sum(units) FILTER (WHERE customer_id IS NOT NULL)
    END AS buyers,
    coalesce(sum(n_rows) FILTER (WHERE customer_id IS NULL), 0) AS rows_without_id,
    sum(return_rows) AS return_rows,
    CASE WHEN sum(n_ticket) > 1 THEN
      sqrt(greatest(0, (sum(ss_ticket) - sum(s_ticket) * sum(s_ticket) / sum(n_ticket))
                       / (sum(n_ticket) - 1)))
    END AS ticket_std,
    min(first_sale) AS first_sale,
    max(last_sale) AS last_sale
  FROM cust
  GROUP BY GROUPING SETS ((product), (segment), (product, segment))
)
SELECT f.*, CASE WHEN f.level = 1 THEN tq.ticket_q END AS ticket_q
FROM f
LEFT JOIN tq ON f.product = tq.product
