import {
  type CostEventV1,
  type CostEventV2,
  type Language,
  PRODUCER_PRICE_TABLE,
  reportedCostUsd,
  type TokenUsage,
} from '../../producer';
import {
  COMPONENT,
  DIURNAL_WEIGHTS,
  INTENTS,
  type IntentProfile,
  LANGUAGE_WEIGHTS,
  LANGUAGES,
  MODEL_IDS,
  PRODUCER,
  PROMPT_CACHE,
  REGION,
  TOKEN_SPREAD,
  TURN_GAP_SECONDS,
  TURN_WEIGHTS,
  V1_SHARE,
} from './catalog';
import { deriveSeed, Prng } from './prng';

export interface ScenarioOptions {
  /** The UTC day, YYYY-MM-DD. */
  day: string;
  /** Share of the seed 001 A4 daily volumes to generate. */
  scale: number;
  /** Any unsigned 32-bit integer. */
  seed: number;
}

/** What each kind of bad line is meant to exercise in the consumer's quarantine. */
export type Defect =
  | 'not_json'
  | 'unknown_field'
  | 'unsupported_major_version'
  | 'negative_tokens'
  | 'wrong_type';

export const DEFECTS: readonly Defect[] = [
  'not_json',
  'unknown_field',
  'unsupported_major_version',
  'negative_tokens',
  'wrong_type',
];

/** Exact re-sends of a v2 event (same event_id), as a producer retry would create. */
export const DUPLICATES_PER_DAY = 5;

export type ScenarioLine = string | CostEventV1 | CostEventV2 | Record<string, unknown>;

export type ScenarioItem =
  | { kind: 'event'; line: CostEventV1 | CostEventV2; emitAt: number }
  | { kind: 'duplicate'; line: CostEventV2; emitAt: number }
  | { kind: 'bad'; line: ScenarioLine; emitAt: number; defect: Defect };

/** One model call before it is written as a v1 or v2 line; incidents edit it. */
export interface Draft {
  atMs: number;
  requestId: string;
  eventId: string;
  sessionId: string;
  profile: IntentProfile;
  modelId: string;
  /** The Bedrock region called. */
  region: string;
  language: Language;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheHit: boolean;
  latencyMs: number;
  legacy: boolean;
  /** Set by a consumer that refused the call (the cap): no model call, so no cost event. */
  refused?: boolean;
}

/** A session the incident adds on top of the day's traffic (a runaway conversation). */
export interface ExtraSession {
  intent: string;
  language: Language;
  startMs: number;
  turns: number;
  gapMs: number;
}

/** Legitimate extra traffic: `factor` times the usual calls of every intent between two UTC hours. */
export interface Surge {
  fromHour: number;
  toHour: number;
  factor: number;
}

/** A departure from the normal day from `startMs` (ms after midnight UTC) on. */
export interface Incident {
  startMs: number;
  /** More calls, not dearer ones: sessions added on top of the day, in its hours, like its own. */
  surge?: Surge;
  /** Edits a call made at or after startMs; `turn` is the turn within its session. */
  adjust?: (draft: Draft, rng: Prng, turn: number) => void;
  extraSessions?: readonly ExtraSession[];
  /** Sets the tokens of a call in an extra session. */
  adjustExtra?: (draft: Draft, rng: Prng, turn: number) => void;
}

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Tags for deriveSeed, so the streams of randomness never overlap. */
const STREAM = { events: 1, sessions: 2, extras: 3, surge: 4 } as const;

/** Midnight UTC of a YYYY-MM-DD day, in epoch ms; throws on anything else. */
export const parseDay = (day: string): number => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const [, year, month, date] = match ?? [];
  const start = Date.UTC(Number(year), Number(month) - 1, Number(date));
  if (!match || new Date(start).toISOString().slice(0, 10) !== day) {
    throw new RangeError(`--day must be a calendar day as YYYY-MM-DD, got "${day}"`);
  }
  return start;
};

