-- tq: each product's ticket p10, median and p90 (positive rows of the window).
CREATE TEMP TABLE tq AS
SELECT product, quantile_cont(amount / units, [0.1, 0.5, 0.9]) AS ticket_q
FROM sales
WHERE date BETWEEN $ws AND $we AND amount > 0 AND units > 0
GROUP BY product
