-- id_bits: a bit for each product (level 1) and each segment (level 2) of the window,
-- numbered from 0 in name order; buyer_masks.sql marks with them what each customer bought.
CREATE TEMP TABLE id_bits AS
SELECT
  1 AS level,
  product,
  CAST(NULL AS VARCHAR) AS segment,
  CAST(row_number() OVER (ORDER BY product) - 1 AS BIGINT) AS bit
FROM (SELECT DISTINCT product FROM cust)
UNION ALL
SELECT
  2 AS level,
  CAST(NULL AS VARCHAR) AS product,
  segment,
  CAST(row_number() OVER (ORDER BY segment) - 1 AS BIGINT) AS bit
FROM (SELECT DISTINCT segment FROM cust)
