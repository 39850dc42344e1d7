-- Per product: the declared description, window totals, tickets and the declared selling
-- window (the normal year, spikes and launches come from planner.baselines.spikes).
SELECT
  p.product,
  coalesce(d.ticket_mode, 'variable') AS ticket_mode,
  d.fixed_ticket,
  coalesce(d.margin_tier, 'standard') AS margin_tier,
  coalesce(f.amount, 0) AS amount,
  coalesce(f.units, 0) AS units,
  coalesce(f.buyers, 0) AS buyers,
  f.amount / nullif(f.units, 0) AS ticket_mean,
  f.ticket_q[2] AS ticket_median,
  f.ticket_q[1] AS ticket_p10,
  f.ticket_q[3] AS ticket_p90,
  CASE WHEN d.ticket_mode = 'fixed' AND d.fixed_ticket IS NOT NULL THEN d.fixed_ticket
       ELSE f.amount / nullif(f.units, 0) END AS planned_ticket,
  f.first_sale,
  f.last_sale,
  d.sell_from_month,
  d.sell_to_month,
  d.product IS NULL AS undeclared
FROM plist p
LEFT JOIN products d USING (product)
LEFT JOIN (SELECT * FROM facts WHERE level = 1) f USING (product)
ORDER BY p.product
