-- The archive of validated, normalized cost events (functions/core/analytics/archived-event.ts).
-- Valid on Amazon Redshift and on PostgreSQL (PGlite). Firehose loads it with COPY ... FORMAT JSON 'auto'.
CREATE TABLE IF NOT EXISTS cost_events (
  event_id VARCHAR(128) NOT NULL,
  schema_version VARCHAR(16) NOT NULL,
  occurred_at TIMESTAMP NOT NULL,
  day DATE NOT NULL,
  hour SMALLINT NOT NULL,
  request_id VARCHAR(128) NOT NULL,
  session_id VARCHAR(128) NOT NULL,
  intent VARCHAR(64) NOT NULL,
  model_id VARCHAR(256) NOT NULL,
  component VARCHAR(32) NOT NULL,
  language VARCHAR(16) NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  cache_write_1h_tokens INTEGER NOT NULL,
  cache_hit BOOLEAN NOT NULL,
  region VARCHAR(32) NOT NULL,
  cost_nano BIGINT NOT NULL,
  -- Priced at a ceiling: a model or region the price catalog does not know (an upper bound, never less).
  estimated BOOLEAN NOT NULL DEFAULT FALSE,
  reported_cost_nano BIGINT,
  price_table VARCHAR(32) NOT NULL,
  producer VARCHAR(128),
  stream_position VARCHAR(200) NOT NULL,
  arrived_at TIMESTAMP NOT NULL
);

-- At-least-once delivery and producer retries can repeat a row: every query reads this view, which
-- keeps the first arrival of each (session_id, event_id), as the spend items count it once.
CREATE OR REPLACE VIEW cost_events_unique AS
SELECT * FROM (
  SELECT e.*, ROW_NUMBER() OVER (PARTITION BY session_id, event_id ORDER BY arrived_at, stream_position) AS copy_number
  FROM cost_events e
) ranked
WHERE copy_number = 1;
