import type { CostEventV1, CostEventV2 } from '../../../producer';
import { PRODUCER_PRICE_TABLE, reportedCostUsd } from '../../../producer';
import {
  DEFECTS,
  DUPLICATES_PER_DAY,
  generateScenario,
  SCENARIOS,
  type ScenarioItem,
  scenarioItems,
  scenarioLineCount,
  summarizeScenario,
  UnknownScenarioError,
  unreportedCalls,
} from '../../../scripts/scenarios';
import { INTENTS } from '../../../scripts/scenarios/catalog';

const DAY_START = Date.UTC(2025, 2, 15);
const DAY_END = Date.UTC(2025, 2, 16);
const HOUR = 3_600_000;

const V1_FIELDS = [
  'timestamp',
  'request_id',
  'session_id',
  'intent',
  'model_id',
  'input_tokens',
  'output_tokens',
  'cache_hit',
  'latency_ms',
  'input_cost_usd',
  'output_cost_usd',
  'total_cost_usd',
  'region',
  'hour_of_day',
].sort();

const V2_FIELDS = [
  'schema_version',
  'event_id',
  'occurred_at',
  'request_id',
  'session_id',
  'intent',
  'model_id',
  'component',
  'language',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_hit',
  'region',
  'latency_ms',
  'reported_cost_usd',
  'price_table',
  'producer',
].sort();

const isV2 = (event: CostEventV1 | CostEventV2): event is CostEventV2 => 'schema_version' in event;
const timeOf = (event: CostEventV1 | CostEventV2): number =>
  isV2(event) ? event.occurred_at : Date.parse(event.timestamp);

type EventItem = Extract<ScenarioItem, { kind: 'event' }>;

// One generation shared by the read-only assertions below.
const defaultItems = [...scenarioItems('default-day')];
const defaultEvents = defaultItems
  .filter((item): item is EventItem => item.kind === 'event')
  .map((item) => item.line);

describe('determinism', () => {
  it('gives identical lines for identical options', () => {
    const first = JSON.stringify([...generateScenario('default-day', { seed: 7, scale: 0.005 })]);
    const second = JSON.stringify([...generateScenario('default-day', { seed: 7, scale: 0.005 })]);
    expect(second).toBe(first);
  });

  it('gives different lines for a different seed but the same volumes', () => {
    const a = summarizeScenario('default-day', { seed: 7, scale: 0.005 });
    const b = summarizeScenario('default-day', { seed: 8, scale: 0.005 });
    expect(b.costUsd).not.toBe(a.costUsd);
    expect(b.byIntent).toEqual(a.byIntent);
  });

  it('moves every event to the requested day', () => {
    const lines = [...generateScenario('default-day', { day: '2024-02-29', scale: 0.001 })];
    const events = lines.filter(
      (line): line is CostEventV2 => typeof line === 'object' && 'occurred_at' in line,
    );
    expect(events.every((event) => new Date(event.occurred_at).toISOString().startsWith('2024-02-29'))).toBe(
      true,
    );
  });
});

