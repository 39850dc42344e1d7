-- seat_weeks: seat x ISO week while the seat is active in the window (weeks with a
-- working day); a week before start_date + ramp months is a ramp week.
CREATE TEMP TABLE seat_weeks AS
SELECT
  t.seat,
  t.team,
  t.grade,
  d.week_start,
  count(*) AS working_days,
  coalesce(d.week_start < t.start_date + to_months($ramp), false) AS is_ramp
FROM seats t
JOIN days d
  ON d.is_working
  AND d.date BETWEEN greatest($ws, coalesce(t.start_date, $ws))
                 AND least($we, coalesce(t.end_date, $we))
GROUP BY ALL
