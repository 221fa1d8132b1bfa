import { describe, expect, it } from '@jest/globals';
import { createEvaluateBreaker } from '../../functions/core/breaker/evaluate';
import type { SessionCost } from '../../functions/core/breaker/event-checks';
import { DEFAULT_INCIDENT_CONFIG, type FindingCounts } from '../../functions/core/breaker/incidents';
import type { Workflow, WorkflowStarter } from '../../functions/core/breaker/ports';
import type { PricedCostEvent } from '../../functions/core/events/cost-event';
import { usdToNano } from '../../functions/core/money';
import { breakerWorld } from '../helpers/breaker-world';
import { defaultCheckConfig } from '../helpers/check-config';
import { InMemoryIncidentStore } from '../helpers/in-memory-breaker';
import { type ExecutionResult, runExecution } from '../helpers/state-machine';

const DAY = '2025-03-15';
const NEXT_DAY = '2025-03-16';
const BUDGET_USD = 1_000;
const MODEL = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const INTENT = 'recommendation';

/** Starts each workflow by running the real definition at once, in process; names stay idempotency keys. */
class RunningStarter implements WorkflowStarter {
  readonly runs: { workflow: Workflow; name: string; result: ExecutionResult }[] = [];

  constructor(private readonly world: ReturnType<typeof breakerWorld>) {}

  async start(workflow: Workflow, name: string, input: unknown): Promise<'started' | 'already_started'> {
    if (this.runs.some((r) => r.workflow === workflow && r.name === name)) return 'already_started';
    const run = { workflow, name, result: undefined as unknown as ExecutionResult };
    this.runs.push(run);
    run.result = await runExecution(this.world, workflow, name, input);
    return 'started';
  }
}

/** A call of the runaway: over 10k prompt tokens, a new session each hour, the budget gone by 23:00. */
const call = (hour: number, minute: number, costNano: number): PricedCostEvent =>
  ({
    eventId: `e-${hour}-${minute}`,
    sessionId: `s-${hour}`,
    intent: INTENT,
    modelId: MODEL,
    region: 'us-east-1',
    occurredAt: Date.parse(
      `${DAY}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00.000Z`,
    ),
    inputTokens: 12_000,
    outputTokens: 400,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
    reportedCostNano: null,
    costNano,
    estimated: false,
    estimateReason: null,
  }) as PricedCostEvent;

const sumCounts = (all: FindingCounts[]): FindingCounts =>
  all.reduce(
    (a, b) => ({
      calls: a.calls + b.calls,
      sessions: a.sessions + b.sessions,
      spend_nano: a.spend_nano + b.spend_nano,
      largest: Math.max(a.largest, b.largest),
    }),
    { calls: 0, sessions: 0, spend_nano: 0, largest: 0 },
  );

const givenARunawayDay = async () => {
  const world = breakerWorld({
    now: `${DAY}T00:00:00.000Z`,
    dailyBudgetUsd: BUDGET_USD,
    capEnforcementRoles: ['chatbot-task'],
  });
  const incidents = new InMemoryIncidentStore();
  const starter = new RunningStarter(world);
  const evaluator = createEvaluateBreaker({
    spend: world.spend,
    starter,
    loadState: () => world.store.load(),
    config: defaultCheckConfig(world.capNano, { [INTENT]: usdToNano(0.05) }),
    clock: world.clock,
    incidents: { store: incidents, config: DEFAULT_INCIDENT_CONFIG },
  });
  // The budget spread over 23 hours: 1/92 of it per quarter, so it is crossed in the 23:00 hour.
  const perCall = Math.ceil(world.capNano / 92);
  const quarters: Record<number, number> = {};
  let spent = 0;
  const fed: PricedCostEvent[] = [];
  for (let hour = 0; hour < 24; hour += 1) {
    const batch = [5, 20, 35, 50].map((minute) => call(hour, minute, perCall));
    for (const e of batch) {
      spent += e.costNano;
      const quarter = hour * 4 + Math.floor((e.occurredAt % 3_600_000) / 900_000);
      quarters[quarter] = (quarters[quarter] ?? 0) + e.costNano;
    }
    world.spend.set(DAY, spent, quarters);
    world.clock.set(`${DAY}T${String(hour).padStart(2, '0')}:59:00.000Z`);
    const session: SessionCost = {
      sessionId: `s-${hour}`,
      intents: [INTENT],
      costNano: perCall * 4,
      lastEventAt: batch.at(-1)?.occurredAt ?? 0,
    };
    await evaluator.afterBatch(batch, [session]);
    fed.push(...batch);
  }
  // The next day, quiet: the schedule resolves the day's incidents and starts the restore.
  world.clock.set(`${NEXT_DAY}T03:30:00.000Z`);
  world.spend.set(NEXT_DAY, 0, {});
  await evaluator.scheduled();
  return { world, incidents, starter, fed, spent };
};

