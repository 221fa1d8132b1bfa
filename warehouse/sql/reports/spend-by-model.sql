-- Spend and tokens of one UTC day by model, most expensive first.
-- Parameters: :day (YYYY-MM-DD).
SELECT
  model_id,
  COUNT(*) AS events,
  CAST(SUM(cost_nano) AS BIGINT) AS cost_nano,
  CAST(SUM(CASE WHEN estimated THEN cost_nano ELSE 0 END) AS BIGINT) AS estimated_cost_nano,
  CAST(SUM(input_tokens) AS BIGINT) AS input_tokens,
  CAST(SUM(output_tokens) AS BIGINT) AS output_tokens,
  CAST(SUM(cache_read_tokens) AS BIGINT) AS cache_read_tokens,
  CAST(SUM(cache_write_tokens + cache_write_1h_tokens) AS BIGINT) AS cache_write_tokens,
  CAST(SUM(CASE WHEN cache_hit THEN 1 ELSE 0 END) AS BIGINT) AS cache_hits
FROM cost_events_unique
WHERE day = CAST(:day AS DATE)
GROUP BY model_id
ORDER BY cost_nano DESC, model_id
