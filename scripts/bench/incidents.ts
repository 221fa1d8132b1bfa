import { DEFAULT_FLAG_CACHE_MS } from '../../functions/core/breaker/flag-client';
import { defaultPolicy, type Policy } from '../../functions/core/breaker/policy';
import { startOfUtcDay, utcDay } from '../../functions/core/time';
import { DEFAULT_PROPAGATION_MS, replayClosedLoop } from '../lab/closed-loop-replay';
import { countedEvents, type StreamCounts } from '../lab/event-stream';
import { generateScenario, type ScenarioOptions } from '../scenarios';
import { HOLIDAY_HOURS, INCIDENT_START_HOUR } from '../scenarios/incidents';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/**
 * A peer's documented behaviour reduced to what the benchmark needs: it refuses every call from
 * `lagMs` after the day's spend reached 100% of the cap until midnight. Lags are the midpoints of the
 * ranges in DESIGN 18 and issue 11 (their sources: each project's documents, which we cannot reach from
 * here).
 */
export interface PeerPolicy {
  name: string;
  lagMs: number;
  documented: string;
}

export const PEERS: readonly PeerPolicy[] = [
  {
    name: 'Bedrock Budgeteer',
    lagMs: 15 * MINUTE_MS,
    documented: '5-min monitor + grace, IAM detach at 100%: 10-20 min to act',
  },
  { name: 'aws-samples cost controls', lagMs: 45_000, documented: '30-60 s lag, IAM deny at 100%' },
  { name: 'peterboddev cost control', lagMs: 12.5 * MINUTE_MS, documented: '10-15 min, deny at 100%' },
  { name: 'LiteLLM', lagMs: 35_000, documented: '10-60 s spend batches, hard block at 100%' },
  { name: 'AWS Budgets actions', lagMs: 10 * HOUR_MS, documented: '8-12 h refresh, action at 100%' },
];

/** The incidents of issue 11, with the time each starts (ms after midnight UTC). */
export const INCIDENTS: readonly { scenario: string; onsetMs: number }[] = [
  { scenario: 'router-fallthrough', onsetMs: INCIDENT_START_HOUR * HOUR_MS },
  { scenario: 'compression-failure', onsetMs: INCIDENT_START_HOUR * HOUR_MS },
  { scenario: 'cache-poisoning', onsetMs: INCIDENT_START_HOUR * HOUR_MS },
  { scenario: 'token-explosion', onsetMs: INCIDENT_START_HOUR * HOUR_MS },
  { scenario: 'runaway-day', onsetMs: 14 * HOUR_MS },
  { scenario: 'slow-drift', onsetMs: 0 },
  { scenario: 'holiday-surge', onsetMs: HOLIDAY_HOURS.fromHour * HOUR_MS },
  { scenario: 'protected-runaway', onsetMs: 14 * HOUR_MS },
];

export interface IncidentRow {
  scenario: string;
  policy: string;
  spentUsd: number;
  overshootUsd: number;
  /**
   * The overshoot less what was in flight: calls made within `IN_FLIGHT_MS` of the crossing, before any
   * policy could have told the caller. What a policy let through by acting late or not at all.
   */
  beyondInFlightUsd: number;
  /** Minutes under the Haiku floor or degradation (cost_saving, emergency), to midnight. */
  degradedMinutes: number;
  /**
   * Minutes in cache_aggressive, to midnight: every call on its usual model, held to its token budget,
   * some more answered from the cache. Not counted as degraded, so shown on its own.
   */
  cacheAggressiveMinutes: number;
  /** Minutes every call but the allow-listed was refused (ccb's cap, a peer's hard stop), to midnight. */
  refusedMinutes: number;
  /** From the incident's start to the first change the policy made; null when it never acted. */
  onsetToActionMinutes: number | null;
  callsRefused: number;
  /** Calls answered otherwise because of the policy: from the looser cache, on Haiku or cut to budget. */
  callsChanged: number;
  alertsSent: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** ccb's own path from a crossing to the caller (detection p99 plus the flag client's cache), for all. */
export const IN_FLIGHT_MS = DEFAULT_PROPAGATION_MS + DEFAULT_FLAG_CACHE_MS;

