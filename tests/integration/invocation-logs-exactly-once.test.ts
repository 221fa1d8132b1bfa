import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbClaimsLog } from '../../functions/adapters/dynamodb/dynamodb-claims-log';
import { DynamoDbQuarantineStore } from '../../functions/adapters/dynamodb/dynamodb-quarantine-store';
import { DynamoDbRequestClaims } from '../../functions/adapters/dynamodb/dynamodb-request-claims';
import { DynamoDbSpendStore } from '../../functions/adapters/dynamodb/dynamodb-spend-store';
import type { CostEventV2 } from '../../functions/core/events/cost-event';
import { createIngestBatch, type StreamRecord } from '../../functions/core/ingest/ingest-batch';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import { expectedTotals } from '../../scripts/scenarios/expected-totals';
import {
  controlMessageRecord,
  dataMessageRecord,
  toInvocationLog,
} from '../../scripts/scenarios/invocation-logs';
import { aV2Event } from '../helpers/cost-events';
import { type DynamoDbLocalFixture, givenDynamoDbLocal, sumOver } from '../helpers/dynamodb-local';

const envelope = (calls: readonly CostEventV2[]) =>
  dataMessageRecord(
    calls.map((c) => JSON.stringify(toInvocationLog(c))),
    Date.now(),
  );

const records = (shardId: string, first: bigint, ...data: Uint8Array[]): StreamRecord[] =>
  data.map((d, i) => ({
    shardId,
    sequenceNumber: String(first + BigInt(i) * 10n),
    partitionKey: 'cwl',
    arrivedAt: Date.now(),
    data: d,
  }));

describe('invocation logs on DynamoDB Local', () => {
  let ddb: DynamoDbLocalFixture;
  const ingest = () =>
    createIngestBatch({
      store: new DynamoDbSpendStore(ddb.client, ddb.spendTable),
      claimsLog: new DynamoDbClaimsLog(ddb.client, ddb.spendTable),
      quarantine: new DynamoDbQuarantineStore(ddb.client, ddb.quarantineTable),
      requestClaims: new DynamoDbRequestClaims(ddb.client, ddb.spendTable),
      source: 'invocation-logs',
      prices: DEFAULT_PRICE_TABLE,
    });

  beforeAll(async () => {
    ddb = await givenDynamoDbLocal();
  }, 60_000);

  afterAll(async () => {
    await ddb?.stop();
  });

  it('counts a re-delivered envelope once across shards: the holder comes back with the failed condition', async () => {
    // Prepare
    const calls = Array.from({ length: 6 }, (_, i) =>
      aV2Event({ event_id: `it-req-${i}`, session_id: `it-s-${i % 2}`, occurred_at: Date.now() }),
    );
    const base = 49_660_000_000_000_000_000_000_000_000_000_000_000_000_000_000n;

    // Act
    const first = await ingest()(
      records('shardId-000000000000', base, controlMessageRecord(), envelope(calls.slice(0, 4))),
    );
    const again = await ingest()(records('shardId-000000000001', base, envelope(calls)));
    const retried = await ingest()(records('shardId-000000000001', base, envelope(calls)));

    // Assess: the retry of the very same batch holds its own claims, so it counts again and the spend
    // watermarks apply nothing twice
    expect([
      first.summary.counted,
      first.summary.skipped,
      again.summary.counted,
      again.summary.duplicates,
      retried.summary.counted,
    ]).toEqual([4, 1, 2, 4, 2]);
    const expected = expectedTotals(calls);
    expect(await sumOver(ddb.client, ddb.spendTable, 'DAY#', 'cost_nano')).toBe(expected.costNano);
    expect(await sumOver(ddb.client, ddb.spendTable, 'HOUR#', 'events')).toBe(6);
  }, 60_000);
});
