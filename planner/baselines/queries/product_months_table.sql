-- The window's months of each product, in the order the window runs.
SELECT * FROM pm ORDER BY product, first_day
