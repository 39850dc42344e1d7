-- ids: distinct customer ids by product x segment cell (level 0), by product (level 1) and
-- by segment (level 2) of the window, with the tickets' spread of levels 1 and 2
-- (ticket_spread.sql; a cell's is in cust). A customer may buy in several segments or
-- products, so these are counted on the rows, not rolled up from the cells: from the
-- distinct product x segment x customer triples, read once.
CREATE TEMP TABLE ids AS
WITH triples AS (
  SELECT DISTINCT product, segment, customer_id
  FROM sales
  WHERE date BETWEEN $ws AND $we AND customer_id IS NOT NULL
), counts AS (
  SELECT 0 AS level, product, segment, count(*) AS ids
  FROM triples
  GROUP BY product, segment
  UNION ALL
  SELECT 1 AS level, product, CAST(NULL AS VARCHAR) AS segment, count(*) AS ids
  FROM (SELECT DISTINCT product, customer_id FROM triples)
  GROUP BY product
  UNION ALL
  SELECT 2 AS level, CAST(NULL AS VARCHAR) AS product, segment, count(*) AS ids
  FROM (SELECT DISTINCT segment, customer_id FROM triples)
  GROUP BY segment
), wanted AS (
  SELECT product, segment, 0 AS level, CAST(NULL AS DOUBLE) AS ticket_std
  FROM cust
  UNION ALL
  SELECT product, segment, level, ticket_std
  FROM spread
)
SELECT w.product, w.segment, w.level, CAST(coalesce(c.ids, 0) AS BIGINT) AS ids, w.ticket_std
FROM wanted w
LEFT JOIN counts c
  ON c.level = w.level
  AND c.product IS NOT DISTINCT FROM w.product
  AND c.segment IS NOT DISTINCT FROM w.segment
