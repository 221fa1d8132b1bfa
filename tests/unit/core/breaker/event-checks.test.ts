import { describe, expect, it } from '@jest/globals';
import { eventTriggers } from '../../../../functions/core/breaker/event-checks';
import type { PricedCostEvent } from '../../../../functions/core/events/cost-event';
import { defaultCheckConfig } from '../../../helpers/check-config';

const config = defaultCheckConfig(5_000e9, { faq: 1_000_000, recommendation: 27_000_000 });
const t0 = Date.parse('2025-03-15T14:01:00.000Z');

const anEvent = (overrides: Partial<PricedCostEvent> = {}): PricedCostEvent => ({
  schemaVersion: '2.0',
  eventId: 'e-1',
  occurredAt: t0,
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
  costNano: 375_000,
  priceTable: '2024-11-01',
  estimated: false,
  estimateReason: null,
  droppedFields: 0,
  ...overrides,
});

describe('the event checks', () => {
  it('find a token explosion above 10,000 prompt tokens, counting cached prompt tokens', () => {
    const found = eventTriggers(
      [
        anEvent({ eventId: 'ok', inputTokens: 10_000 }),
        anEvent({ eventId: 'big', inputTokens: 4_000, cacheReadTokens: 6_001 }),
      ],
      [],
      config,
    );
    expect(found).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^token_explosion-2025-03-15T1400-[0-9a-f]{10}$/),
        check: 'token_explosion',
        ids: ['big'],
        value: 10_001,
        threshold: 10_000,
        subject: 'model:anthropic.claude-3-haiku-20240307-v1:0',
        counts: { calls: 1, sessions: 1, spend_nano: 375_000, largest: 10_001 },
      }),
    ]);
  });

  it('alert once per 15-minute window and subject, listing the worst first', () => {
    const events = [1, 2, 3].map((i) =>
      anEvent({ eventId: `e${i}`, inputTokens: 10_000 + i, occurredAt: t0 + i * 60_000 }),
    );
    const late = anEvent({ eventId: 'late', inputTokens: 20_000, occurredAt: t0 + 15 * 60_000 });
    const found = eventTriggers([...events, late], [], config);
    expect(found.map((t) => [t.id.replace(/-[0-9a-f]{10}$/, ''), t.ids, t.counts?.calls])).toEqual([
      ['token_explosion-2025-03-15T1400', ['e3', 'e2', 'e1'], 3],
      ['token_explosion-2025-03-15T1415', ['late'], 1],
    ]);
  });

  it('split a window by model, each with the calls, sessions and spend it found', () => {
    const found = eventTriggers(
      [
        anEvent({ eventId: 'a1', sessionId: 's1', inputTokens: 12_000, costNano: 10 }),
        anEvent({ eventId: 'a2', sessionId: 's2', inputTokens: 11_000, costNano: 20 }),
        anEvent({
          eventId: 'b1',
          sessionId: 's1',
          inputTokens: 30_000,
          costNano: 5,
          modelId: 'anthropic.claude-sonnet-4-5',
        }),
      ],
      [],
      config,
    );

    expect(found.map((t) => [t.subject, t.counts])).toEqual([
      [
        'model:anthropic.claude-3-haiku-20240307-v1:0',
        { calls: 2, sessions: 2, spend_nano: 30, largest: 12_000 },
      ],
      ['model:anthropic.claude-sonnet-4-5', { calls: 1, sessions: 1, spend_nano: 5, largest: 30_000 }],
    ]);
  });

  it('find a reported cost more than 1% off ours, and not one within 1%', () => {
    const found = eventTriggers(
      [
        anEvent({ eventId: 'close', reportedCostNano: 378_750 }),
        anEvent({ eventId: 'off', reportedCostNano: 300_000 }),
      ],
      [],
      config,
    );
    expect(found).toEqual([expect.objectContaining({ check: 'cost_mismatch', ids: ['off'], value: 20 })]);
  });

  it("find a conversation costing over 10x its intent's average", () => {
    const session = (id: string, costNano: number) => ({
      sessionId: id,
      intents: ['faq'],
      costNano,
      lastEventAt: t0,
    });
    const found = eventTriggers([], [session('calm', 10_000_000), session('hot', 10_000_001)], config);
    expect(found).toEqual([expect.objectContaining({ check: 'conversation_spike', ids: ['hot'] })]);
  });

  it('never take the unattributed bucket of invocation logs for a conversation', () => {
    const bucket = { sessionId: 'unattributed', intents: ['faq'], costNano: 10_000_000_000, lastEventAt: t0 };

    expect(eventTriggers([], [bucket], config)).toEqual([]);
  });

  it('skip sessions of intents without a baseline', () => {
    const found = eventTriggers(
      [],
      [{ sessionId: 's', intents: ['new_intent'], costNano: 1e12, lastEventAt: t0 }],
      config,
    );
    expect(found).toEqual([]);
  });

  it('tolerate the rounding of a v1 line’s six-decimal dollars on a cheap call, but not more', () => {
    const cheap = { schemaVersion: '1', costNano: 48_787, eventId: 'v1-cheap' };
    const rounded = eventTriggers([anEvent({ ...cheap, reportedCostNano: 48_000 })], [], config);
    const wrong = eventTriggers([anEvent({ ...cheap, reportedCostNano: 40_000 })], [], config);
    expect(rounded.filter((t) => t.check === 'cost_mismatch')).toEqual([]);
    expect(wrong.filter((t) => t.check === 'cost_mismatch')).toHaveLength(1);
  });

  it('alert once per unpriced model and day, whatever the number of its events, and never on a mismatch of an estimate', () => {
    const estimated = (id: string, modelId: string, at = t0) =>
      anEvent({
        eventId: id,
        modelId,
        occurredAt: at,
        estimated: true,
        estimateReason: 'unknown_model',
        costNano: 1_000,
        reportedCostNano: 1,
      });
    const found = eventTriggers(
      [
        estimated('a', 'acme.model-1'),
        estimated('b', 'acme.model-1', t0 + 3_600_000),
        estimated('c', 'acme.model-2'),
        anEvent({ eventId: 'd', region: 'xx-mars-1', estimated: true, estimateReason: 'unknown_region' }),
      ],
      [],
      config,
    );
    const unpriced = found.filter((t) => t.check === 'unpriced_model');
    expect(unpriced.map((t) => [t.value, t.ids])).toEqual([
      [2_000, ['a', 'b']],
      [1_000, ['c']],
      [375_000, ['d']],
    ]);
    expect(unpriced[2]?.summary).toContain('region xx-mars-1');
    expect(new Set(unpriced.map((t) => t.id)).size).toBe(3);
    expect(found.filter((t) => t.check === 'cost_mismatch')).toEqual([]);
  });
});