describe('default-day volumes and shape', () => {
  it.each([0.02, 0.013, 0.001])('matches the A4 volume of every intent x %p within rounding', (scale) => {
    const { byIntent, events } = summarizeScenario('default-day', { scale });
    for (const profile of INTENTS) {
      expect(Math.abs((byIntent[profile.intent] ?? 0) - profile.dailyVolume * scale)).toBeLessThanOrEqual(
        0.5,
      );
    }
    expect(events).toBe(INTENTS.reduce((sum, profile) => sum + Math.round(profile.dailyVolume * scale), 0));
  });

  it('emits about 9,700 lines at the default scale, as many as planned', () => {
    expect(defaultItems).toHaveLength(9_690);
    for (const name of Object.keys(SCENARIOS)) {
      expect(scenarioLineCount(name, { scale: 0.003 })).toBe(
        [...generateScenario(name, { scale: 0.003 })].length,
      );
    }
  });

  it('keeps every event inside the UTC day and emits them in event-time order', () => {
    const times = defaultEvents.map(timeOf);
    expect(times.every((time) => time >= DAY_START && time < DAY_END)).toBe(true);
    const emitted = defaultItems.map((item) => item.emitAt);
    expect(emitted).toEqual([...emitted].sort((a, b) => a - b));
  });

  it('mixes about 90% v2 and 10% v1, each with exactly its fields', () => {
    const v2 = defaultEvents.filter(isV2);
    expect(v2.length / defaultEvents.length).toBeGreaterThan(0.88);
    expect(v2.length / defaultEvents.length).toBeLessThan(0.92);
    const misshapen = defaultEvents.filter(
      (event) => Object.keys(event).sort().join() !== (isV2(event) ? V2_FIELDS : V1_FIELDS).join(),
    );
    expect(misshapen).toEqual([]);
  });

  it('writes v1 lines like the orchestrator log of seed 001 A9', () => {
    const v1 = defaultEvents.filter((event): event is CostEventV1 => !isV2(event));
    for (const event of v1) {
      expect(event.timestamp).toMatch(/^2025-03-15T\d{2}:\d{2}:\d{2}Z$/);
      expect(event.hour_of_day).toBe(new Date(event.timestamp).getUTCHours());
      expect(event.total_cost_usd).toBeCloseTo(event.input_cost_usd + event.output_cost_usd, 6);
      expect(event.region).toBe('us-east-1');
    }
  });

  it('builds v2 events with well-formed ids, the producer cost and the 2024-11-01 table', () => {
    const v2 = defaultEvents.filter(isV2);
    const malformed = v2.filter((event) => {
      const usage = {
        inputTokens: event.input_tokens,
        outputTokens: event.output_tokens,
        cacheReadTokens: event.cache_read_tokens,
        cacheWriteTokens: event.cache_write_tokens,
      };
      return !(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(event.event_id) &&
        /^req-[0-9a-f]{16}$/.test(event.request_id) &&
        /^sess-[0-9a-f]{12}$/.test(event.session_id) &&
        event.component === 'llm' &&
        event.price_table === PRODUCER_PRICE_TABLE.version &&
        event.producer === 'orchestrator@1.0.0' &&
        event.reported_cost_usd === reportedCostUsd(event.model_id, usage, event.occurred_at)
      );
    });
    expect(malformed).toEqual([]);
    expect(new Set(v2.map((event) => event.event_id)).size).toBe(v2.length);
  });

  it('varies prompt and answer tokens within 25% of the intent mean, with cache hits at zero', () => {
    const profiles = new Map(INTENTS.map((profile) => [profile.intent, profile]));
    const outside = defaultEvents.filter((event) => {
      const profile = profiles.get(event.intent);
      if (!profile) return true;
      const prompt =
        event.input_tokens + (isV2(event) ? event.cache_read_tokens + event.cache_write_tokens : 0);
      if (event.cache_hit) return prompt !== 0 || event.output_tokens !== 0;
      return (
        Math.abs(prompt - profile.avgInputTokens) > profile.avgInputTokens * 0.25 + 1 ||
        Math.abs(event.output_tokens - profile.avgOutputTokens) > profile.avgOutputTokens * 0.25 + 1
      );
    });
    expect(outside).toEqual([]);
  });

  it('answers 20-40% of FAQ and order-tracking messages from the app cache, and nothing else', () => {
    const hitRate = (intent: string) => {
      const events = defaultEvents.filter((event) => event.intent === intent);
      return events.filter((event) => event.cache_hit).length / events.length;
    };
    for (const intent of ['faq', 'order_tracking']) {
      expect(hitRate(intent)).toBeGreaterThan(0.2);
      expect(hitRate(intent)).toBeLessThan(0.4);
    }
    expect(
      defaultEvents.filter((event) => event.cache_hit && !['faq', 'order_tracking'].includes(event.intent)),
    ).toEqual([]);
  });

  it('reads the prompt cache on Sonnet intents only', () => {
    const v2 = defaultEvents.filter(isV2);
    const cached = v2.filter((event) => event.cache_read_tokens > 0 || event.cache_write_tokens > 0);
    expect(cached.length).toBeGreaterThan(0);
    expect(cached.every((event) => event.model_id.includes('sonnet'))).toBe(true);
  });

  it('groups events into sessions of 1 to 6 turns a few tens of seconds apart, in one language', () => {
    const sessions = new Map<string, { times: number[]; languages: Set<string> }>();
    for (const event of defaultEvents) {
      const session = sessions.get(event.session_id) ?? { times: [], languages: new Set() };
      session.times.push(timeOf(event));
      if (isV2(event)) session.languages.add(event.language);
      sessions.set(event.session_id, session);
    }
    const sizes = [...sessions.values()].map((session) => session.times.length);
    expect(Math.min(...sizes)).toBe(1);
    expect(Math.max(...sizes)).toBe(6);
    for (const { times, languages } of sessions.values()) {
      const gaps = times.slice(1).map((time, index) => time - (times[index] ?? 0));
      // v1 timestamps are whole seconds, hence the one-second slack
      expect(gaps.every((gap) => gap >= 14_000 && gap <= 76_000)).toBe(true);
      expect(languages.size).toBeLessThanOrEqual(1);
    }
  });

  it('speaks en, ja and mixed in roughly 55/35/10', () => {
    const v2 = defaultEvents.filter(isV2);
    const share = (language: string) => v2.filter((event) => event.language === language).length / v2.length;
    expect(share('en')).toBeCloseTo(0.55, 1);
    expect(share('ja')).toBeCloseTo(0.35, 1);
    expect(share('mixed')).toBeCloseTo(0.1, 1);
  });

  it('follows a diurnal curve: busier in the UTC afternoon than in the early morning', () => {
    const inHour = (hour: number) =>
      defaultEvents.filter((event) => Math.floor((timeOf(event) - DAY_START) / HOUR) === hour).length;
    expect(inHour(15)).toBeGreaterThan(inHour(6) * 2);
  });
});

