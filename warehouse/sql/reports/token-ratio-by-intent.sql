-- Prompt (input + prompt-cache read and write) to output tokens per intent, over model calls only
-- (response-cache hits make none). An intent whose prompt tokens exceed :max_ratio times its output
-- tokens is wasteful (seed 002: above 10:1, review the prompt); so is each call above that ratio.
-- Parameters: :day (YYYY-MM-DD), :max_ratio (an integer, 10).
SELECT
  intent,
  COUNT(*) AS model_calls,
  CAST(SUM(input_tokens) AS BIGINT) AS input_tokens,
  CAST(SUM(input_tokens + cache_read_tokens + cache_write_tokens + cache_write_1h_tokens) AS BIGINT) AS prompt_tokens,
  CAST(SUM(output_tokens) AS BIGINT) AS output_tokens,
  CAST(SUM(
    CASE
      WHEN CAST(input_tokens + cache_read_tokens + cache_write_tokens + cache_write_1h_tokens AS BIGINT)
        > CAST(:max_ratio AS BIGINT) * output_tokens THEN 1
      ELSE 0
    END
  ) AS BIGINT) AS wasteful_calls,
  CASE
    WHEN SUM(CAST(input_tokens + cache_read_tokens + cache_write_tokens + cache_write_1h_tokens AS BIGINT))
      > CAST(:max_ratio AS BIGINT) * SUM(CAST(output_tokens AS BIGINT)) THEN TRUE
    ELSE FALSE
  END AS wasteful
FROM cost_events_unique
WHERE day = CAST(:day AS DATE)
  AND NOT cache_hit
GROUP BY intent
ORDER BY intent
