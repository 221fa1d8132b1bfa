-- Spend per hour of the UTC day over the 7 and 28 days before :day, and how many of those days the
-- warehouse has any event on. Hours with no spend on any day are absent (their spend is 0). The
-- baselines function divides each sum by 4 x its days: the average 15-minute spend at that hour.
-- Parameters: :day (YYYY-MM-DD, the day the baselines are for; not itself included).
WITH hourly AS (
  SELECT
    day,
    hour,
    CAST(SUM(cost_nano) AS BIGINT) AS cost_nano
  FROM cost_events_unique
  WHERE day >= CAST(:day AS DATE) - 28
    AND day < CAST(:day AS DATE)
  GROUP BY day, hour
),
covered AS (
  SELECT
    COUNT(DISTINCT CASE WHEN day >= CAST(:day AS DATE) - 7 THEN day END) AS days_7d,
    COUNT(DISTINCT day) AS days_28d
  FROM hourly
)
SELECT
  hourly.hour,
  CAST(SUM(CASE WHEN hourly.day >= CAST(:day AS DATE) - 7 THEN hourly.cost_nano ELSE 0 END) AS BIGINT) AS cost_7d_nano,
  MAX(covered.days_7d) AS days_7d,
  CAST(SUM(hourly.cost_nano) AS BIGINT) AS cost_28d_nano,
  MAX(covered.days_28d) AS days_28d
FROM hourly
CROSS JOIN covered
GROUP BY hourly.hour
ORDER BY hourly.hour
