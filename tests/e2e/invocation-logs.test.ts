import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbSpendReader } from '../../functions/adapters/dynamodb/dynamodb-spend-reader';
import { decodeCostEvent } from '../../functions/core/events/decode';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import { breakDownSpend } from '../../functions/core/reporting/spend-breakdown';
import {
  localCloudWatchClient,
  localDynamoDbClient,
  localKinesisClient,
} from '../../scripts/lib/local-clients';
import { produceEvents } from '../../scripts/lib/produce-events';
import { summarizeQuarantine } from '../../scripts/lib/readers/dynamodb-quarantine-reader';
import { readAlerts } from '../../scripts/lib/readers/published-alerts';
import { runReconcile } from '../../scripts/lib/reconcile-stage';
import type { StackState } from '../../scripts/lib/stack-context';
import { drain } from '../../scripts/local/drain';
import { stackStatus, startStack, stopStack } from '../../scripts/local/stack';
import { generateScenario, type ScenarioLine, unreportedCalls } from '../../scripts/scenarios';
import { expectedTotals } from '../../scripts/scenarios/expected-totals';
import { asSubscriptionRecords, BODY_MARKER } from '../../scripts/scenarios/invocation-logs';
import { type MeteredHour, meteredUsage, publishMetered } from '../../scripts/scenarios/provider-truth';

const SONNET = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const DARK_DAY = '2025-03-15';
const HONEST_DAY = '2025-03-16';
const DOUBLE_DAY = '2025-03-17';
// A seed per day: a scenario's event ids (the rendered logs' request ids) repeat for the same seed,
// and a request id counts once whatever the day.
const SEEDS: Record<string, number> = { [DARK_DAY]: 5, [HONEST_DAY]: 6, [DOUBLE_DAY]: 7 };
const options = (day: string) => ({ day, scale: 0.002, seed: SEEDS[day] ?? 0 });
const PER_ENVELOPE = 40;
const REDELIVER_EVERY = 5;

const isValid = (line: ScenarioLine): boolean =>
  decodeCostEvent(
    new TextEncoder().encode(typeof line === 'string' ? line : JSON.stringify(line)),
    DEFAULT_PRICE_TABLE,
  ).ok;

/** Every unreadable log event is quarantined at each position it was delivered at (twice when re-delivered). */
const expectedQuarantined = (lines: readonly ScenarioLine[]): number =>
  lines.reduce((sum, line, i) => {
    if (isValid(line)) return sum;
    const envelope = Math.floor(i / PER_ENVELOPE) + 1;
    return sum + (envelope % REDELIVER_EVERY === 0 ? 2 : 1);
  }, 0);

/** Spend by intent the lines must give: each distinct valid call once, at its own price. */
const expectedByIntent = (lines: readonly ScenarioLine[]): Record<string, number> => {
  const seen = new Set<string>();
  const byIntent: Record<string, number> = {};
  for (const line of lines) {
    const decoded = decodeCostEvent(
      new TextEncoder().encode(typeof line === 'string' ? line : JSON.stringify(line)),
      DEFAULT_PRICE_TABLE,
    );
    if (!decoded.ok || seen.has(decoded.event.eventId)) continue;
    seen.add(decoded.event.eventId);
    byIntent[decoded.event.intent] = (byIntent[decoded.event.intent] ?? 0) + decoded.event.costNano;
  }
  return byIntent;
};

/**
 * A stack whose spend source is Bedrock's invocation logs: subscription records put straight to the
 * local stream (a control message and re-delivered envelopes included) give spend by intent exact to
 * the nano-dollar, and `ccb reconcile` against the provider's metrics in the local CloudWatch flags
 * exactly the drifting model-hours, in both directions, with one alert each.
 */
