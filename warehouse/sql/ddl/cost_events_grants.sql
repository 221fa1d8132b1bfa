-- Readers of the archive: the Redshift Data API connects an IAM role (the baselines function) or person
-- (`ccb report --stage`) as its own database user (IAMR:<role>, IAM:<user>), created on first use with
-- only PUBLIC's privileges. Read-only, and only principals allowed to get credentials for the workgroup
-- can connect at all. Applied after cost_events.sql (files run in name order).
GRANT SELECT ON cost_events TO PUBLIC;
GRANT SELECT ON cost_events_unique TO PUBLIC;
