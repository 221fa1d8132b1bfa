-- The most expensive sessions of one UTC day (their events on that day), ranked by cost, then id.
-- Parameters: :day (YYYY-MM-DD), :limit (how many).
SELECT
  cost_rank,
  session_id,
  events,
  cost_nano,
  intents,
  first_event_at,
  last_event_at
FROM (
  SELECT
    sessions.*,
    ROW_NUMBER() OVER (ORDER BY cost_nano DESC, session_id) AS cost_rank
  FROM (
    SELECT
      session_id,
      COUNT(*) AS events,
      CAST(SUM(cost_nano) AS BIGINT) AS cost_nano,
      COUNT(DISTINCT intent) AS intents,
      MIN(occurred_at) AS first_event_at,
      MAX(occurred_at) AS last_event_at
    FROM cost_events_unique
    WHERE day = CAST(:day AS DATE)
    GROUP BY session_id
  ) sessions
) ranked
WHERE cost_rank <= CAST(:limit AS INTEGER)
ORDER BY cost_rank