export const validateOptions = (options: ScenarioOptions): number => {
  if (!Number.isFinite(options.scale) || options.scale <= 0 || options.scale > 10) {
    throw new RangeError(`--scale must be > 0 and <= 10, got ${options.scale}`);
  }
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    throw new RangeError(`--seed must be an integer from 0 to 4294967295, got ${options.seed}`);
  }
  return parseDay(options.day);
};

/** Model calls per intent for a scale: A4 volume x scale, rounded. */
export const intentVolumes = (scale: number): Map<string, number> =>
  new Map(INTENTS.map((profile) => [profile.intent, Math.round(profile.dailyVolume * scale)]));

const surgeShare = (surge: Surge): number => {
  const total = DIURNAL_WEIGHTS.reduce((sum, w) => sum + w, 0);
  const inWindow = DIURNAL_WEIGHTS.slice(surge.fromHour, surge.toHour).reduce((sum, w) => sum + w, 0);
  return inWindow / total;
};

/** Extra calls per intent a surge adds: the intent's usual calls in the window, times factor - 1. */
const surgeVolumes = (scale: number, surge: Surge | undefined): number[] =>
  INTENTS.map((profile) =>
    surge === undefined
      ? 0
      : Math.round(profile.dailyVolume * scale * surgeShare(surge) * (surge.factor - 1)),
  );

/** Lines a day will emit (events, duplicates, bad lines), without generating it. */
export const plannedLines = (options: ScenarioOptions, incident?: Incident): number => {
  const events =
    [...intentVolumes(options.scale).values()].reduce((sum, count) => sum + count, 0) +
    surgeVolumes(options.scale, incident?.surge).reduce((sum, count) => sum + count, 0);
  const extras = (incident?.extraSessions ?? []).reduce((sum, session) => sum + session.turns, 0);
  const total = events + extras;
  return total === 0 ? 0 : total + Math.min(DUPLICATES_PER_DAY, total) + DEFECTS.length;
};

const vary = (rng: Prng, mean: number): number =>
  Math.max(1, Math.round(mean * rng.between(1 - TOKEN_SPREAD, 1 + TOKEN_SPREAD)));

const roundTo6 = (usd: number): number => Math.round(usd * 1e6) / 1e6;

const usageOf = (draft: Draft) => ({
  inputTokens: draft.inputTokens,
  outputTokens: draft.outputTokens,
  cacheReadTokens: draft.cacheReadTokens,
  cacheWriteTokens: draft.cacheWriteTokens,
});

/** The normal tokens of one call: app cache hit or not, prompt cache on Sonnet, ±25% around the mean. */
const drawTokens = (draft: Draft, rng: Prng): void => {
  const { profile } = draft;
  draft.cacheHit = rng.chance(profile.appCacheHitRate);
  const prompt = vary(rng, profile.avgInputTokens);
  const output = vary(rng, profile.avgOutputTokens);
  const cacheDraw = rng.next();
  const prefix = Math.round(profile.avgInputTokens * PROMPT_CACHE.prefixShare * rng.between(0.9, 1.1));
  if (draft.cacheHit) {
    draft.inputTokens = 0;
    draft.outputTokens = 0;
    return;
  }
  draft.outputTokens = output;
  draft.inputTokens = prompt;
  // The legacy logger predates prompt caching; Haiku intents do not use it.
  if (draft.legacy || profile.model !== 'sonnet' || prefix >= prompt) return;
  if (cacheDraw < PROMPT_CACHE.readRate) {
    draft.cacheReadTokens = prefix;
    draft.inputTokens = prompt - prefix;
  } else if (cacheDraw < PROMPT_CACHE.readRate + PROMPT_CACHE.writeRate) {
    draft.cacheWriteTokens = prefix;
    draft.inputTokens = prompt - prefix;
  }
};

