-- The segments table.
SELECT * FROM segs ORDER BY segment