describe('incidents, not storms', () => {
  it('a day-long runaway fed hour by hour reaches FinOps in at most 15 messages, both critical rungs among them, accounting for every call', async () => {
    // Prepare + Act
    const { world, incidents, starter, fed, spent } = await givenARunawayDay();

    // Assess: every execution ran its definition to the end
    expect(starter.runs.filter((r) => r.result.status !== 'SUCCEEDED')).toEqual([]);
    const published = world.alerts.published;
    const line = (a: (typeof published)[number]) =>
      `${a.attributes.severity} ${a.attributes.check} ${a.attributes.incident ?? (a.body.to_mode as string)}`;
    const aboutTheDay = published.filter((a) => (a.body.trigger as { day: string }).day === DAY);
    expect(aboutTheDay.length).toBeLessThanOrEqual(15);
    // The forecast's first step (cache_aggressive, token budgets held) and then its cost_saving did not
    // slow the pace, so the look-ahead took emergency long before the 95% rung; both critical rungs
    // still alert when crossed.
    expect(aboutTheDay.map(line)).toEqual([
      'warning forecast cache_aggressive',
      'warning token_explosion onset',
      'warning conversation_spike onset',
      'warning forecast cost_saving',
      'critical look_ahead emergency',
      'warning token_explosion digest',
      'warning conversation_spike digest',
      'warning token_explosion digest',
      'warning conversation_spike digest',
      'critical budget_ladder emergency',
      'critical budget_ladder cap',
      'info token_explosion resolved',
      'info conversation_spike resolved',
    ]);
    // The cap's alert says the deny holds; the next day's restore is its own story, one alert per step.
    expect(aboutTheDay[10]?.body.enforcement).toMatchObject({ outcome: 'attached', roles: ['chatbot-task'] });
    expect(published.filter((a) => !aboutTheDay.includes(a)).map(line)).toEqual([
      'info restore emergency',
      'info restore cost_saving',
      'info restore cache_aggressive',
      'info restore normal',
    ]);

    // Every call that tripped a check is in a message, once: onset + updates + digests + resolution
    for (const check of ['token_explosion', 'conversation_spike']) {
      const messages = published.filter((a) => a.attributes.check === check);
      const counts = sumCounts(messages.map((a) => (a.body.incident as { since: FindingCounts }).since));
      expect({ check, kinds: messages.map((a) => a.attributes.incident) }).toEqual({
        check,
        kinds: expect.arrayContaining(['onset', 'resolved']),
      });
      expect({ check, calls: counts.calls, spend: counts.spend_nano }).toEqual({
        check,
        calls: fed.length,
        spend: spent,
      });
    }
    // and the ledger keeps each incident message with the same counts
    const ledgerCalls = world.store.ledger
      .filter((e) => e.kind === 'incident_message')
      .map((e) => (e.detail?.incident as { since: FindingCounts } | undefined)?.since.calls ?? 0);
    expect(ledgerCalls.reduce((a, b) => a + b, 0)).toBe(2 * fed.length);
    expect(Object.values((await incidents.load(DAY)).incidents).map((i) => i.state)).toEqual([
      'resolved',
      'resolved',
    ]);
  });
});
