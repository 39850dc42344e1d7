-- spread: the spread of tickets (amount / units, positive rows) of the window by product
-- (level 1) and by segment (level 2), counted on the rows; buyer_ids.sql or
-- buyer_masks.sql (planner.baselines.buyers) adds each one's distinct customer ids.
CREATE TEMP TABLE spread AS
SELECT
  product,
  segment,
  grouping_id(product, segment) AS level,
  stddev_samp(CASE WHEN amount > 0 AND units > 0 THEN amount / units END) AS ticket_std
FROM sales
WHERE date BETWEEN $ws AND $we
GROUP BY GROUPING SETS ((product), (segment))
