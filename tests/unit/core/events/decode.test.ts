import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeCostEvent, MAX_EVENT_BYTES } from '../../../../functions/core/events/decode';
import { deriveV1EventId } from '../../../../functions/core/events/upcast';
import { DEFAULT_PRICE_TABLE } from '../../../../functions/core/pricing/price-table';
import { aV1Event, aV2Event, encode, HAIKU, SONNET } from '../../../helpers/cost-events';

const decode = (payload: unknown) => decodeCostEvent(encode(payload), DEFAULT_PRICE_TABLE);
const reasonOf = (payload: unknown) => {
  const result = decode(payload);
  return result.ok ? 'ok' : result.reason;
};

describe('decodeCostEvent', () => {
  describe('given a v2 event', () => {
    it('prices it server-side and keeps its identity', () => {
      const result = decode(aV2Event({ reported_cost_usd: 0.0084 }));
      expect(result).toMatchObject({
        ok: true,
        event: {
          eventId: 'evt-0001',
          costNano: 8_400_000,
          reportedCostNano: 8_400_000,
          priceTable: DEFAULT_PRICE_TABLE.version,
        },
      });
    });

    it('accepts every published 2.x sample: a newer minor version never rejects an older event', () => {
      const root = join(import.meta.dirname, '../../../fixtures/contract');
      const samples = readdirSync(root).flatMap((minor) =>
        readdirSync(join(root, minor)).map(
          (file) => [`${minor}/${file}`, readFileSync(join(root, minor, file))] as const,
        ),
      );
      expect(samples.length).toBeGreaterThanOrEqual(3);
      for (const [name, bytes] of samples)
        expect([name, decodeCostEvent(bytes, DEFAULT_PRICE_TABLE).ok]).toEqual([name, true]);
    });

    it('counts a newer minor with fields it does not know: they are dropped, never stored', () => {
      const result = decode({
        ...aV2Event({ schema_version: '2.9' }),
        reasoning_tokens: 120,
        note: 'free text here',
      });
      expect(result).toMatchObject({
        ok: true,
        event: { schemaVersion: '2.9', costNano: 8_400_000, droppedFields: 2 },
      });
      expect(JSON.stringify(result)).not.toContain('free text here');
    });

    it('still quarantines a newer minor whose known fields break the contract', () => {
      expect(reasonOf({ ...aV2Event({ schema_version: '2.9', intent: 'Free Text' }), extra: 1 })).toBe(
        'schema_violation',
      );
    });

    it('counts an unknown model at its vendor’s ceiling and an unknown region at the highest uplift, flagged', () => {
      const model = decode(
        aV2Event({ model_id: 'us.anthropic.claude-next-1-v1:0', input_tokens: 1_000, output_tokens: 0 }),
      );
      expect(model).toMatchObject({
        ok: true,
        event: { modelId: 'anthropic.claude-next-1-v1:0', estimated: true, estimateReason: 'unknown_model' },
      });
      const region = decode(aV2Event({ region: 'xx-mars-1' }));
      expect(region).toMatchObject({
        ok: true,
        event: { estimated: true, estimateReason: 'unknown_region' },
      });
      if (!region.ok) throw new Error('not counted');
      expect(region.event.costNano).toBeGreaterThan(8_400_000);
    });

    it('accepts a later minor version of the same major', () => {
      expect(reasonOf(aV2Event({ schema_version: '2.7' }))).toBe('ok');
    });

    it('accepts any event inside the contract bounds', () => {
      const v2 = fc.record({
        event_id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/),
        occurred_at: fc.integer({ min: 1_577_836_800_000, max: 4_102_444_799_999 }),
        intent: fc.stringMatching(/^[a-z][a-z0-9_]{0,39}$/),
        model_id: fc.constantFrom(SONNET, HAIKU),
        language: fc.constantFrom('en' as const, 'ja' as const, 'mixed' as const),
        input_tokens: fc.integer({ min: 0, max: 2_000_000 }),
        output_tokens: fc.integer({ min: 0, max: 2_000_000 }),
      });
      fc.assert(fc.property(v2, (fields) => reasonOf(aV2Event(fields)) === 'ok'));
    });
  });

  describe('given a v1 log line', () => {
    it('upcasts it with a deterministic event id and the reported cost', () => {
      const result = decode(aV1Event());
      expect(result).toMatchObject({
        ok: true,
        event: {
          schemaVersion: '1',
          eventId: deriveV1EventId({ request_id: 'req-abc123', timestamp: '2025-03-15T14:23:01Z' }),
          occurredAt: Date.parse('2025-03-15T14:23:01Z'),
          language: 'unknown',
          component: 'llm',
          costNano: 1247 * 3_000 + 412 * 15_000,
          reportedCostNano: 9_921_000,
        },
      });
      expect(decode(aV1Event())).toEqual(result);
    });

    it('quarantines an impossible timestamp', () => {
      expect(reasonOf(aV1Event({ timestamp: '2025-02-30T25:61:00Z' }))).toBe('invalid_timestamp');
    });
  });

  describe('quarantines with a machine-readable reason', () => {
    it.each([
      ['a record that is not JSON', '{"intent": "faq"', 'malformed_json'],
      ['a JSON array', '[1,2]', 'not_an_object'],
      ['an unknown major version', aV2Event({ schema_version: '3.0' }), 'unsupported_schema_version'],
      ['a numeric version', { ...aV2Event(), schema_version: 2 }, 'unsupported_schema_version'],
      [
        'an unknown field at a minor this consumer knows',
        { ...aV2Event(), prompt: 'where is my order?' },
        'unknown_field',
      ],
      ['an unknown field on v1', { ...aV1Event(), user_message: 'hi' }, 'unknown_field'],
      ['an oversize string', aV2Event({ session_id: 's'.repeat(65) }), 'oversize_field'],
      ['free text in an id', aV2Event({ request_id: 'my name is Taro' }), 'schema_violation'],
      ['a negative token count', aV2Event({ input_tokens: -1 }), 'schema_violation'],
      ['a fractional token count', aV2Event({ output_tokens: 1.5 }), 'schema_violation'],
      ['a missing event id', { ...aV2Event(), event_id: undefined }, 'schema_violation'],
      ['a record above the size limit', 'x'.repeat(MAX_EVENT_BYTES + 1), 'record_too_large'],
    ])('%s', (_name, payload, reason) => {
      expect(reasonOf(payload)).toBe(reason);
    });

    it('names the offending field', () => {
      expect(decode({ ...aV2Event(), prompt: 'x' })).toMatchObject({
        ok: false,
        detail: 'unknown field "prompt"',
      });
    });
  });
});
