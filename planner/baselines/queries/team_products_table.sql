-- Window sales by team x product (the history the allocation shapes team targets on).
SELECT team, product, sum(amount) AS amount, sum(units) AS units
FROM wk
GROUP BY ALL
ORDER BY team, product