/** Latency grows with output length; Sonnet is slower to first token and per token. */
const drawLatency = (draft: Draft, rng: Prng): number => {
  if (draft.cacheHit) return rng.int(8, 40);
  const sonnet = draft.modelId === MODEL_IDS.sonnet;
  const firstToken = sonnet ? rng.int(600, 1_000) : rng.int(250, 450);
  const promptTokens = draft.inputTokens + draft.cacheReadTokens + draft.cacheWriteTokens;
  const perOutputToken = sonnet ? rng.between(3.5, 5) : rng.between(1.5, 2.5);
  return Math.round(firstToken + promptTokens / 40 + draft.outputTokens * perOutputToken);
};

export const toV2 = (draft: Draft): CostEventV2 => {
  // A producer never reports a guess: where the catalog can only estimate, it leaves the figure out.
  const reported = reportedCostUsd(draft.modelId, usageOf(draft), draft.atMs, draft.region);
  return {
    schema_version: '2.0',
    event_id: draft.eventId,
    occurred_at: draft.atMs,
    request_id: draft.requestId,
    session_id: draft.sessionId,
    intent: draft.profile.intent,
    model_id: draft.modelId,
    component: COMPONENT,
    language: draft.language,
    input_tokens: draft.inputTokens,
    output_tokens: draft.outputTokens,
    cache_read_tokens: draft.cacheReadTokens,
    cache_write_tokens: draft.cacheWriteTokens,
    cache_hit: draft.cacheHit,
    region: draft.region,
    latency_ms: draft.latencyMs,
    ...(reported !== undefined && { reported_cost_usd: reported }),
    price_table: PRODUCER_PRICE_TABLE.version,
    producer: PRODUCER,
  };
};

const NO_TOKENS: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

/** The orchestrator's legacy log line, field for field as seed 001 A9 shows it. */
export const toV1 = (draft: Draft): CostEventV1 => {
  const only = (tokens: Partial<TokenUsage>) =>
    reportedCostUsd(draft.modelId, { ...NO_TOKENS, ...tokens }, draft.atMs, draft.region) ?? 0;
  const inputCost = roundTo6(only({ inputTokens: draft.inputTokens }));
  const outputCost = roundTo6(only({ outputTokens: draft.outputTokens }));
  return {
    timestamp: `${new Date(draft.atMs).toISOString().slice(0, 19)}Z`,
    request_id: draft.requestId,
    session_id: draft.sessionId,
    intent: draft.profile.intent,
    model_id: draft.modelId,
    input_tokens: draft.inputTokens,
    output_tokens: draft.outputTokens,
    cache_hit: draft.cacheHit,
    latency_ms: draft.latencyMs,
    input_cost_usd: inputCost,
    output_cost_usd: outputCost,
    // The legacy logger adds its rounded parts, so a line's total always equals their sum.
    total_cost_usd: roundTo6(inputCost + outputCost),
    region: draft.region,
    hour_of_day: new Date(draft.atMs).getUTCHours(),
  };
};

/** A line the consumer must quarantine, built from a real-looking call with fresh ids. */
const badLine = (defect: Defect, draft: Draft): ScenarioLine => {
  const v2 = toV2(draft);
  switch (defect) {
    case 'not_json':
      // A line torn mid-write by a crashing logger.
      return JSON.stringify(v2).slice(0, 97);
    case 'unknown_field':
      return { ...v2, temperature: 0.7 };
    case 'unsupported_major_version':
      return { ...v2, schema_version: '3.0' };
    case 'negative_tokens':
      return { ...v2, output_tokens: -Math.max(1, v2.output_tokens) };
    case 'wrong_type':
      return { ...toV1({ ...draft, legacy: true }), input_tokens: String(draft.inputTokens) };
  }
};

interface Layout {
  /** Intent index per event; events of one session are consecutive. */
  intents: Uint8Array;
  times: Float64Array;
  sessionOf: Uint32Array;
  turnOf: Uint16Array;
  languages: Language[];
  /** Events from this index on belong to the incident's extra sessions. */
  firstExtra: number;
}

