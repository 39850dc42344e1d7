-- Seats active in the window without a sale in it.
SELECT seat FROM seat_weeks
EXCEPT
SELECT seat FROM wk
ORDER BY seat
