-- How many product x segment cells the window's sales have, to choose how buyer_ids are
-- counted (planner.baselines.buyers).
SELECT count(*) AS cells
FROM cust
