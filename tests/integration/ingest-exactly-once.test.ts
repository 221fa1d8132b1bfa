import { randomBytes } from 'node:crypto';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbClaimsLog } from '../../functions/adapters/dynamodb/dynamodb-claims-log';
import { DynamoDbQuarantineStore } from '../../functions/adapters/dynamodb/dynamodb-quarantine-store';
import { DynamoDbSpendStore, unpadSequence } from '../../functions/adapters/dynamodb/dynamodb-spend-store';
import { decodeLogItem } from '../../functions/core/ingest/claims-log';
import { createIngestBatch, type IngestDependencies } from '../../functions/core/ingest/ingest-batch';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import { generateScenario } from '../../scripts/scenarios';
import { expectedTotals } from '../../scripts/scenarios/expected-totals';
import { aBatch, aV2Event } from '../helpers/cost-events';
import { type DynamoDbLocalFixture, givenDynamoDbLocal, sumOver } from '../helpers/dynamodb-local';

const CALLS = new Set(['UpdateItemCommand', 'PutItemCommand', 'QueryCommand']);

/**
 * Fails chosen calls as a throttle the SDK gave up on would (before they reach DynamoDB), or loses their
 * response after DynamoDB applied them, as a timeout would.
 */
const withFaults = (client: DynamoDBDocumentClient) => {
  const faults = {
    calls: 0,
    failBefore: (_n: number): boolean => false,
    failAfter: (_n: number): boolean => false,
  };
  const throttle = () =>
    new ProvisionedThroughputExceededException({ message: 'injected throttle', $metadata: {} });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!CALLS.has(context.commandName ?? '')) return next(args);
      faults.calls += 1;
      const n = faults.calls;
      if (faults.failBefore(n)) throw throttle();
      const result = await next(args);
      if (faults.failAfter(n)) throw throttle();
      return result;
    },
    { step: 'initialize', name: 'injectFaults' },
  );
  return faults;
};

/** Claims and cost the claims log holds, decoded from every log item in the table. */
const loggedTotals = async (client: DynamoDBDocumentClient, table: string) => {
  const totals = { events: 0, costNano: 0, items: 0, largestItemBytes: 0 };
  for await (const page of paginateScan({ client }, { TableName: table, ConsistentRead: true })) {
    for (const item of page.Items ?? []) {
      const pk = String(item.pk);
      if (!pk.startsWith('CLAIMS#')) continue;
      const body = item.body as Uint8Array;
      totals.items += 1;
      totals.largestItemBytes = Math.max(totals.largestItemBytes, body.length);
      const entry = decodeLogItem({
        shardId: pk.slice('CLAIMS#'.length),
        firstPosition: unpadSequence(String(item.sk)),
        arrivedAt: Number(item.arrived_at),
        expiresAt: Number(item.expires_at),
        claims: Number(item.claims),
        body,
      });
      for (const session of entry.sessions) {
        totals.events += session.claims.length;
        totals.costNano += session.costNano;
      }
    }
  }
  return totals;
};

