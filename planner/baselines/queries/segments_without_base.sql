-- How many segments of the window are missing from the customers table.
SELECT count(*) AS n
FROM facts
WHERE level = 2 AND segment NOT IN (SELECT segment FROM customers)
