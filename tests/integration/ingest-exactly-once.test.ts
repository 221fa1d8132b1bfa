import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbQuarantineStore } from '../../functions/adapters/dynamodb/dynamodb-quarantine-store';
import { DynamoDbSpendStore } from '../../functions/adapters/dynamodb/dynamodb-spend-store';
import { createIngestBatch } from '../../functions/core/ingest/ingest-batch';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import { generateScenario } from '../../scripts/scenarios';
import { expectedTotals } from '../../scripts/scenarios/expected-totals';
import { aBatch } from '../helpers/cost-events';
import { type DynamoDbLocalFixture, givenDynamoDbLocal, sumOver } from '../helpers/dynamodb-local';

/** Fails chosen writes before they reach DynamoDB, as a throttle the SDK gave up on would. */
const withFaults = (client: DynamoDBDocumentClient) => {
  const faults = { writes: 0, failWrite: (_n: number): boolean => false };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand' || context.commandName === 'PutItemCommand') {
        faults.writes += 1;
        if (faults.failWrite(faults.writes)) {
          throw new ProvisionedThroughputExceededException({ message: 'injected throttle', $metadata: {} });
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectFaults' },
  );
  return faults;
};

describe('ingestion against DynamoDB Local, with faults injected', () => {
  let ddb: DynamoDbLocalFixture;

  beforeAll(async () => {
    ddb = await givenDynamoDbLocal();
  }, 60_000);

  afterAll(async () => {
    await ddb?.stop();
  });

  it('stores exactly the unique valid events through crashes, throttles, redeliveries, duplicates and poison', async () => {
    // Prepare: a scenario slice (it has producer duplicates and bad lines), re-sent events and poison.
    const lines = [...generateScenario('default-day', { scale: 0.002, seed: 7 })];
    const resent = lines.filter((_, i) => i % 97 === 0 && typeof lines[i] === 'object');
    const payloads = [...lines, ...resent, 'garbage', { schema_version: '9.1' }];
    const records = aBatch(payloads, { arrivedAt: Date.now() });
    const faults = withFaults(ddb.client);
    const ingest = createIngestBatch({
      store: new DynamoDbSpendStore(ddb.client, ddb.spendTable),
      quarantine: new DynamoDbQuarantineStore(ddb.client, ddb.quarantineTable),
      prices: DEFAULT_PRICE_TABLE,
    });

    // Act: an event source that bisects, resumes after partial failures, and redelivers after crashes.
    let checkpoint = 0;
    let round = 0;
    let crashes = 0;
    let partials = 0;
    while (checkpoint < records.length) {
      round += 1;
      const batch = records.slice(checkpoint, checkpoint + (round % 3 === 0 ? 90 : 250));
      const crash = round % 4 === 1;
      faults.failWrite = crash ? (n) => n % 11 === 0 : round % 4 === 2 ? (n) => n % 37 === 0 : () => false;
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
    faults.failWrite = () => false;

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
    const quarantined = await sumOver(ddb.client, ddb.quarantineTable, 'REC#', 'payload_bytes');
    expect(quarantined).toBeGreaterThan(0);
  }, 120_000);
});