/**
 * Lays the day out: the exact A4 x scale number of calls per intent, shuffled and cut into
 * sessions of 1-6 turns a few tens of seconds apart, each session starting at a time drawn from
 * the diurnal curve and kept inside the day.
 */
const layOut = (dayStart: number, options: ScenarioOptions, incident: Incident | undefined): Layout => {
  const rng = new Prng(deriveSeed(options.seed, STREAM.sessions));
  const volumes = INTENTS.map((profile) => Math.round(profile.dailyVolume * options.scale));
  const usual = volumes.reduce((sum, count) => sum + count, 0);
  const surged = surgeVolumes(options.scale, incident?.surge);
  const regular = usual + surged.reduce((sum, count) => sum + count, 0);
  const extras = incident?.extraSessions ?? [];
  const total = regular + extras.reduce((sum, session) => sum + session.turns, 0);

  const intents = new Uint8Array(total);
  let filled = 0;
  for (const counts of [volumes, surged]) {
    counts.forEach((count, index) => {
      intents.fill(index, filled, filled + count);
      filled += count;
    });
  }
  rng.shuffle(intents.subarray(0, usual));
  // Its own stream of randomness, so the usual day stays the same call for call.
  const surgeRng = new Prng(deriveSeed(options.seed, STREAM.surge));
  surgeRng.shuffle(intents.subarray(usual, regular));

  const times = new Float64Array(total);
  const sessionOf = new Uint32Array(total);
  const turnOf = new Uint16Array(total);
  const languages: Language[] = [];
  const surge = incident?.surge;
  const surgeWeights = DIURNAL_WEIGHTS.map((w, h) =>
    surge !== undefined && h >= surge.fromHour && h < surge.toHour ? w : 0,
  );
  let event = 0;
  while (event < regular) {
    const inSurge = event >= usual;
    const r = inSurge ? surgeRng : rng;
    const end = inSurge ? regular : usual;
    const turns = Math.min(r.weighted(TURN_WEIGHTS) + 1, end - event);
    const gaps = Array.from({ length: turns }, (_, turn) =>
      turn === 0 ? 0 : r.int(TURN_GAP_SECONDS.min * 1_000, TURN_GAP_SECONDS.max * 1_000),
    );
    const span = gaps.reduce((sum, gap) => sum + gap, 0);
    const hour = r.weighted(inSurge ? surgeWeights : DIURNAL_WEIGHTS);
    const start = Math.min(hour * HOUR_MS + r.int(0, HOUR_MS - 1), DAY_MS - 1 - span);
    const session = languages.length;
    languages.push(LANGUAGES[r.weighted(LANGUAGE_WEIGHTS)] ?? 'en');
    let at = dayStart + start;
    gaps.forEach((gap, turn) => {
      at += gap;
      times[event] = at;
      sessionOf[event] = session;
      turnOf[event] = turn;
      event++;
    });
  }
  for (const extra of extras) {
    const session = languages.length;
    languages.push(extra.language);
    const intent = INTENTS.findIndex((profile) => profile.intent === extra.intent);
    for (let turn = 0; turn < extra.turns; turn++) {
      intents[event] = Math.max(0, intent);
      times[event] = dayStart + Math.min(DAY_MS - 1, extra.startMs + turn * extra.gapMs);
      sessionOf[event] = session;
      turnOf[event] = turn;
      event++;
    }
  }
  return { intents, times, sessionOf, turnOf, languages, firstExtra: regular };
};

/** Positions (in emission order) where a duplicate or a bad line is injected; distinct, ascending. */
const pickPositions = (rng: Prng, count: number, events: number): number[] => {
  const positions = new Set<number>();
  while (positions.size < Math.min(count, events)) positions.add(rng.int(0, events - 1));
  return [...positions].sort((a, b) => a - b);
};

/**
 * Generates one UTC day of cost events in event-time order, with a few exact duplicates shortly
 * after their originals and a few bad lines. Deterministic: the same options give the same items.
 * Memory stays small at any scale: the layout is typed arrays and events are built as they are
 * emitted.
 */