describe('invocation logs as the spend source, and reconciliation, end to end', () => {
  let home: string;
  let state: StackState;
  const previousHome = process.env.CCB_HOME;

  const putAsInvocationLogs = async (lines: readonly ScenarioLine[]) => {
    const kinesis = localKinesisClient(state);
    try {
      return await produceEvents(
        asSubscriptionRecords(lines, { perEnvelope: PER_ENVELOPE, redeliverEvery: REDELIVER_EVERY }),
        {
          kinesis,
          streamName: state.streamName,
          pack: false,
        },
      );
    } finally {
      kinesis.destroy();
    }
  };

  const publish = async (hours: readonly MeteredHour[]) => {
    const cloudwatch = localCloudWatchClient(state);
    await publishMetered(cloudwatch, hours).finally(() => cloudwatch.destroy());
  };

  const spendOf = async (day: string) => {
    const client = localDynamoDbClient(state);
    try {
      return await new DynamoDbSpendReader(client, state.spendTable).hourly(day);
    } finally {
      client.destroy();
    }
  };

  const darkLines = [...generateScenario('dark-spend', options(DARK_DAY))];
  const honestLines = [...generateScenario('default-day', options(HONEST_DAY))];
  const doubleLines = [...generateScenario('default-day', options(DOUBLE_DAY))];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-e2e-logs-'));
    process.env.CCB_HOME = home;
    ({ state } = await startStack({
      home,
      shards: 4,
      kinesisPersistInterval: '1s',
      spendSource: 'invocation-logs',
      checkIntervalMs: 0,
    }));
    for (const lines of [darkLines, honestLines, doubleLines]) {
      const produced = await putAsInvocationLogs(lines);
      expect(produced.rejected).toBe(0);
    }
    await drain(state, { home, timeoutSeconds: 420 });
    await publish(meteredUsage(darkLines, unreportedCalls('dark-spend', options(DARK_DAY))));
    await publish(meteredUsage(honestLines));
    // The provider metered half of what was counted for Sonnet at 15:00 on this day: double reporting.
    await publish(
      meteredUsage(doubleLines).map((h) =>
        new Date(h.hourStart).getUTCHours() === 15 && h.modelId.includes('sonnet')
          ? { ...h, input: Math.floor(h.input / 2), output: Math.floor(h.output / 2) }
          : h,
      ),
    );
  }, 600_000);

  afterAll(async () => {
    await stopStack({ home, purge: true, graceMs: 5_000 }).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
    if (previousHome === undefined) delete process.env.CCB_HOME;
    else process.env.CCB_HOME = previousHome;
  });

  it('lists every service endpoint in the status, the CloudWatch stand-in included, and the spend source', async () => {
    const status = await stackStatus({ home });

    expect(status.spendSource).toBe('invocation-logs');
    expect(Object.keys(status.endpoints ?? {}).sort()).toEqual(
      ['cloudwatch', 'dynamodb', 'firehose', 'iam', 'kinesis', 'redshiftData', 'sfn', 'sns', 'ssm'].sort(),
    );
    expect(status.endpoints?.cloudwatch).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('counts spend by intent exactly to the nano-dollar, each call once, with no body stored', async () => {
    // Act
    const byIntent = breakDownSpend(DARK_DAY, await spendOf(DARK_DAY), 'intent');
    const client = localDynamoDbClient(state);
    const quarantine = await summarizeQuarantine(client, state.quarantineTable).finally(() =>
      client.destroy(),
    );

    // Assess
    const expected = expectedTotals(darkLines);
    expect(Object.fromEntries(byIntent.rows.map((r) => [r.key, r.cost_nano]))).toEqual(
      expectedByIntent(darkLines),
    );
    expect([byIntent.total_nano, byIntent.events]).toEqual([expected.costNano, expected.events]);
    expect(expected.invalid).toBeGreaterThan(0);
    expect(quarantine.total).toBe(
      expectedQuarantined(darkLines) + expectedQuarantined(honestLines) + expectedQuarantined(doubleLines),
    );
    expect(JSON.stringify(quarantine)).not.toContain(BODY_MARKER);
  });

  it('flags the dark-spend hours, and only them, with one alert each', async () => {
    // Act
    const first = await runReconcile(DARK_DAY);
    const again = await runReconcile(DARK_DAY);

    // Assess
    const drifting = first.report.rows.filter((r) => r.status !== 'ok');
    expect(drifting.map((r) => [r.hour, r.model, r.status])).toEqual([
      [10, SONNET, 'drift'],
      [11, SONNET, 'drift'],
    ]);
    expect(drifting.every((r) => r.drift_pct > 5 && r.provider_input_tokens > r.counted_input_tokens)).toBe(
      true,
    );
    expect(first.raised.map((d) => [d.direction, (d.dark_spend_nano ?? 0) > 0])).toEqual([
      ['dark_spend', true],
      ['dark_spend', true],
    ]);
    expect(again.raised).toEqual([]);
    const alerts = (await readAlerts(home, state.alertsTopicArn)).filter((a) => a.check === 'reconciliation');
    expect(alerts.map((a) => a.alert_key)).toEqual([
      `reconciliation-${DARK_DAY}T10-${SONNET}`,
      `reconciliation-${DARK_DAY}T11-${SONNET}`,
    ]);
  });

  it('flags nothing on an honest day', async () => {
    const { report, raised } = await runReconcile(HONEST_DAY);

    expect(report.rows.length).toBeGreaterThan(20);
    expect(report.rows.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(report.rows.every((r) => r.counted_input_tokens === r.provider_input_tokens)).toBe(true);
    expect(raised).toEqual([]);
  });

  it('flags double reporting when the provider metered less than was counted', async () => {
    const { report, raised } = await runReconcile(DOUBLE_DAY);

    expect(report.rows.filter((r) => r.status !== 'ok').map((r) => [r.hour, r.model, r.status])).toEqual([
      [15, SONNET, 'drift'],
    ]);
    expect(raised.map((d) => d.direction)).toEqual(['double_reporting']);
    expect(report.rows.find((r) => r.status === 'drift')?.drift_pct).toBeLessThan(-5);
  });
});
