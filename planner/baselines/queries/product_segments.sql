-- The product x segment table (customers * conversion * repurchase * ticket == amount).
SELECT
  f.product, f.segment, f.amount, f.units, f.buyers, s.customers,
  f.buyers / nullif(s.customers, 0) AS conversion,
  f.units / nullif(f.buyers, 0) AS repurchase,
  f.amount / nullif(f.units, 0) AS ticket
FROM facts f
JOIN segs s USING (segment)
WHERE f.level = 0
ORDER BY f.product, f.segment
