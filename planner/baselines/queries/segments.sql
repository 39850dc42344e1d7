-- segs: per customer segment, the customer base (customers table, else customer ids in
-- history, else the buyers), conversion, repurchase and ticket of the window.
CREATE TEMP TABLE segs AS
WITH f AS (
  SELECT * FROM facts WHERE level = 2
), b AS (
  SELECT
    segment,
    coalesce(avg(stock) FILTER (WHERE in_w), avg(stock)) AS stock,
    coalesce(avg(new) FILTER (WHERE in_w), avg(new)) AS new,
    coalesce(avg(attrition) FILTER (WHERE in_w), avg(attrition)) AS attrition,
    coalesce(avg(aum) FILTER (WHERE in_w), avg(aum)) AS aum
  FROM (
    SELECT *, month BETWEEN CAST(date_trunc('month', $ws) AS DATE) AND $we AS in_w
    FROM customers
  )
  GROUP BY segment
), s AS (
  SELECT
    coalesce(f.segment, b.segment) AS segment,
    b.stock, b.new, b.attrition, b.aum,
    nullif(h.ids, 0) AS ids,
    coalesce(f.buyers, 0) AS buyers,
    coalesce(f.units, 0) AS units,
    coalesce(f.amount, 0) AS amount,
    f.ticket_std
  FROM f
  FULL JOIN b ON f.segment = b.segment
  LEFT JOIN hist_ids h ON h.segment = coalesce(f.segment, b.segment)
)
SELECT
  segment,
  coalesce(stock, ids, buyers) AS customers,
  CASE
    WHEN stock IS NOT NULL THEN 'customers table'
    WHEN ids IS NOT NULL THEN 'customer ids in history'
    ELSE 'buyers (base unknown)'
  END AS base_source,
  new,
  attrition,
  buyers,
  buyers / nullif(coalesce(stock, ids, buyers), 0) AS conversion,
  units,
  units / nullif(buyers, 0) AS repurchase,
  amount,
  amount / nullif(units, 0) AS avg_ticket,
  ticket_std,
  aum,
  amount / nullif(sum(amount) OVER (), 0) AS amount_share
FROM s
ORDER BY segment
