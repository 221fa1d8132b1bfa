import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClient } from '../../scripts/lib/local-clients';
import { localResources } from '../../scripts/lib/stack-context';
import { dynamoDbHealthy, startDynamoDbLocal, waitUntilHealthy } from '../../scripts/local/emulators';
import { terminate } from '../../scripts/local/processes';
import { ensureTables, loadTableDefinitions, localDynamoDbAdminClient } from '../../scripts/local/provision';

export interface DynamoDbLocalFixture {
  endpoint: string;
  region: string;
  spendTable: string;
  quarantineTable: string;
  client: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

/** A DynamoDB Local of its own, in a temporary folder, with the tables of resources/dynamodb.yml. */
export const givenDynamoDbLocal = async (stage = 'it'): Promise<DynamoDbLocalFixture> => {
  const home = await mkdtemp(join(tmpdir(), 'ccb-ddb-'));
  const emulator = await startDynamoDbLocal({
    dataDirectory: join(home, 'data'),
    logPath: join(home, 'dynamodb.log'),
  });
  await waitUntilHealthy(emulator, dynamoDbHealthy);
  const resources = localResources(stage);
  const endpoints = { kinesis: 'http://127.0.0.1:1', dynamodb: emulator.endpoint };
  const admin = localDynamoDbAdminClient({ region: resources.region, endpoints });
  await ensureTables(admin, await loadTableDefinitions(resources, { stage }));
  admin.destroy();
  const client = localDynamoDbClient({ region: resources.region, endpoints });
  return {
    endpoint: emulator.endpoint,
    region: resources.region,
    spendTable: resources.spendTable,
    quarantineTable: resources.quarantineTable,
    client,
    stop: async () => {
      client.destroy();
      if (emulator.child.pid !== undefined) await terminate(emulator.child.pid, { graceMs: 3_000 });
      await rm(home, { recursive: true, force: true });
    },
  };
};

/** Sum of a counter over one kind of item (key prefix) in a table. */
export const sumOver = async (
  client: DynamoDBDocumentClient,
  table: string,
  prefix: string,
  counter: string,
): Promise<number> => {
  let sum = 0;
  for await (const page of paginateScan({ client }, { TableName: table, ConsistentRead: true })) {
    for (const item of page.Items ?? [])
      if (String(item.pk).startsWith(prefix)) sum += Number(item[counter] ?? 0);
  }
  return sum;
};
