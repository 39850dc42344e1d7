-- Weekly productivity per seat by grade (level 1) and by team (level 2) and product
-- (ramp weeks apart): over every active seat-week x product, zeros included, and the
-- all-products cells. (The level is spelt with grouping(): Spark's grouping_id() must
-- name every grouping column, product too.)
--
-- The zero cells (an active seat-week without a sale of the product) are counted, not
-- made: a group has a cell for each of its seat-weeks, its mean is the sum of its sold
-- cells over that count, and its median is 0 while fewer than half its cells are
-- positive and fewer than half negative (the middle ranks then fall among the zeros).
-- Only the other groups ("busy") take their median from their sold cells and as many
-- zeros as they lack (numbered rows of nums): the same values the zero cells would give.
--
-- sold: the seat x ISO week x product cells. wk has a row per seat x product x week x
-- month (a known seat has one team), so only a week across two months has two rows to
-- add up; every other row is its cell as it is (the same number a sum of it gives).
WITH split AS (
  SELECT week_start
  FROM days
  GROUP BY week_start
  HAVING min(month_start) < max(month_start)
), sold AS (
  SELECT seat, week_start, product, amount, units
  FROM wk
  WHERE week_start NOT IN (SELECT week_start FROM split)
  UNION ALL
  SELECT seat, week_start, product, sum(amount) AS amount, sum(units) AS units
  FROM wk
  WHERE week_start IN (SELECT week_start FROM split)
  GROUP BY seat, week_start, product
), cell AS (
  -- the cells with a sale in an active seat-week, and every all-products cell
  SELECT
    w.grade, w.team, w.is_ramp, s.product,
    coalesce(s.amount, 0) AS amount,
    coalesce(s.units, 0) AS units
  FROM sold s
  JOIN seat_weeks w ON s.seat = w.seat AND s.week_start = w.week_start
  WHERE s.product IS NOT NULL
  UNION ALL
  SELECT grade, team, is_ramp, $all AS product, amount, units
  FROM cells
), tally AS (
  SELECT
    2 * grouping(grade) + grouping(team) AS level,
    grade,
    team,
    product,
    count(*) FILTER (WHERE NOT is_ramp) AS cells,
    count(*) FILTER (WHERE NOT is_ramp AND amount > 0) AS amount_pos,
    count(*) FILTER (WHERE NOT is_ramp AND amount < 0) AS amount_neg,
    count(*) FILTER (WHERE NOT is_ramp AND units > 0) AS units_pos,
    count(*) FILTER (WHERE NOT is_ramp AND units < 0) AS units_neg,
    sum(amount) FILTER (WHERE NOT is_ramp) AS amount,
    sum(units) FILTER (WHERE NOT is_ramp) AS units,
    sum(amount) FILTER (WHERE is_ramp) AS ramp_amount
  FROM cell
  GROUP BY GROUPING SETS ((grade, product), (team, product))
), weeks AS (
  SELECT
    2 * grouping(grade) + grouping(team) AS level,
    grade,
    team,
    count(*) FILTER (WHERE NOT is_ramp) AS seat_weeks,
    count(*) FILTER (WHERE is_ramp) AS ramp_seat_weeks
  FROM seat_weeks
  GROUP BY GROUPING SETS ((grade), (team))
), groups AS (
  SELECT
    w.level, w.grade, w.team, p.product, w.seat_weeks, w.ramp_seat_weeks,
    t.amount, t.units, t.ramp_amount,
    w.seat_weeks - coalesce(t.cells, 0) AS zeros,
    2 * greatest(coalesce(t.amount_pos, 0), coalesce(t.amount_neg, 0),
                 coalesce(t.units_pos, 0), coalesce(t.units_neg, 0)) >= w.seat_weeks
      AND w.seat_weeks > 0 AS busy
  FROM weeks w
  CROSS JOIN (SELECT product FROM plist UNION ALL SELECT $all AS product) p
  LEFT JOIN tally t
    ON t.level = w.level
    AND t.grade IS NOT DISTINCT FROM w.grade
    AND t.team IS NOT DISTINCT FROM w.team
    AND t.product IS NOT DISTINCT FROM p.product
), busy AS (
  SELECT level, grade, team, product, zeros
  FROM groups
  WHERE busy
), nums AS (
  SELECT row_number() OVER (ORDER BY seat, week_start) AS i
  FROM seat_weeks
), medians AS (
  -- every group's median of its sold cells and the zeros it lacks, if busy (the others'
  -- medians, of their sold cells alone, are not read)
  SELECT
    1 AS level, grade, CAST(NULL AS VARCHAR) AS team, product,
    median(amount) AS median_amount,
    median(units) AS median_units
  FROM (
    SELECT grade, product, amount, units
    FROM cell
    WHERE NOT is_ramp
    UNION ALL
    SELECT b.grade, b.product, CAST(0 AS DOUBLE) AS amount, CAST(0 AS DOUBLE) AS units
    FROM busy b
    JOIN nums n ON n.i <= b.zeros
    WHERE b.level = 1
  )
  GROUP BY grade, product
  UNION ALL
  SELECT
    2 AS level, CAST(NULL AS VARCHAR) AS grade, team, product,
    median(amount) AS median_amount,
    median(units) AS median_units
  FROM (
    SELECT team, product, amount, units
    FROM cell
    WHERE NOT is_ramp
    UNION ALL
    SELECT b.team, b.product, CAST(0 AS DOUBLE) AS amount, CAST(0 AS DOUBLE) AS units
    FROM busy b
    JOIN nums n ON n.i <= b.zeros
    WHERE b.level = 2
  )
  GROUP BY team, product
)
SELECT
  g.level,
  g.grade,
  g.team,
  g.product,
  g.seat_weeks,
  CASE WHEN g.seat_weeks > 0 THEN coalesce(g.amount, 0) / g.seat_weeks END AS mean_amount,
  CASE WHEN g.busy THEN m.median_amount WHEN g.seat_weeks > 0 THEN CAST(0 AS DOUBLE) END
    AS median_amount,
  CASE WHEN g.seat_weeks > 0 THEN coalesce(g.units, 0) / g.seat_weeks END AS mean_units,
  CASE WHEN g.busy THEN m.median_units WHEN g.seat_weeks > 0 THEN CAST(0 AS DOUBLE) END
    AS median_units,
  g.ramp_seat_weeks,
  CASE WHEN g.ramp_seat_weeks > 0 THEN coalesce(g.ramp_amount, 0) / g.ramp_seat_weeks END
    AS ramp_mean_amount
FROM groups g
LEFT JOIN medians m
  ON m.level = g.level
  AND m.grade IS NOT DISTINCT FROM g.grade
  AND m.team IS NOT DISTINCT FROM g.team
  AND m.product IS NOT DISTINCT FROM g.product
ORDER BY g.level, g.grade, g.team, g.product <> $all, g.product
