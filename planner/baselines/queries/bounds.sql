-- First and last sale date and the number of sales rows (the whole history).
SELECT min(date) AS first_date, max(date) AS last_date, count(*) AS n_rows
FROM sales