/** A hard stop at 100% after a lag, over the day as it goes with no breaker (the chatbot ignoring flags). */
export const hardStop = async (
  scenario: string,
  options: ScenarioOptions,
  capNano: number,
  onsetMs: number,
  peer: PeerPolicy,
): Promise<IncidentRow> => {
  const counts: StreamCounts = { lines: 0, counted: 0, duplicates: 0, quarantined: {}, late: 0 };
  const dayStart = startOfUtcDay(options.day);
  let spent = 0;
  let crossedAt: number | undefined;
  let stopAt: number | undefined;
  let inFlight = 0;
  let refused = 0;
  for await (const event of countedEvents(generateScenario(scenario, options), counts, 1_000)) {
    if (utcDay(event.occurredAt) !== options.day) continue;
    if (stopAt !== undefined && event.occurredAt >= stopAt) {
      refused += 1;
      continue;
    }
    if (crossedAt !== undefined && event.occurredAt <= crossedAt + IN_FLIGHT_MS) inFlight += event.costNano;
    spent += event.costNano;
    if (stopAt === undefined && spent >= capNano) {
      crossedAt = event.occurredAt;
      stopAt = event.occurredAt + peer.lagMs;
    }
  }
  const overshoot = Math.max(0, spent - capNano);
  const acted = stopAt !== undefined && stopAt < dayStart + 86_400_000;
  return {
    scenario,
    policy: peer.name,
    spentUsd: round2(spent / 1e9),
    overshootUsd: round2(overshoot / 1e9),
    beyondInFlightUsd: round2(Math.max(0, overshoot - inFlight) / 1e9),
    degradedMinutes: 0,
    cacheAggressiveMinutes: 0,
    refusedMinutes: acted ? round2((dayStart + 86_400_000 - (stopAt as number)) / MINUTE_MS) : 0,
    onsetToActionMinutes: acted ? round2(((stopAt as number) - dayStart - onsetMs) / MINUTE_MS) : null,
    callsRefused: refused,
    callsChanged: 0,
    // Assumed: one notification when it acts (their documents as cited do not say more).
    alertsSent: acted ? 1 : 0,
  };
};

/** One policy's row: the breaker's own code replayed in event time, the chatbot obeying its flags. */
export const breakerRow = async (
  label: string,
  policy: Policy,
  scenario: string,
  onsetMs: number,
  options: ScenarioOptions,
): Promise<IncidentRow> => {
  const loop = await replayClosedLoop(scenario, options, { policy });
  const dayStart = startOfUtcDay(options.day);
  const first = loop.transitions[0];
  const { cap: capMinutes = 0, cache_aggressive: cacheAggressive = 0, ...degraded } = loop.degraded_minutes;
  return {
    scenario,
    policy: label,
    spentUsd: round2(loop.days.reduce((sum, d) => sum + d.spent_usd, 0)),
    overshootUsd: round2(loop.overshoot_usd),
    beyondInFlightUsd: round2(loop.overshoot_beyond_in_flight_usd),
    degradedMinutes: round2(Object.values(degraded).reduce((sum, m) => sum + m, 0)),
    cacheAggressiveMinutes: round2(cacheAggressive),
    refusedMinutes: round2(capMinutes),
    onsetToActionMinutes:
      first === undefined ? null : round2((Date.parse(first.at) - dayStart - onsetMs) / MINUTE_MS),
    callsRefused: loop.calls_refused,
    callsChanged: loop.calls_changed,
    alertsSent: loop.alerts.length,
  };
};

/** A candidate policy for the table (`npm run bench -- --policy <file>`), judged at the bench's cap. */
export interface CandidatePolicy {
  label: string;
  policy: Policy;
}

/**
 * The incident benchmark: each incident with the chatbot consumer under ccb's default policy, under
 * each candidate policy, and under each peer's modelled hard stop, on the same day and cap.
 */
export const measureIncidents = async (
  options: ScenarioOptions,
  dailyBudgetUsd: number,
  candidates: readonly CandidatePolicy[] = [],
): Promise<IncidentRow[]> => {
  const policies: CandidatePolicy[] = [
    { label: 'ccb default', policy: defaultPolicy(dailyBudgetUsd) },
    ...candidates.map((c) => ({ label: c.label, policy: { ...c.policy, daily_budget_usd: dailyBudgetUsd } })),
  ];
  const capNano = Math.round(dailyBudgetUsd * 1e9);
  const rows: IncidentRow[] = [];
  for (const { scenario, onsetMs } of INCIDENTS) {
    for (const { label, policy } of policies)
      rows.push(await breakerRow(label, policy, scenario, onsetMs, options));
    for (const peer of PEERS) rows.push(await hardStop(scenario, options, capNano, onsetMs, peer));
  }
  return rows;
};

const fmt = (n: number | null) =>
  n === null ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** The one table of docs/BENCHMARKS.md. */
export const incidentTable = (rows: readonly IncidentRow[], capUsd: number): string =>
  [
    '| incident | policy | spend $ | overshoot $ (% of cap) | beyond in flight $ | degraded minutes (Haiku floor or degradation) | cache_aggressive minutes (budgets held) | refused minutes | onset -> first action (min) | calls answered otherwise | calls refused | alerts sent |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.policy} | ${fmt(r.spentUsd)} | ${fmt(r.overshootUsd)} (${fmt((100 * r.overshootUsd) / capUsd)}%) | ${fmt(r.beyondInFlightUsd)} | ${fmt(r.degradedMinutes)} | ${fmt(r.cacheAggressiveMinutes)} | ${fmt(r.refusedMinutes)} | ${fmt(r.onsetToActionMinutes)} | ${fmt(r.callsChanged)} | ${fmt(r.callsRefused)} | ${fmt(r.alertsSent)} |`,
    ),
  ].join('\n');
