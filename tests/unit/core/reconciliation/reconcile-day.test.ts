import { describe, expect, it } from '@jest/globals';
import type { LedgerEntry } from '../../../../functions/core/breaker/ledger';
import type { AlertMessage } from '../../../../functions/core/breaker/ports';
import { DEFAULT_PRICE_TABLE } from '../../../../functions/core/pricing/price-table';
import { hoursToReconcile, type ProviderDatum } from '../../../../functions/core/reconciliation/reconcile';
import { createReconcile } from '../../../../functions/core/reconciliation/reconcile-day';
import { HAIKU, SONNET } from '../../../helpers/cost-events';

const DAY = '2025-03-15';
const tokens = (input: number, output: number) => ({ input, output, cacheRead: 0, cacheWrite: 0 });
const datum = (hour: number, modelId: string, input: number, output: number): ProviderDatum[] => [
  { hour, modelId, tokenClass: 'input', value: input },
  { hour, modelId, tokenClass: 'output', value: output },
];

const given = (options: { failAlerts?: boolean } = {}) => {
  const ledger = new Map<string, LedgerEntry>();
  const alerts: AlertMessage[] = [];
  const reconcile = createReconcile({
    counted: {
      hourly: async () => [
        { hour: 10, model: SONNET, tokens: tokens(100_000, 10_000) },
        { hour: 11, model: SONNET, tokens: tokens(100_000, 10_000) },
        { hour: 12, model: HAIKU, tokens: tokens(500_000, 50_000) },
      ],
    },
    provider: {
      hourly: async () => [
        ...datum(10, `us.${SONNET}`, 2_100_000, 210_000),
        ...datum(11, SONNET, 100_000, 10_000),
        ...datum(12, HAIKU, 250_000, 25_000),
      ],
    },
    raise: {
      ledger: {
        append: async (entry) => {
          if (ledger.has(entry.entry_id)) return 'exists';
          ledger.set(entry.entry_id, entry);
          return 'appended';
        },
      },
      alerts: {
        publish: async (alert) => {
          if (options.failAlerts) throw new Error('SNS unavailable');
          alerts.push(alert);
          return `m-${alerts.length}`;
        },
      },
    },
    stage: 'test',
    config: { driftShare: 0.05, minDriftTokens: 10_000, region: 'us-east-1' },
    prices: DEFAULT_PRICE_TABLE,
    clock: { now: () => Date.parse('2025-03-15T13:20:00Z') },
  });
  return { reconcile, ledger, alerts };
};

describe('createReconcile', () => {
  it('raises each drifting model-hour once, in both directions, however often it runs', async () => {
    // Prepare
    const { reconcile, ledger, alerts } = given();

    // Act
    const first = await reconcile(DAY);
    const second = await reconcile(DAY);

    // Assess
    expect(first.report.rows.map((r) => [r.hour, r.status])).toEqual([
      [10, 'drift'],
      [11, 'ok'],
      [12, 'drift'],
    ]);
    expect(first.raised.map((d) => [d.hour, d.direction])).toEqual([
      [10, 'dark_spend'],
      [12, 'double_reporting'],
    ]);
    expect(second.drifts).toHaveLength(2);
    expect(second.raised).toEqual([]);
    expect(alerts.map((a) => a.attributes)).toEqual([
      {
        severity: 'warning',
        check: 'reconciliation',
        stage: 'test',
        alert_key: `reconciliation-${DAY}T10-${SONNET}`,
      },
      {
        severity: 'warning',
        check: 'reconciliation',
        stage: 'test',
        alert_key: `reconciliation-${DAY}T12-${HAIKU}`,
      },
    ]);
    expect(alerts[0]?.subject).toMatch(
      /^\[WARNING\] ccb test: dark spend ~\$\d+\.\d\d at 2025-03-15 10h \(95\.24%\): /,
    );
    expect([...ledger.values()].map((e) => e.kind)).toEqual(['reconciliation_drift', 'reconciliation_drift']);
  });

  it('reconciles only the hours asked for', async () => {
    const { reconcile } = given();

    const outcome = await reconcile(DAY, [11, 12]);

    expect(outcome.report.rows.map((r) => r.hour)).toEqual([11, 12]);
    expect(outcome.raised.map((d) => d.hour)).toEqual([12]);
  });

  it('records an alert it could not send and fails the run', async () => {
    const { reconcile, ledger } = given({ failAlerts: true });

    await expect(reconcile(DAY)).rejects.toThrow('SNS unavailable');

    expect([...ledger.values()].map((e) => e.kind)).toEqual(['reconciliation_drift', 'notify_failed']);
  });
});

describe('hoursToReconcile', () => {
  it('checks the last hour closed a grace ago and the one before, across midnight', () => {
    expect(hoursToReconcile(Date.parse('2025-03-16T00:25:00Z'), 20 * 60_000)).toEqual([
      { day: '2025-03-15', hour: 22 },
      { day: '2025-03-15', hour: 23 },
    ]);
    expect(hoursToReconcile(Date.parse('2025-03-16T01:19:59Z'), 20 * 60_000)).toEqual([
      { day: '2025-03-15', hour: 22 },
      { day: '2025-03-15', hour: 23 },
    ]);
    expect(hoursToReconcile(Date.parse('2025-03-16T01:20:00Z'), 20 * 60_000)).toEqual([
      { day: '2025-03-15', hour: 23 },
      { day: '2025-03-16', hour: 0 },
    ]);
  });
});