describe('ingestion against DynamoDB Local, with faults injected', () => {
  let ddb: DynamoDbLocalFixture;

  beforeAll(async () => {
    ddb = await givenDynamoDbLocal();
  }, 60_000);

  afterAll(async () => {
    await ddb?.stop();
  });

  const aContainer = (options: Partial<IngestDependencies> = {}) =>
    createIngestBatch({
      store: new DynamoDbSpendStore(ddb.client, ddb.spendTable),
      claimsLog: new DynamoDbClaimsLog(ddb.client, ddb.spendTable),
      quarantine: new DynamoDbQuarantineStore(ddb.client, ddb.quarantineTable),
      prices: DEFAULT_PRICE_TABLE,
      ...options,
    });

  it('stores exactly the unique valid events through crashes, throttles, lost responses, redeliveries, duplicates, poison and cold starts', async () => {
    // Prepare: a scenario slice (it has producer duplicates and bad lines), re-sent events and poison.
    const lines = [...generateScenario('default-day', { scale: 0.002, seed: 7 })];
    const resent = lines.filter((_, i) => i % 97 === 0 && typeof lines[i] === 'object');
    const payloads = [...lines, ...resent, 'garbage', { schema_version: '9.1' }];
    const records = aBatch(payloads, { arrivedAt: Date.now() });
    const faults = withFaults(ddb.client);
    // Every session is persisted, so the session items must add up to the totals too.
    const containers = [aContainer({ sessionPersistMinNano: 0 }), aContainer({ sessionPersistMinNano: 0 })];

    // Act: an event source that bisects, resumes after partial failures, redelivers after crashes, and
    // runs the shard's batches on two containers in turn, one of them restarting (a cold start).
    let checkpoint = 0;
    let round = 0;
    let crashes = 0;
    let partials = 0;
    while (checkpoint < records.length) {
      round += 1;
      const batch = records.slice(checkpoint, checkpoint + (round % 3 === 0 ? 90 : 250));
      const crash = round % 4 === 1;
      faults.failBefore = crash ? (n) => n % 11 === 0 : round % 4 === 2 ? (n) => n % 37 === 0 : () => false;
      faults.failAfter = round % 4 === 3 ? (n) => n % 13 === 0 : () => false;
      if (round % 5 === 0) containers[1] = aContainer({ sessionPersistMinNano: 0 });
      const ingest = containers[round % 2] as (typeof containers)[number];
      const result = await ingest(batch);
      if (crash) {
        crashes += 1;
        continue;
      }
      if (result.firstFailedSequenceNumber !== undefined) partials += 1;
      checkpoint =
        result.firstFailedSequenceNumber === undefined
          ? checkpoint + batch.length
          : records.findIndex((r) => r.sequenceNumber === result.firstFailedSequenceNumber);
    }
    faults.failBefore = () => false;
    faults.failAfter = () => false;

    // Assess
    const expected = expectedTotals(records.map((r) => r.data));
    expect(crashes).toBeGreaterThan(0);
    expect(partials).toBeGreaterThan(0);
    for (const prefix of ['HOUR#', 'DAY#', 'Q15#', 'SESSION#']) {
      expect([prefix, await sumOver(ddb.client, ddb.spendTable, prefix, 'cost_nano')]).toEqual([
        prefix,
        expected.costNano,
      ]);
      expect([prefix, await sumOver(ddb.client, ddb.spendTable, prefix, 'events')]).toEqual([
        prefix,
        expected.events,
      ]);
    }
    const logged = await loggedTotals(ddb.client, ddb.spendTable);
    expect([logged.costNano, logged.events]).toEqual([expected.costNano, expected.events]);
    const quarantined = await sumOver(ddb.client, ddb.quarantineTable, 'REC#', 'payload_bytes');
    expect(quarantined).toBeGreaterThan(0);
  }, 180_000);

  it('logs a batch of random, longest-possible ids in several large items, each one DynamoDB accepts', async () => {
    // Prepare: 64-character random ids (the schema's maximum) that deflate can hardly shrink, one event per session and record.
    const id = (i: number) =>
      `${String(i).padStart(5, '0')}${randomBytes(45).toString('base64url')}`.slice(0, 64);
    const payloads = Array.from({ length: 6_000 }, (_, i) =>
      aV2Event({ event_id: id(i), session_id: id(i + 10_000), request_id: `r${i}` }),
    );
    const records = aBatch(payloads, { shardId: 'shardId-000000000009', arrivedAt: Date.now() });

    // Act
    const result = await aContainer()(records);

    // Assess
    expect(result.summary).toMatchObject({ counted: payloads.length, quarantined: {} });
    expect(result.firstFailedSequenceNumber).toBeUndefined();
    expect(result.summary.writes.claimsLog).toBeGreaterThan(1);
    const logged = await loggedTotals(ddb.client, ddb.spendTable);
    expect(logged.largestItemBytes).toBeGreaterThan(150_000);
    expect(logged.largestItemBytes).toBeLessThan(400 * 1024);
  }, 120_000);
});
