-- The application's response cache per intent: hits and misses, and what each side cost. The report
-- prices what the hits would have cost at the intent's average uncached call (the misses' cost / misses).
-- Parameters: :day (YYYY-MM-DD).
SELECT
  intent,
  CAST(SUM(CASE WHEN cache_hit THEN 1 ELSE 0 END) AS BIGINT) AS hits,
  CAST(SUM(CASE WHEN cache_hit THEN 0 ELSE 1 END) AS BIGINT) AS misses,
  CAST(SUM(CASE WHEN cache_hit THEN cost_nano ELSE 0 END) AS BIGINT) AS hit_cost_nano,
  CAST(SUM(CASE WHEN cache_hit THEN 0 ELSE cost_nano END) AS BIGINT) AS miss_cost_nano
FROM cost_events_unique
WHERE day = CAST(:day AS DATE)
GROUP BY intent
ORDER BY intent