export function* generateDay(options: ScenarioOptions, incident?: Incident): Generator<ScenarioItem> {
  const dayStart = validateOptions(options);
  const layout = layOut(dayStart, options, incident);
  const total = layout.times.length;
  if (total === 0) return;

  const order = new Uint32Array(total).map((_, index) => index);
  order.sort((a, b) => (layout.times[a] ?? 0) - (layout.times[b] ?? 0) || a - b);

  const extrasRng = new Prng(deriveSeed(options.seed, STREAM.extras));
  const duplicateAt = pickPositions(extrasRng, DUPLICATES_PER_DAY, total);
  const badAt = pickPositions(extrasRng, DEFECTS.length, total);
  let duplicatesOwed = 0;
  let nextDefect = 0;
  const pending: ScenarioItem[] = [];
  const schedule = (item: ScenarioItem) => {
    pending.push(item);
    pending.sort((a, b) => a.emitAt - b.emitAt);
  };

  for (let position = 0; position < total; position++) {
    const index = order[position] as number;
    const draft = buildDraft(options.seed, layout, index, dayStart, incident);
    const line = draft.legacy ? toV1(draft) : toV2(draft);

    while (pending.length > 0 && (pending[0]?.emitAt ?? 0) <= draft.atMs) {
      yield pending.shift() as ScenarioItem;
    }
    if (draft.refused !== true) yield { kind: 'event', line, emitAt: draft.atMs };

    if (duplicateAt[0] === position) {
      duplicateAt.shift();
      duplicatesOwed++;
    }
    // A v1 line has no event_id to repeat, so its duplicate moves to the next v2 event; a refused call
    // has no event to repeat either.
    if (duplicatesOwed > 0 && !draft.legacy && draft.refused !== true) {
      duplicatesOwed--;
      schedule({
        kind: 'duplicate',
        line: line as CostEventV2,
        emitAt: draft.atMs + extrasRng.int(200, 8_000),
      });
    }
    if (badAt[0] === position) {
      badAt.shift();
      // A refused call made no request, so no producer can have written it badly either.
      if (draft.refused === true) continue;
      const defect = DEFECTS[nextDefect++] ?? 'not_json';
      const bad = {
        ...draft,
        requestId: `req-${extrasRng.hex(16)}`,
        eventId: extrasRng.uuid(),
        legacy: false,
      };
      schedule({
        kind: 'bad',
        line: badLine(defect, bad),
        emitAt: draft.atMs + extrasRng.int(1, 999),
        defect,
      });
    }
  }
  yield* pending;
}

const buildDraft = (
  seed: number,
  layout: Layout,
  index: number,
  dayStart: number,
  incident: Incident | undefined,
): Draft => {
  const rng = new Prng(deriveSeed(seed, STREAM.events, index));
  const session = layout.sessionOf[index] ?? 0;
  const profile = INTENTS[layout.intents[index] ?? 0] as IntentProfile;
  const extra = index >= layout.firstExtra;
  const draft: Draft = {
    atMs: layout.times[index] ?? dayStart,
    requestId: `req-${rng.hex(16)}`,
    eventId: rng.uuid(),
    sessionId: `sess-${new Prng(deriveSeed(seed, STREAM.sessions, session)).hex(12)}`,
    profile,
    modelId: MODEL_IDS[profile.model],
    region: REGION,
    language: layout.languages[session] ?? 'en',
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheHit: false,
    latencyMs: 0,
    legacy: !extra && rng.chance(V1_SHARE),
  };
  drawTokens(draft, rng);
  const turn = layout.turnOf[index] ?? 0;
  if (extra) incident?.adjustExtra?.(draft, rng, turn);
  else if (incident && draft.atMs - dayStart >= incident.startMs) incident.adjust?.(draft, rng, turn);
  draft.latencyMs = drawLatency(draft, rng);
  return draft;
};
