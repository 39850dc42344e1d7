-- ids: distinct customer ids by product (level 1) and by segment (level 2) of the window,
-- joined to the tickets' spread (ticket_spread.sql). A customer may buy in several
-- segments or products, so these are counted on the rows, not rolled up from the product
-- x segment cells; each count reads the distinct pairs (one plain parallel aggregate).
CREATE TEMP TABLE ids AS
WITH pairs AS (
  SELECT 1 AS level, product, CAST(NULL AS VARCHAR) AS segment, count(customer_id) AS ids
  FROM (SELECT DISTINCT product, customer_id FROM sales WHERE date BETWEEN $ws AND $we)
  GROUP BY product
  UNION ALL
  SELECT 2 AS level, CAST(NULL AS VARCHAR) AS product, segment, count(customer_id) AS ids
  FROM (SELECT DISTINCT segment, customer_id FROM sales WHERE date BETWEEN $ws AND $we)
  GROUP BY segment
)
SELECT s.product, s.segment, s.level, p.ids, s.ticket_std
FROM spread s
JOIN pairs p
  ON p.level = s.level
  AND p.product IS NOT DISTINCT FROM s.product
  AND p.segment IS NOT DISTINCT FROM s.segment
