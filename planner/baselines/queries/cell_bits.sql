-- cell_bits: a bit for each product x segment cell of the window (cust), numbered from 0
-- in name order, in four words of 62 bits: cell i is bit i % 62 of word i // 62, and
-- w0..w3 hold that bit in its word's column (0 in the others). buyer_masks.sql marks
-- with them the cells each customer id bought in; used while the window has at most
-- 4 x 62 cells (planner.baselines.buyers).
CREATE TEMP TABLE cell_bits AS
WITH numbered AS (
  SELECT product, segment, row_number() OVER (ORDER BY product, segment) - 1 AS i
  FROM cust
)
SELECT
  product,
  segment,
  i // 62 AS word,
  i % 62 AS bit,
  CASE WHEN i // 62 = 0 THEN CAST(1 AS BIGINT) << (i % 62) ELSE 0 END AS w0,
  CASE WHEN i // 62 = 1 THEN CAST(1 AS BIGINT) << (i % 62) ELSE 0 END AS w1,
  CASE WHEN i // 62 = 2 THEN CAST(1 AS BIGINT) << (i % 62) ELSE 0 END AS w2,
  CASE WHEN i // 62 = 3 THEN CAST(1 AS BIGINT) << (i % 62) ELSE 0 END AS w3
FROM numbered
