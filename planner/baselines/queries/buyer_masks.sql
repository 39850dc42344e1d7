-- ids, as buyer_ids.sql makes it, from one aggregation by customer instead of one for the
-- distinct product x customer pairs and one for the segment x customer pairs: each
-- customer id of the window gets the bits (id_bits) of the products and of the segments
-- it bought; the customers are then counted by pair of masks (a few thousand) and each
-- product's (segment's) distinct customer ids are those whose mask has its bit. Exact;
-- used while the window has at most 62 products and 62 segments (one BIGINT each).
CREATE TEMP TABLE ids AS
WITH customers AS (
  SELECT
    s.customer_id,
    bit_or(CAST(1 AS BIGINT) << p.bit) AS products,
    bit_or(CAST(1 AS BIGINT) << g.bit) AS segments
  FROM sales s
  JOIN id_bits p ON p.level = 1 AND p.product IS NOT DISTINCT FROM s.product
  JOIN id_bits g ON g.level = 2 AND g.segment IS NOT DISTINCT FROM s.segment
  WHERE s.date BETWEEN $ws AND $we AND s.customer_id IS NOT NULL
  GROUP BY s.customer_id
), masks AS (
  SELECT products, segments, count(*) AS n
  FROM customers
  GROUP BY products, segments
), pairs AS (
  SELECT b.level, b.product, b.segment, sum(m.n) AS ids
  FROM masks m
  JOIN id_bits b
    ON ((CASE WHEN b.level = 1 THEN m.products ELSE m.segments END) >> b.bit) & 1 = 1
  GROUP BY b.level, b.product, b.segment
)
SELECT s.product, s.segment, s.level, CAST(coalesce(p.ids, 0) AS BIGINT) AS ids, s.ticket_std
FROM spread s
LEFT JOIN pairs p
  ON p.level = s.level
  AND p.product IS NOT DISTINCT FROM s.product
  AND p.segment IS NOT DISTINCT FROM s.segment
