import type { CostEventV2 } from '../../functions/core/events/cost-event';
import { reportedCostUsd } from '../../producer';
import {
  type ChatbotFlags,
  type ConsumerObserver,
  chatbotIncident,
  NORMAL_FLAGS,
  RUNAWAY_BUG,
} from './chatbot';
import {
  DAY_MS,
  type Defect,
  generateDay,
  type Incident,
  plannedLines,
  type ScenarioItem,
  type ScenarioLine,
  type ScenarioOptions,
  validateOptions,
} from './day';
import {
  cachePoisoning,
  compressionFailure,
  currentModels,
  HOLIDAY_HOURS,
  holidaySurge,
  INCIDENT_START_HOUR,
  PROTECTED_INTENT,
  protectedRunaway,
  routerFallthrough,
  slowDrift,
  tokenExplosion,
} from './incidents';
import { darkBatchJob } from './provider-truth';

export type { Defect, ScenarioItem, ScenarioLine, ScenarioOptions } from './day';
export { DEFECTS, DUPLICATES_PER_DAY, intentVolumes, parseDay } from './day';

export const DEFAULT_SCENARIO_OPTIONS: Readonly<ScenarioOptions> = Object.freeze({
  day: '2025-03-15',
  scale: 0.02,
  seed: 1,
});

interface ScenarioDefinition {
  description: string;
  incident?: Incident;
  /** The same day with the chatbot reading `flags` before each call; default: the incident, then the chatbot. */
  closedLoop?: (flags: (atMs: number) => ChatbotFlags, observer?: ConsumerObserver) => Incident;

  /** Calls the provider meters that no producer reports (dark spend). */
  unreported?: (options: ScenarioOptions) => Iterable<CostEventV2>;
}

const from = `from ${String(INCIDENT_START_HOUR).padStart(2, '0')}:00 UTC`;

const DEFINITIONS = {
  'default-day': {
    description: 'a normal day: the 10 intents of seed 001 A4 on a diurnal curve, 90% v2 / 10% v1',
  },
  'router-fallthrough': {
    description: `the default day, but ${from} the router sends every message to Sonnet`,
    incident: routerFallthrough,
  },
  'compression-failure': {
    description: `the default day, but ${from} prompt compression fails: Sonnet inputs grow 8-12x`,
    incident: compressionFailure,
  },
  'cache-poisoning': {
    description: `the default day, but ${from} a poisoned cache: no FAQ/order hits, long answers, prompt-cache rewrites`,
    incident: cachePoisoning,
  },
  'runaway-day': {
    description:
      'the default day, but from 14:00 UTC a router bug sends every intent to Sonnet with 40x prompts (open loop: nobody reads the flags; `npm start` replays it with the chatbot obeying them)',
    incident: chatbotIncident(() => NORMAL_FLAGS, RUNAWAY_BUG),
    closedLoop: (flags, observer) => chatbotIncident(flags, RUNAWAY_BUG, observer),
  },
  'current-models': {
    description:
      'the default day on the models teams run today: Sonnet 4.5/4 and Haiku 4.5, Nova Lite/Micro, through global., us., eu., au., jp. and in-region ids from six regions, plus a model newer than the price catalog',
    incident: currentModels,
  },
  'dark-spend': {
    description:
      'the default day, but from 10:00 to 12:00 UTC a batch job calls Sonnet without emitting events: only the provider metrics see it',
    unreported: darkBatchJob,
  },
  'token-explosion': {
    description: `the default day, but ${from} 2% of Sonnet calls carry 12k-40k tokens and one session runs away`,
    incident: tokenExplosion,
  },
  'slow-drift': {
    description:
      'the default day, but calls grow steadily dearer: from as usual at midnight to 5x the input and output at the end',
    incident: slowDrift,
  },
  'holiday-surge': {
    description: `the default day, but 3x the usual calls of every intent from ${HOLIDAY_HOURS.fromHour}:00 to ${HOLIDAY_HOURS.toHour}:00 UTC, all legitimate`,
    incident: holidaySurge,
  },
  'protected-runaway': {
    description: `the default day, but from 14:00 UTC ${PROTECTED_INTENT} (kept on Sonnet even when degraded) loops with 60x prompts`,
    incident: protectedRunaway,
  },
} as const satisfies Record<string, ScenarioDefinition>;

export type ScenarioName = keyof typeof DEFINITIONS;

/** Every built-in scenario with its one-line description. */
export const SCENARIOS: Readonly<Record<ScenarioName, string>> = Object.fromEntries(
  Object.entries(DEFINITIONS).map(([name, definition]) => [name, definition.description]),
) as Record<ScenarioName, string>;

export const isScenarioName = (name: string): name is ScenarioName => Object.hasOwn(DEFINITIONS, name);

export class UnknownScenarioError extends Error {
  constructor(name: string) {
    super(`unknown scenario "${name}"; choose one of: ${Object.keys(DEFINITIONS).join(', ')}`);
    this.name = 'UnknownScenarioError';
  }
}

const definitionOf = (name: string): ScenarioDefinition => {
  if (!isScenarioName(name)) throw new UnknownScenarioError(name);
  return DEFINITIONS[name];
};

const withDefaults = (options: Partial<ScenarioOptions>): ScenarioOptions => ({
  ...DEFAULT_SCENARIO_OPTIONS,
  ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
});

/**
 * The scenario's lines with what each one is: an event, a producer duplicate, or a bad line and
 * its defect. Throws UnknownScenarioError or RangeError (bad day, scale or seed) at once, not at
 * the first iteration. Each iteration generates the same lines afresh.
 */
