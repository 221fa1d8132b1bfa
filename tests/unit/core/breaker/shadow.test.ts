import { describe, expect, it } from '@jest/globals';
import { checkConfigFromPolicy, parsePolicy } from '../../../../functions/core/breaker/policy';
import { createShadowPolicies } from '../../../../functions/core/breaker/shadow';
import type { PricedCostEvent } from '../../../../functions/core/events/cost-event';
import { fixedClock, InMemoryBreakerStore, InMemorySpendSnapshots } from '../../../helpers/in-memory-breaker';

const DAY = '2025-03-15';
const usd = (n: number) => Math.round(n * 1e9);
const at = (hhmm: string) => Date.parse(`${DAY}T${hhmm}:00.000Z`);

const event = (overrides: Partial<PricedCostEvent> = {}): PricedCostEvent => ({
  schemaVersion: '2.0',
  eventId: 'e-1',
  occurredAt: at('14:00'),
  requestId: 'r-1',
  sessionId: 's-1',
  intent: 'faq',
  modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
  component: 'llm',
  language: 'en',
  inputTokens: 500,
  outputTokens: 200,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  cacheWrite1hTokens: 0,
  cacheHit: false,
  region: 'us-east-1',
  reportedCostNano: null,
  producer: null,
  costNano: usd(0.01),
  priceTable: 'test',
  estimated: false,
  estimateReason: null,
  droppedFields: 0,
  ...overrides,
});

const shadow = (name: string, budget: number) => {
  const policy = parsePolicy({
    name,
    daily_budget_usd: budget,
    forecast: { enabled: false },
    velocity: { factor: 1_000 },
  });
  return { name, config: checkConfigFromPolicy(policy, {}) };
};

const world = () => {
  const ledger = new InMemoryBreakerStore();
  const spend = new InMemorySpendSnapshots();
  const shadows = createShadowPolicies({
    policies: [shadow('tight', 100), shadow('loose', 1_000)],
    spend,
    ledger,
    clock: fixedClock(`${DAY}T14:00:05.000Z`),
  });
  return { ledger, spend, shadows };
};

describe('shadow policies', () => {
  it("write each policy's would-be transition to the ledger as a shadow entry, and nothing else", async () => {
    // Prepare: $80 spent, 80% of the tight policy's cap and 8% of the loose one's.
    const { ledger, spend, shadows } = world();
    spend.set(DAY, usd(80), { 56: usd(80) });

    // Act
    const outcome = await shadows.afterBatch([event()], []);

    // Assess
    expect(outcome).toEqual({ written: ['shadow-tight#ladder-2025-03-15-cache_aggressive'], failed: [] });
    expect(ledger.ledger).toEqual([
      expect.objectContaining({
        entry_id: 'shadow-tight#ladder-2025-03-15-cache_aggressive',
        kind: 'shadow',
        actor: 'shadow:tight',
        from_mode: 'normal',
        to_mode: 'cache_aggressive',
        detail: { policy: 'tight' },
        trigger: expect.objectContaining({ check: 'budget_ladder', value: 80, threshold: 70 }),
      }),
    ]);
    expect(ledger.state.version).toBe(0);
  });

  it('write an entry once however many batches find it, and climb from the mode they reached', async () => {
    const { ledger, spend, shadows } = world();
    spend.set(DAY, usd(80));
    await shadows.afterBatch([event()], []);
    await shadows.afterBatch([event({ eventId: 'e-2' })], []);
    spend.set(DAY, usd(96));

    await shadows.afterBatch([event({ eventId: 'e-3', occurredAt: at('15:00') })], []);

    expect(ledger.ledger.map((e) => [e.entry_id, e.from_mode, e.to_mode])).toEqual([
      ['shadow-tight#ladder-2025-03-15-cache_aggressive', 'normal', 'cache_aggressive'],
      ['shadow-tight#ladder-2025-03-15-emergency', 'cache_aggressive', 'emergency'],
    ]);
  });

  it("run the event checks under each policy's thresholds", async () => {
    const { ledger, shadows } = world();

    await shadows.afterBatch([event({ inputTokens: 20_000 })], []);

    expect(ledger.ledger.map((e) => [e.actor, e.trigger?.check, e.from_mode, e.to_mode])).toEqual([
      ['shadow:tight', 'token_explosion', 'normal', 'normal'],
      ['shadow:loose', 'token_explosion', 'normal', 'normal'],
    ]);
  });
});
