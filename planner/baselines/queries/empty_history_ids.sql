-- hist_ids when every segment has its base in the customers table.
CREATE TEMP TABLE hist_ids AS
SELECT '' AS segment, 0 AS ids
WHERE false
