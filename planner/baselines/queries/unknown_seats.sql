-- Seats of window sales that the seats table does not list.
SELECT DISTINCT seat
FROM wk
WHERE unknown_seat > 0
ORDER BY seat