export const scenarioItems = (
  name: string,
  options: Partial<ScenarioOptions> = {},
): Iterable<ScenarioItem> => {
  const { incident } = definitionOf(name);
  const resolved = withDefaults(options);
  validateOptions(resolved);
  return { [Symbol.iterator]: () => generateDay(resolved, incident) };
};

/**
 * The incident first (from its start), then the chatbot applying the flags to the call as it would be
 * made: the flags act on what the incident made of the call, as they would in production.
 */
const obeying = (
  incident: Incident | undefined,
  flags: (atMs: number) => ChatbotFlags,
  observer?: ConsumerObserver,
): Incident => {
  const chatbot = chatbotIncident(flags, undefined, observer);
  return {
    startMs: 0,
    adjust: (draft, rng, turn) => {
      if (incident !== undefined && draft.atMs % DAY_MS >= incident.startMs)
        incident.adjust?.(draft, rng, turn);
      chatbot.adjust?.(draft, rng, turn);
    },
    ...(incident?.surge === undefined ? {} : { surge: incident.surge }),
    ...(incident?.extraSessions === undefined ? {} : { extraSessions: incident.extraSessions }),
    adjustExtra: (draft, rng, turn) => {
      incident?.adjustExtra?.(draft, rng, turn);
      chatbot.adjust?.(draft, rng, turn);
    },
  };
};

/**
 * A built-in scenario with the chatbot in the loop: before each call it reads `flags` at the call's time
 * (the breaker's flags as it would see them then) and obeys them. Items in emission order, generated as they are pulled, so
 * the flags may change between two calls. A call the flags refuse yields nothing; `observer` hears of it,
 * and of each call cut to its token budget.
 */
export const closedLoopItems = (
  name: string,
  options: Partial<ScenarioOptions>,
  flags: (atMs: number) => ChatbotFlags,
  observer?: ConsumerObserver,
): Iterator<ScenarioItem> => {
  const definition = definitionOf(name);
  const resolved = withDefaults(options);
  validateOptions(resolved);
  const incident = definition.closedLoop?.(flags, observer) ?? obeying(definition.incident, flags, observer);
  return generateDay(resolved, incident);
};

/**
 * The calls of a scenario that no producer reports but the provider meters (none for most scenarios).
 * Same options, same calls.
 */
export const unreportedCalls = (name: string, options: Partial<ScenarioOptions> = {}): CostEventV2[] => {
  const { unreported } = definitionOf(name);
  const resolved = withDefaults(options);
  validateOptions(resolved);
  return unreported === undefined ? [] : [...unreported(resolved)];
};

/**
 * The lines of a built-in scenario in emission order: cost event objects (v1 and v2), exact
 * duplicates and bad lines (a string for the one that is not JSON). Same options, same lines.
 */
export const generateScenario = (
  name: string,
  options: Partial<ScenarioOptions> = {},
): Iterable<ScenarioLine> => {
  const items = scenarioItems(name, options);
  return {
    *[Symbol.iterator]() {
      for (const item of items) yield item.line;
    },
  };
};

/** How many lines a scenario will emit, computed without generating it (for progress bars). */
export const scenarioLineCount = (name: string, options: Partial<ScenarioOptions> = {}): number => {
  const { incident } = definitionOf(name);
  const resolved = withDefaults(options);
  validateOptions(resolved);
  return plannedLines(resolved, incident);
};

export interface ScenarioSummary {
  name: string;
  options: ScenarioOptions;
  lines: number;
  /** Distinct valid events (duplicates and bad lines excluded). */
  events: number;
  v1: number;
  v2: number;
  duplicates: number;
  bad: Partial<Record<Defect, number>>;
  byIntent: Record<string, number>;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheHits: number;
  /** Spend of the distinct valid events at the 2024-11-01 prices (us-east-1, no multiplier). */
  costUsd: number;
}

/** Totals a consumer should end up with after ingesting the scenario: for demos, benchmarks, tests. */
export const summarizeScenario = (name: string, options: Partial<ScenarioOptions> = {}): ScenarioSummary => {
  const summary: ScenarioSummary = {
    name,
    options: withDefaults(options),
    lines: 0,
    events: 0,
    v1: 0,
    v2: 0,
    duplicates: 0,
    bad: {},
    byIntent: {},
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheHits: 0,
    costUsd: 0,
  };
  for (const item of scenarioItems(name, options)) {
    summary.lines++;
    if (item.kind === 'duplicate') summary.duplicates++;
    if (item.kind === 'bad') summary.bad[item.defect] = (summary.bad[item.defect] ?? 0) + 1;
    if (item.kind !== 'event') continue;
    const event = item.line;
    const v2 = 'schema_version' in event ? event : undefined;
    summary.events++;
    if (v2) summary.v2++;
    else summary.v1++;
    summary.byIntent[event.intent] = (summary.byIntent[event.intent] ?? 0) + 1;
    const usage = {
      inputTokens: event.input_tokens,
      outputTokens: event.output_tokens,
      cacheReadTokens: v2?.cache_read_tokens ?? 0,
      cacheWriteTokens: v2?.cache_write_tokens ?? 0,
    };
    summary.inputTokens += usage.inputTokens;
    summary.outputTokens += usage.outputTokens;
    summary.cacheReadTokens += usage.cacheReadTokens;
    summary.cacheWriteTokens += usage.cacheWriteTokens;
    if (event.cache_hit) summary.cacheHits++;
    const at = 'timestamp' in event ? Date.parse(event.timestamp) : event.occurred_at;
    summary.costUsd += reportedCostUsd(event.model_id, usage, at) ?? 0;
  }
  summary.costUsd = Math.round(summary.costUsd * 1e6) / 1e6;
  return summary;
};
