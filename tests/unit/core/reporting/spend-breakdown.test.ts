import { describe, expect, it } from '@jest/globals';
import {
  breakDownSpend,
  type HourlySpendRow,
  toSpendJson,
} from '../../../../functions/core/reporting/spend-breakdown';
import { HAIKU, SONNET } from '../../../helpers/cost-events';

const aRow = (overrides: Partial<HourlySpendRow>): HourlySpendRow => ({
  day: '2025-03-15',
  hour: 14,
  intent: 'recommendation',
  model_id: SONNET,
  component: 'llm',
  language: 'en',
  events: 1,
  input_tokens: 800,
  output_tokens: 400,
  cache_read_tokens: 0,
  cost_nano: 8_400_000,
  cache_hits: 0,
  ...overrides,
});

const rows = [
  aRow({}),
  aRow({
    hour: 9,
    language: 'ja',
    events: 2,
    cost_nano: 16_800_000,
    input_tokens: 1_600,
    output_tokens: 800,
  }),
  aRow({
    intent: 'faq',
    model_id: HAIKU,
    events: 4,
    cost_nano: 1_500_000,
    input_tokens: 2_000,
    output_tokens: 800,
  }),
];

describe('breakDownSpend', () => {
  it('groups by intent, biggest spender first, and keeps the day total', () => {
    const breakdown = breakDownSpend('2025-03-15', rows, 'intent');

    expect(breakdown.total_nano).toBe(26_700_000);
    expect(breakdown.events).toBe(7);
    expect(breakdown.rows.map((r) => [r.key, r.cost_nano, r.events])).toEqual([
      ['recommendation', 25_200_000, 3],
      ['faq', 1_500_000, 4],
    ]);
  });

  it('lists hours in order', () => {
    expect(breakDownSpend('2025-03-15', rows, 'hour').rows.map((r) => r.key)).toEqual([9, 14]);
  });

  it('prints the `ccb spend --json` contract, keyed by the dimension asked for', () => {
    const json = toSpendJson(breakDownSpend('2025-03-15', rows, 'model'), 'model');

    expect(json).toEqual({
      day: '2025-03-15',
      total_usd: 0.0267,
      estimated_usd: 0,
      events: 7,
      rows: [
        {
          model: SONNET,
          cost_usd: 0.0252,
          estimated_cost_usd: 0,
          events: 3,
          input_tokens: 2_400,
          output_tokens: 1_200,
        },
        {
          model: HAIKU,
          cost_usd: 0.0015,
          estimated_cost_usd: 0,
          events: 4,
          input_tokens: 2_000,
          output_tokens: 800,
        },
      ],
    });
  });

  it('shows estimated spend beside exact spend, by row and in total', () => {
    const estimated = [
      ...rows,
      {
        ...rows[0],
        model_id: 'acme.model-1',
        cost_nano: 5_000,
        estimated_cost_nano: 5_000,
        estimated_events: 1,
      },
    ];
    const breakdown = breakDownSpend('2025-03-15', estimated as typeof rows, 'model');
    expect(breakdown.estimated_nano).toBe(5_000);
    expect(breakdown.rows.find((r) => r.key === 'acme.model-1')).toMatchObject({
      cost_nano: 5_000,
      estimated_cost_nano: 5_000,
    });
    expect(breakdown.total_nano).toBe(26_700_000 + 5_000);
  });
});
