import { RedshiftDataWarehouse, type RedshiftTarget } from '../adapters/warehouse/redshift-data-warehouse';
import { bundledSql } from '../adapters/warehouse/sql-catalog';
import { redshiftDataClient } from './aws-clients/redshift-data';
import { requireEnv } from './config';

/**
 * The warehouse a function queries: WAREHOUSE_DATABASE and either WAREHOUSE_WORKGROUP (Redshift
 * Serverless, credentials from the function's role) or WAREHOUSE_CLUSTER_ID with WAREHOUSE_SECRET_ARN or
 * WAREHOUSE_DB_USER (a provisioned cluster).
 */
export const warehouseTargetFromEnv = (env: NodeJS.ProcessEnv = process.env): RedshiftTarget => {
  const database = requireEnv('WAREHOUSE_DATABASE', env);
  const workgroup = env.WAREHOUSE_WORKGROUP?.trim();
  if (workgroup) return { database, workgroupName: workgroup };
  const clusterIdentifier = requireEnv('WAREHOUSE_CLUSTER_ID', env);
  const secretArn = env.WAREHOUSE_SECRET_ARN?.trim();
  return secretArn
    ? { database, clusterIdentifier, secretArn }
    : { database, clusterIdentifier, dbUser: requireEnv('WAREHOUSE_DB_USER', env) };
};

/** The Redshift Data API warehouse with the bundled queries (AWS_ENDPOINT_URL_REDSHIFT_DATA locally). */
export const redshiftWarehouse = (options: { timeoutMs: number }): RedshiftDataWarehouse =>
  new RedshiftDataWarehouse(redshiftDataClient(), {
    target: warehouseTargetFromEnv(),
    sql: bundledSql,
    timeoutMs: options.timeoutMs,
  });
