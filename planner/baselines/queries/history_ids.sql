-- hist_ids: distinct customer ids per segment over all history, the fallback customer
-- base; scanned only when some segment is missing from the customers table.
CREATE TEMP TABLE hist_ids AS
SELECT segment, count(DISTINCT customer_id) AS ids
FROM sales
GROUP BY segment
