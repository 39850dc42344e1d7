-- ids, as buyer_ids.sql makes it, from one aggregation by customer id: each customer id of
-- the window gets the bits (cell_bits) of the product x segment cells it bought in, four
-- words; the customers are then counted by mask (a few hundred thousand), a cell's
-- distinct customer ids are those whose mask has its bit (counted on its word alone), a
-- product's (a segment's) those whose mask has a bit of one of its cells. Exact; used
-- while the window has at most 4 x 62 cells.
CREATE TEMP TABLE ids AS
WITH customers AS (
  SELECT
    s.customer_id,
    bit_or(c.w0) AS w0,
    bit_or(c.w1) AS w1,
    bit_or(c.w2) AS w2,
    bit_or(c.w3) AS w3
  FROM sales s
  JOIN cell_bits c
    ON c.product IS NOT DISTINCT FROM s.product AND c.segment IS NOT DISTINCT FROM s.segment
  WHERE s.date BETWEEN $ws AND $we AND s.customer_id IS NOT NULL
  GROUP BY s.customer_id
), masks AS (
  SELECT w0, w1, w2, w3, count(*) AS n
  FROM customers
  GROUP BY w0, w1, w2, w3
), words AS (
  SELECT 0 AS word, w0 AS mask, sum(n) AS n FROM masks GROUP BY w0
  UNION ALL
  SELECT 1 AS word, w1 AS mask, sum(n) AS n FROM masks GROUP BY w1
  UNION ALL
  SELECT 2 AS word, w2 AS mask, sum(n) AS n FROM masks GROUP BY w2
  UNION ALL
  SELECT 3 AS word, w3 AS mask, sum(n) AS n FROM masks GROUP BY w3
), in_cells AS (
  SELECT c.product, c.segment, sum(w.n) AS ids
  FROM cell_bits c
  JOIN words w ON w.word = c.word AND (w.mask >> c.bit) & 1 = 1
  GROUP BY c.product, c.segment
), groups AS (
  -- the bits of each product's (level 1) and each segment's (level 2) cells
  SELECT
    grouping_id(product, segment) AS level,
    product,
    segment,
    bit_or(w0) AS w0,
    bit_or(w1) AS w1,
    bit_or(w2) AS w2,
    bit_or(w3) AS w3
  FROM cell_bits
  GROUP BY GROUPING SETS ((product), (segment))
), in_groups AS (
  SELECT g.level, g.product, g.segment, sum(m.n) AS ids
  FROM masks m
  JOIN groups g ON ((m.w0 & g.w0) | (m.w1 & g.w1) | (m.w2 & g.w2) | (m.w3 & g.w3)) <> 0
  GROUP BY g.level, g.product, g.segment
)
SELECT
  c.product,
  c.segment,
  0 AS level,
  CAST(coalesce(i.ids, 0) AS BIGINT) AS ids,
  CAST(NULL AS DOUBLE) AS ticket_std
FROM cell_bits c
LEFT JOIN in_cells i
  ON i.product IS NOT DISTINCT FROM c.product AND i.segment IS NOT DISTINCT FROM c.segment
UNION ALL
SELECT s.product, s.segment, s.level, CAST(coalesce(g.ids, 0) AS BIGINT) AS ids, s.ticket_std
FROM spread s
LEFT JOIN in_groups g
  ON g.level = s.level
  AND g.product IS NOT DISTINCT FROM s.product
  AND g.segment IS NOT DISTINCT FROM s.segment
