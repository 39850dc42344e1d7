-- The teams table: seats active at the window's end (by grade), window sales and share.
WITH g AS (
  SELECT team, grade, count(*) AS n
  FROM seats
  WHERE active_at_end
  GROUP BY ALL
), a AS (
  SELECT
    team,
    sum(n) AS seats_active,
    string_agg(grade || ':' || n, ' ' ORDER BY grade) AS seats_by_grade
  FROM g
  GROUP BY team
), amt AS (
  SELECT team, sum(amount) AS amount, sum(units) AS units FROM wk GROUP BY team
), all_teams AS (
  SELECT team FROM seats
  UNION
  SELECT team FROM wk
)
SELECT
  team,
  CAST(coalesce(a.seats_active, 0) AS BIGINT) AS seats_active,
  coalesce(a.seats_by_grade, '') AS seats_by_grade,
  coalesce(amt.amount, 0) AS amount,
  coalesce(amt.units, 0) AS units,
  coalesce(amt.amount, 0) / nullif(sum(amt.amount) OVER (), 0) AS share
FROM all_teams
LEFT JOIN a USING (team)
LEFT JOIN amt USING (team)
ORDER BY team
