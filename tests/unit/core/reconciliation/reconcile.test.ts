import { describe, expect, it } from '@jest/globals';
import { DEFAULT_PRICE_TABLE, priceUsage } from '../../../../functions/core/pricing/price-table';
import {
  type CountedHour,
  type ProviderDatum,
  reconcileDay,
  type Tokens,
} from '../../../../functions/core/reconciliation/reconcile';
import { HAIKU, SONNET } from '../../../helpers/cost-events';

const config = { driftShare: 0.05, minDriftTokens: 10_000, region: 'us-east-1' };
const DAY = '2025-03-15';

const counted = (hour: number, model: string, tokens: Partial<Tokens>): CountedHour => ({
  hour,
  model,
  tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, ...tokens },
});
const provider = (hour: number, modelId: string, input: number, output: number): ProviderDatum[] => [
  { hour, modelId, tokenClass: 'input', value: input },
  { hour, modelId, tokenClass: 'output', value: output },
];
const run = (c: CountedHour[], p: ProviderDatum[], options = config) =>
  reconcileDay(DAY, c, p, options, DEFAULT_PRICE_TABLE);

describe('reconcileDay', () => {
  it('is ok exactly at the share and drifts just above it', () => {
    // Prepare: 1,000,000 provider input tokens; 5% is 50,000
    const atShare = run(
      [counted(3, SONNET, { input: 950_000, output: 0 })],
      provider(3, SONNET, 1_000_000, 0),
    );
    const above = run([counted(3, SONNET, { input: 949_999, output: 0 })], provider(3, SONNET, 1_000_000, 0));

    // Assess
    expect(atShare.report.rows).toEqual([
      {
        hour: 3,
        model: SONNET,
        counted_input_tokens: 950_000,
        provider_input_tokens: 1_000_000,
        counted_output_tokens: 0,
        provider_output_tokens: 0,
        drift_pct: 5,
        status: 'ok',
      },
    ]);
    expect(atShare.drifts).toEqual([]);
    expect(above.report.rows[0]?.status).toBe('drift');
    expect(above.drifts.map((d) => d.direction)).toEqual(['dark_spend']);
  });

  it('never alarms on a difference below the minimum size, whatever its share', () => {
    const small = run([counted(0, HAIKU, { input: 100, output: 10 })], provider(0, HAIKU, 9_000, 10));
    const atMinimum = run([counted(0, HAIKU, { input: 100, output: 10 })], provider(0, HAIKU, 10_100, 10));

    expect(small.report.rows[0]).toMatchObject({ status: 'ok', drift_pct: 98.89 });
    expect(atMinimum.report.rows[0]?.status).toBe('drift');
  });

  it('reports double reporting when the provider is lower, with a negative drift', () => {
    const { report, drifts } = run(
      [counted(14, SONNET, { input: 400_000, output: 200_000 })],
      provider(14, SONNET, 200_000, 100_000),
    );

    expect(report.rows[0]).toMatchObject({ status: 'drift', drift_pct: -100 });
    expect(drifts[0]).toMatchObject({ direction: 'double_reporting', dark_spend_nano: 0 });
  });

  it('prices dark spend from the tokens above the count', () => {
    const { drifts } = run(
      [counted(9, SONNET, { input: 100_000, output: 10_000 })],
      provider(9, SONNET, 2_100_000, 410_000),
    );

    const expected = priceUsage(
      SONNET,
      'us-east-1',
      { inputTokens: 2_000_000, outputTokens: 400_000, cacheReadTokens: 0, cacheWriteTokens: 0 },
      DEFAULT_PRICE_TABLE,
      Date.parse('2025-03-15T09:00:00.000Z'),
    );
    expect(expected.estimated).toBe(false);
    expect(drifts[0]).toMatchObject({
      direction: 'dark_spend',
      difference: { input: 2_000_000, output: 400_000 },
      dark_spend_nano: expected.costNano,
      drift_pct: 95.24,
    });
  });

  it('sums profile ids into their base model, and flags a model-hour nobody counted', () => {
    const { report } = run(
      [counted(1, SONNET, { input: 500_000, output: 50_000 })],
      [
        ...provider(1, SONNET, 300_000, 30_000),
        ...provider(1, `us.${SONNET}`, 200_000, 20_000),
        ...provider(2, HAIKU, 50_000, 5_000),
      ],
    );

    expect(report.rows.map((r) => [r.hour, r.model, r.provider_input_tokens, r.status])).toEqual([
      [1, SONNET, 500_000, 'ok'],
      [2, HAIKU, 50_000, 'drift'],
    ]);
  });

  it('says no_provider_data where only the count knows the model-hour', () => {
    const { report, drifts } = run([counted(5, HAIKU, { input: 1_000, output: 100 })], []);

    expect(report.rows).toEqual([
      {
        hour: 5,
        model: HAIKU,
        counted_input_tokens: 1_000,
        provider_input_tokens: 0,
        counted_output_tokens: 100,
        provider_output_tokens: 0,
        drift_pct: 0,
        status: 'no_provider_data',
      },
    ]);
    expect(drifts).toEqual([]);
  });

  it('compares cache tokens where the provider publishes them', () => {
    const { drifts } = run(
      [counted(7, SONNET, { input: 100_000, output: 10_000, cacheRead: 0 })],
      [
        ...provider(7, SONNET, 100_000, 10_000),
        { hour: 7, modelId: SONNET, tokenClass: 'cacheRead', value: 900_000 },
      ],
    );

    expect(drifts).toHaveLength(1);
    expect(drifts[0]).toMatchObject({ difference: { cacheRead: 900_000 }, drift_pct: 100 });
  });

  it('orders rows by hour, then model', () => {
    const { report } = run(
      [counted(2, SONNET, { input: 1 }), counted(0, SONNET, { input: 1 }), counted(2, HAIKU, { input: 1 })],
      [],
    );

    expect(report.rows.map((r) => [r.hour, r.model])).toEqual([
      [0, SONNET],
      // 'anthropic.claude-3-5-sonnet' sorts before 'anthropic.claude-3-haiku'
      [2, SONNET],
      [2, HAIKU],
    ]);
  });
});
