-- How many products and segments the window's sales have (from the product x segment
-- cells), to choose how buyer_ids are counted (planner.baselines.buyers).
SELECT count(DISTINCT product) AS products, count(DISTINCT segment) AS segments
FROM cust
