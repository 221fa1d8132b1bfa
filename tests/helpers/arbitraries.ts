import fc from 'fast-check';
import type { CostEventV2 } from '../../functions/core/events/cost-event';
import { aV2Event, HAIKU, SONNET } from './cost-events';

const DAY_START = Date.parse('2025-03-15T00:00:00.000Z');

/** Valid v2 events spread over two UTC days, a few sessions, intents, models and languages. */
export const validV2Event = (): fc.Arbitrary<CostEventV2> =>
  fc
    .record({
      n: fc.integer({ min: 0, max: 1_000_000 }),
      occurred_at: fc.integer({ min: DAY_START, max: DAY_START + 2 * 86_400_000 - 1 }),
      session: fc.integer({ min: 0, max: 7 }),
      intent: fc.constantFrom('recommendation', 'faq', 'order_tracking'),
      model_id: fc.constantFrom(SONNET, HAIKU),
      language: fc.constantFrom('en' as const, 'ja' as const, 'mixed' as const),
      input_tokens: fc.integer({ min: 0, max: 20_000 }),
      output_tokens: fc.integer({ min: 0, max: 4_000 }),
      cache_read_tokens: fc.integer({ min: 0, max: 5_000 }),
      cache_hit: fc.boolean(),
    })
    .map(({ n, session, ...fields }) =>
      aV2Event({ ...fields, event_id: `evt-${n}`, session_id: `sess-${session}`, request_id: `req-${n}` }),
    );

/** A stream's worth of payloads: unique events, some re-sent by the producer, some poison records. */
export const streamPayloads = (): fc.Arbitrary<unknown[]> =>
  fc
    .tuple(
      fc.uniqueArray(validV2Event(), { minLength: 1, maxLength: 60, selector: (e) => e.event_id }),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom('not json', '{"schema_version":"9.0"}', '[]')), {
        maxLength: 5,
      }),
    )
    .map(([events, resend, poison]) => {
      const payloads: unknown[] = [...events];
      for (const i of resend) {
        const original = events[i % events.length] as CostEventV2;
        payloads.splice(Math.min(payloads.length, (i % events.length) + 1 + (i % 7)), 0, { ...original });
      }
      for (const [i, junk] of poison) payloads.splice(i % (payloads.length + 1), 0, junk);
      return payloads;
    });
