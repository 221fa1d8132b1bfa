-- Prompt-cache tokens per model and region: the report prices them with the same price table as the
-- events (reads at the input price minus the read price saved; writes at their premium over input).
-- Parameters: :day (YYYY-MM-DD).
SELECT
  model_id,
  region,
  CAST(SUM(CASE WHEN cache_read_tokens > 0 THEN 1 ELSE 0 END) AS BIGINT) AS calls_reading_cache,
  CAST(SUM(cache_read_tokens) AS BIGINT) AS cache_read_tokens,
  CAST(SUM(cache_write_tokens) AS BIGINT) AS cache_write_tokens,
  CAST(SUM(cache_write_1h_tokens) AS BIGINT) AS cache_write_1h_tokens
FROM cost_events_unique
WHERE day = CAST(:day AS DATE)
  AND cache_read_tokens + cache_write_tokens + cache_write_1h_tokens > 0
GROUP BY model_id, region
ORDER BY model_id, region
