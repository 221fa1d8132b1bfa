import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import { renderReport } from '../../scripts/ccb/commands/report';
import { renderSpend } from '../../scripts/ccb/commands/spend';
import { localKinesisClient } from '../../scripts/lib/local-clients';
import { produceEvents } from '../../scripts/lib/produce-events';
import { readSpend } from '../../scripts/lib/readers/spend';
import type { StackState } from '../../scripts/lib/stack-context';
import { drain } from '../../scripts/local/drain';
import { startStack, stopStack } from '../../scripts/local/stack';
import { createReports } from '../../scripts/reports/finops-reports';
import { openWarehouse } from '../../scripts/reports/stage-warehouse';
import { generateScenario } from '../../scripts/scenarios';

const DAY = '2025-03-15';

/**
 * Issue 4's "done": on the local stack, after a replayed runaway day (producer duplicates and poison
 * lines included), `ccb report daily` reads from the warehouse, through the Redshift Data API stand-in,
 * the same total as `ccb spend` reads from DynamoDB, to the nano-dollar, and flags a wasteful intent.
 */
describe('ccb report on the local stack', () => {
  let home: string;
  let state: StackState;
  const saved = { ...process.env };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-e2e-report-'));
    process.env.CCB_HOME = home;
    ({ state } = await startStack({
      home,
      shards: 2,
      mapping: { MaximumBatchingWindowInSeconds: 0 },
      sfnWaitScale: 0.005,
      sfnRetryIntervalMs: 10,
      checkIntervalMs: 0,
    }));
    const kinesis = localKinesisClient(state);
    await produceEvents(generateScenario('runaway-day', { day: DAY, scale: 0.004 }), {
      kinesis,
      streamName: state.streamName,
    }).finally(() => kinesis.destroy());
    await drain(state, { home, timeoutSeconds: 120 });
  }, 240_000);

  afterAll(async () => {
    await stopStack({ home, purge: true, graceMs: 5_000 }).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
    process.env = saved;
  });

  it('totals the day exactly as ccb spend does and flags at least one wasteful intent', async () => {
    // Act
    const spend = await readSpend('local', DAY, 'intent');
    const reports = createReports({ warehouse: await openWarehouse('local'), prices: DEFAULT_PRICE_TABLE });
    const report = await reports.daily(DAY);
    const text = await renderReport('daily', reports, { day: DAY, limit: 5, format: 'text' });

    // Assess
    expect(spend.events).toBeGreaterThan(1_000);
    expect({ total_nano: report.total_nano, events: report.events }).toEqual({
      total_nano: spend.total_nano,
      events: spend.events,
    });
    const spendTotalLine = renderSpend(spend, 'intent')
      .split('\n')
      .at(-1)
      ?.replace(/^Total: /, '');
    expect(text).toContain(`Total: ${spendTotalLine}`);
    for (const intent of spend.rows)
      expect(report.by_intent.find((row) => row.intent === intent.key)?.cost_nano).toBe(intent.cost_nano);
    expect(report.token_ratio.some((row) => row.wasteful)).toBe(true);
  }, 60_000);
});
