-- The day's events and spend: the total every report shows, equal to `ccb spend` (exactly once, by event time).
-- Parameters: :day (YYYY-MM-DD, a UTC day).
SELECT
  COUNT(*) AS events,
  CAST(COALESCE(SUM(cost_nano), 0) AS BIGINT) AS cost_nano,
  CAST(COALESCE(SUM(CASE WHEN estimated THEN cost_nano ELSE 0 END), 0) AS BIGINT) AS estimated_cost_nano
FROM cost_events_unique
WHERE day = CAST(:day AS DATE)
