import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbSpendReader } from '../../functions/adapters/dynamodb/dynamodb-spend-reader';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import { breakDownSpend } from '../../functions/core/reporting/spend-breakdown';
import { localDynamoDbClient, localKinesisClient, localSfnClient } from '../../scripts/lib/local-clients';
import { produceEvents } from '../../scripts/lib/produce-events';
import { summarizeQuarantine } from '../../scripts/lib/readers/dynamodb-quarantine-reader';
import { readAlerts } from '../../scripts/lib/readers/published-alerts';
import type { StackState } from '../../scripts/lib/stack-context';
import { drain } from '../../scripts/local/drain';
import { startStack, stopStack } from '../../scripts/local/stack';
import { aV2Event } from '../helpers/cost-events';

const DAY = '2026-11-20';
const AT = Date.parse(`${DAY}T10:00:00.000Z`);

/** Calls as teams make them today: current models, every id form, regions outside the US. */
const KNOWN: [model: string, region: string][] = [
  ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'eu-west-1'],
  ['eu.anthropic.claude-sonnet-4-5-20250929-v1:0', 'eu-central-1'],
  ['au.anthropic.claude-sonnet-4-5-20250929-v1:0', 'ap-southeast-2'],
  ['us.anthropic.claude-haiku-4-5-20251001-v1:0', 'us-east-2'],
  ['global.anthropic.claude-haiku-4-5-20251001-v1:0', 'ap-northeast-1'],
  ['anthropic.claude-sonnet-4-20250514-v1:0', 'us-west-2'],
  ['arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0', 'us-east-1'],
  ['amazon.nova-micro-v1:0', 'eu-west-1'],
  ['us.amazon.nova-lite-v1:0', 'us-east-1'],
];
const UNKNOWN_MODEL = 'anthropic.claude-nextgen-9-v1:0';

/**
 * Every Bedrock dollar counted, through the whole local stack: current models in every id form are
 * priced at list price, an unknown model and an unknown region at a ceiling (estimated), a newer
 * minor's unknown field dropped; nothing is quarantined, and FinOps gets one alert per unknown subject.
 */
describe('current models, end to end on the local stack', () => {
  let home: string;
  let state: StackState;
  const saved = { ...process.env };

  const events = [
    ...KNOWN.flatMap(([model_id, region], m) =>
      [0, 1, 2].map((i) =>
        aV2Event({
          event_id: `known-${m}-${i}`,
          session_id: `sess-${m}`,
          occurred_at: AT + m * 60_000 + i * 1_000,
          model_id,
          region,
          input_tokens: 1_000 + 137 * i,
          output_tokens: 300 + 11 * m,
          cache_read_tokens: 500 * i,
        }),
      ),
    ),
    ...[0, 1, 2].map((i) =>
      aV2Event({
        event_id: `unknown-${i}`,
        session_id: 'sess-u',
        occurred_at: AT + i,
        model_id: `us.${UNKNOWN_MODEL}`,
      }),
    ),
    aV2Event({ event_id: 'mars', session_id: 'sess-r', occurred_at: AT, region: 'xx-mars-1' }),
    {
      ...aV2Event({ event_id: 'minor-2-9', session_id: 'sess-m', occurred_at: AT, schema_version: '2.9' }),
      reasoning_tokens: 42,
    },
  ];

  const settled = async () => {
    const sfn = localSfnClient(state);
    try {
      for (let polls = 0; polls < 600; polls++) {
        const { executions } = await sfn.send(
          new ListExecutionsCommand({
            stateMachineArn: state.stateMachineArns.escalate,
            statusFilter: 'RUNNING',
          }),
        );
        if ((executions ?? []).length === 0) return;
        await delay(100);
      }
      throw new Error('escalate executions still running');
    } finally {
      sfn.destroy();
    }
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-e2e-current-'));
    process.env.CCB_HOME = home;
    process.env.DAILY_BUDGET_USD = '1000';
    ({ state } = await startStack({
      home,
      shards: 2,
      mapping: { MaximumBatchingWindowInSeconds: 0 },
      checkIntervalMs: 0,
    }));
    const kinesis = localKinesisClient(state);
    try {
      await produceEvents(events, { kinesis, streamName: state.streamName });
    } finally {
      kinesis.destroy();
    }
    await drain(state, { home, timeoutSeconds: 60 });
    await settled();
  }, 180_000);

  afterAll(async () => {
    await stopStack({ home, purge: true, graceMs: 5_000 }).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
    process.env = saved;
  });

  it('counts every event: known models exactly at list price, the rest at a ceiling, none quarantined', async () => {
    const client = localDynamoDbClient(state);
    try {
      const rows = await new DynamoDbSpendReader(client, state.spendTable).hourly(DAY);
      const byModel = breakDownSpend(DAY, rows, 'model');
      const quarantine = await summarizeQuarantine(client, state.quarantineTable);
      expect(quarantine.total).toBe(0);
      expect(byModel.events).toBe(events.length);

      const priced = events.map((e) =>
        DEFAULT_PRICE_TABLE.price(
          e.model_id,
          e.region,
          {
            inputTokens: e.input_tokens,
            outputTokens: e.output_tokens,
            cacheReadTokens: e.cache_read_tokens ?? 0,
            cacheWriteTokens: e.cache_write_tokens ?? 0,
          },
          e.occurred_at,
        ),
      );
      const exact = priced.filter((p) => !p.estimated).reduce((sum, p) => sum + p.costNano, 0);
      const estimated = priced.filter((p) => p.estimated).reduce((sum, p) => sum + p.costNano, 0);
      expect({ total: byModel.total_nano, estimated: byModel.estimated_nano }).toEqual({
        total: exact + estimated,
        estimated,
      });

      const unknown = byModel.rows.find((r) => r.key === UNKNOWN_MODEL);
      const sonnetClass = DEFAULT_PRICE_TABLE.price(
        'anthropic.claude-sonnet-4-5-20250929-v1:0',
        'us-east-1',
        { inputTokens: 800, outputTokens: 400, cacheReadTokens: 0, cacheWriteTokens: 0 },
        AT,
      ).costNano;
      expect(unknown).toMatchObject({ events: 3, estimated_cost_nano: unknown?.cost_nano });
      expect(unknown?.cost_nano ?? 0).toBeGreaterThanOrEqual(3 * sonnetClass);
    } finally {
      client.destroy();
    }
  });

  it('alerts FinOps once per unknown model and day, naming it, its events and the estimate', async () => {
    const alerts = (await readAlerts(home, state.alertsTopicArn)).filter((a) => a.check === 'unpriced_model');
    const subjects = alerts.map((a) => JSON.stringify(a.body));
    expect(subjects).toHaveLength(2);
    expect(subjects.some((s) => s.includes(UNKNOWN_MODEL) && s.includes('3 event(s)'))).toBe(true);
    expect(subjects.some((s) => s.includes('region xx-mars-1'))).toBe(true);
  });
});
