import { join } from 'node:path';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import {
  RedshiftDataWarehouse,
  type RedshiftTarget,
} from '../../functions/adapters/warehouse/redshift-data-warehouse';
import { sqlFromDisk } from '../../functions/adapters/warehouse/sql-catalog';
import type { Warehouse } from '../../functions/core/analytics/ports';
import { localRedshiftDataClient } from '../lib/local-clients';
import { readStackState } from '../lib/stack-context';
import { projectRoot } from '../local/paths';

/** The warehouse a stage's reports read: the local stack's stand-in, or the stage's Redshift Serverless workgroup. */
export const warehouseTarget = (stage: string): RedshiftTarget => ({
  // serverless.yml's custom.names.warehouseWorkgroup and warehouseDatabase; the local stand-in takes any.
  workgroupName: process.env.CCB_WAREHOUSE_WORKGROUP ?? `ccb-${stage}`,
  database: process.env.CCB_WAREHOUSE_DATABASE ?? 'ccb',
});

/**
 * The same RedshiftDataWarehouse the functions use, with the query files of this checkout: against the
 * local stack's Redshift Data API stand-in (PGlite), or the Redshift Data API of an AWS stage.
 */
export const openWarehouse = async (stage: string): Promise<Warehouse> => {
  const client =
    stage === 'local'
      ? localRedshiftDataClient(await readStackState())
      : new RedshiftDataClient({ region: process.env.AWS_REGION ?? 'us-east-1' });
  return new RedshiftDataWarehouse(client, {
    target: warehouseTarget(stage),
    sql: sqlFromDisk(join(projectRoot, 'warehouse', 'sql')),
  });
};