describe('lines the consumer must handle', () => {
  it('re-sends a few v2 events unchanged, shortly after their originals', () => {
    const duplicates = defaultItems.filter((item) => item.kind === 'duplicate');
    expect(duplicates).toHaveLength(DUPLICATES_PER_DAY);
    for (const duplicate of duplicates) {
      const index = defaultItems.indexOf(duplicate);
      const original = defaultItems.find(
        (item) => item.kind === 'event' && isV2(item.line) && item.line.event_id === duplicate.line.event_id,
      );
      expect(original?.line).toEqual(duplicate.line);
      expect(defaultItems.indexOf(original as ScenarioItem)).toBeLessThan(index);
      expect(duplicate.emitAt - (original?.emitAt ?? 0)).toBeLessThanOrEqual(8_000);
    }
  });

  it('includes one bad line of each defect, the first of which is not JSON', () => {
    const bad = defaultItems.flatMap((item) => (item.kind === 'bad' ? [item] : []));
    expect(bad.map((item) => item.defect).sort()).toEqual([...DEFECTS].sort());
    const byDefect = new Map(bad.map((item) => [item.defect, item.line]));
    expect(() => JSON.parse(byDefect.get('not_json') as string)).toThrow();
    expect(byDefect.get('unknown_field')).toHaveProperty('temperature');
    expect(byDefect.get('unsupported_major_version')).toHaveProperty('schema_version', '3.0');
    expect((byDefect.get('negative_tokens') as CostEventV2).output_tokens).toBeLessThan(0);
    expect(typeof (byDefect.get('wrong_type') as Record<string, unknown>).input_tokens).toBe('string');
  });
});

describe('incident scenarios', () => {
  const incidentStart = DAY_START + 9 * HOUR;
  const eventsOf = (name: string) =>
    [...scenarioItems(name, { scale: 0.005 })].flatMap((item) => (item.kind === 'event' ? [item.line] : []));

  it('routes everything to Sonnet after 09:00 UTC in router-fallthrough', () => {
    const events = eventsOf('router-fallthrough');
    const after = events.filter((event) => timeOf(event) >= incidentStart + 1_000);
    const before = events.filter((event) => timeOf(event) < incidentStart - 1_000);
    expect(after.every((event) => event.model_id.includes('sonnet'))).toBe(true);
    expect(before.some((event) => event.model_id.includes('haiku'))).toBe(true);
  });

  it('costs more than the default day in every incident producers report', () => {
    const normal = summarizeScenario('default-day', { scale: 0.005 }).costUsd;
    // dark-spend's extra calls are never reported: its lines are the default day's (tested below).
    const reported = (scenario: string) => scenario !== 'default-day' && scenario !== 'dark-spend';
    for (const name of Object.keys(SCENARIOS).filter(reported)) {
      expect(summarizeScenario(name, { scale: 0.005 }).costUsd).toBeGreaterThan(normal * 1.1);
    }
  });

  it('in dark-spend, reports the default day and hides a Sonnet batch job from 10:00 to 12:00 UTC', () => {
    const options = { scale: 0.005 };

    const calls = unreportedCalls('dark-spend', options);

    expect([...generateScenario('dark-spend', options)]).toEqual([
      ...generateScenario('default-day', options),
    ]);
    expect(calls.length).toBe(150);
    const hours = new Set(calls.map((c) => new Date(c.occurred_at).getUTCHours()));
    expect([...hours].sort()).toEqual([10, 11]);
    expect(calls.every((c) => c.model_id.includes('sonnet'))).toBe(true);
    expect(unreportedCalls('default-day', options)).toEqual([]);
  });

  it('contains a runaway session and requests over 10,000 input tokens in token-explosion', () => {
    const events = eventsOf('token-explosion');
    const turns = new Map<string, number>();
    for (const event of events) turns.set(event.session_id, (turns.get(event.session_id) ?? 0) + 1);
    expect(Math.max(...turns.values())).toBe(60);
    expect(events.filter((event) => event.input_tokens > 10_000).length).toBeGreaterThan(10);
  });
});

describe('options', () => {
  it.each([
    [{ day: '2025-02-30' }],
    [{ day: '15/03/2025' }],
    [{ scale: 0 }],
    [{ scale: Number.NaN }],
    [{ seed: -1 }],
    [{ seed: 1.5 }],
  ])('rejects %j before generating anything', (options) => {
    expect(() => scenarioItems('default-day', options)).toThrow(RangeError);
  });

  it('rejects an unknown scenario with the list of known ones', () => {
    expect(() => scenarioItems('tuesday')).toThrow(UnknownScenarioError);
    expect(() => scenarioItems('tuesday')).toThrow(/default-day/);
  });

  it('describes every scenario in one line', () => {
    for (const description of Object.values(SCENARIOS)) {
      expect(description.length).toBeGreaterThan(10);
      expect(description).not.toContain('\n');
    }
  });
});
