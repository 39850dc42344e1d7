-- facts: window totals by product (level 1), segment (level 2) and product x segment
-- (level 0), rolled up from the product x segment cells (cust) but for the distinct
-- customer ids of every level and the ticket spread of levels 1 and 2 (ids). Buyers
-- are distinct customer ids; without any id, the units; when only some rows lack an id,
-- the ids scaled by all units / units of rows with an id.
CREATE TEMP TABLE facts AS
WITH f AS (
  SELECT
    product,
    segment,
    grouping_id(product, segment) AS level,
    sum(n_rows) AS n_rows,
    sum(amount) AS amount,
    sum(units) AS units,
    sum(id_rows) AS id_rows,
    sum(id_units) AS id_units,
    sum(return_rows) AS return_rows,
    -- a level-0 group is one cell: its ticket spread as it is
    max(ticket_std) AS cell_ticket_std,
    min(first_sale) AS first_sale,
    max(last_sale) AS last_sale
  FROM cust
  GROUP BY GROUPING SETS ((product), (segment), (product, segment))
), b AS (
  SELECT
    f.*,
    i.ids AS distinct_ids,
    CASE WHEN f.level = 0 THEN f.cell_ticket_std ELSE i.ticket_std END AS ticket_std
  FROM f
  LEFT JOIN ids i
    ON i.level = f.level
    AND i.product IS NOT DISTINCT FROM f.product
    AND i.segment IS NOT DISTINCT FROM f.segment
)
SELECT
  b.product,
  b.segment,
  b.level,
  b.n_rows,
  b.amount,
  b.units,
  CASE
    WHEN b.id_rows = 0 THEN b.units
    WHEN b.id_rows = b.n_rows OR b.id_units <= 0 THEN b.distinct_ids
    ELSE b.distinct_ids * b.units / b.id_units
  END AS buyers,
  b.n_rows - b.id_rows AS rows_without_id,
  b.return_rows,
  b.ticket_std,
  b.first_sale,
  b.last_sale,
  CASE WHEN b.level = 1 THEN tq.ticket_q END AS ticket_q
FROM b
LEFT JOIN tq ON b.product = tq.product
