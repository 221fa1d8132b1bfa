import type { PricedCostEvent } from '../events/cost-event';
import { utcDay } from '../time';
import type { CheckConfig } from './config';
import { eventTriggers, type SessionCost } from './event-checks';
import type { IncidentConfig } from './incidents';
import type { Clock, IncidentStore, SpendSnapshotSource, Workflow, WorkflowStarter } from './ports';
import { createRecordIncidents } from './record-incidents';
import { spendTriggers } from './spend-checks';
import { atRest, type BreakerState, isEnabled, modeSinceOn } from './state';
import { executionName, isAlertOnly, type Trigger } from './trigger';

export interface EvaluateDependencies {
  spend: SpendSnapshotSource;
  starter: WorkflowStarter;
  loadState: () => Promise<BreakerState>;
  config: CheckConfig;
  clock: Clock;
  /**
   * Where alert-only findings become incidents (a message when one is due, not one per finding). Without
   * it every finding starts its own workflow, as before incidents.
   */
  incidents?: { store: IncidentStore; config: IncidentConfig };
}

export interface Evaluation {
  triggers: Trigger[];
  /** Incident messages handed to the escalate workflow (due now, or recent ones not known started). */
  messages: Trigger[];
  /** Executions started or found already started, by name. */
  started: string[];
  failed: { name: string; error: unknown }[];
}

// Names this process already handed to Step Functions; bounded so a long-lived container stays small.
const REMEMBERED_NAMES = 10_000;

/**
 * Runs the checks and starts a workflow for each finding, named by its idempotency key. Used after
 * every aggregate batch (event time: the batch's own events and the day's spend as it stands) and by
 * the one-minute schedule (wall clock), which also catches up on anything a failed start missed.
 */
export const createEvaluateBreaker = (deps: EvaluateDependencies) => {
  const handedOver = new Set<string>();
  const recordIncidents = deps.incidents === undefined ? undefined : createRecordIncidents(deps.incidents);

  /**
   * The alert-only findings folded into incidents, and the messages due. Should the incident store
   * fail, every finding goes out on its own: a storm is better than silence.
   */
  const throughIncidents = async (all: Trigger[], atMs: number, sweep: boolean) => {
    const alertOnly = all.filter(isAlertOnly);
    // A batch without findings leaves the incidents to the schedule's sweep: no reads on the hot path.
    if (recordIncidents === undefined || (!sweep && alertOnly.length === 0))
      return { direct: all, messages: [], failed: [] };
    try {
      const { messages } = await recordIncidents(alertOnly, atMs);
      return { direct: all.filter((t) => !isAlertOnly(t)), messages, failed: [] };
    } catch (error) {
      return { direct: all, messages: [], failed: [{ name: 'incidents', error }] };
    }
  };

  const startAll = async (requests: { workflow: Workflow; name: string; input: unknown }[]) => {
    const result: Pick<Evaluation, 'started' | 'failed'> = { started: [], failed: [] };
    for (const { workflow, name, input } of requests) {
      if (handedOver.has(name)) continue;
      try {
        await deps.starter.start(workflow, name, input);
        if (handedOver.size >= REMEMBERED_NAMES) handedOver.clear();
        handedOver.add(name);
        result.started.push(name);
      } catch (error) {
        result.failed.push({ name, error });
      }
    }
    return result;
  };

  /** Spend checks for each day at its instant, plus a restore when the stream entered a new day. */
  const evaluateDays = async (state: BreakerState, instants: Map<string, number>) => {
    const triggers: Trigger[] = [];
    const restores: { workflow: Workflow; name: string; input: unknown }[] = [];
    for (const [day, at] of [...instants.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      if (state.day !== null && day < state.day) continue;
      if (state.day !== null && day > state.day && !atRest(state)) {
        restores.push({ workflow: 'restore', name: executionName('restore', day), input: { day } });
      }
      const snapshot = await deps.spend.snapshot(day, at, deps.config.historyDays);
      triggers.push(...spendTriggers(snapshot, at, state.mode, deps.config, modeSinceOn(state, day)));
    }
    return { triggers, restores };
  };

  const run = async (
    extra: Trigger[],
    instants: Map<string, number>,
    atMs: number,
    sweep: boolean,
  ): Promise<Evaluation> => {
    const state = await deps.loadState();
    const { triggers, restores } = await evaluateDays(state, instants);
    const all = [...triggers, ...extra];
    const routed = await throughIncidents(all, atMs, sweep);
    // While disabled, a trigger only records a dry run; naming that run apart keeps the trigger's own
    // name free, so it still acts once an override re-enables the breaker.
    const nameOf = (trigger: Trigger) =>
      isEnabled(state) ? trigger.id : executionName(trigger.id, 'disabled', `v${state.version}`);
    const outcome = await startAll([
      ...restores,
      ...[...routed.direct, ...routed.messages].map((trigger) => ({
        workflow: 'escalate' as const,
        name: nameOf(trigger),
        input: { trigger },
      })),
    ]);
    return {
      triggers: all,
      messages: routed.messages,
      started: outcome.started,
      failed: [...routed.failed, ...outcome.failed],
    };
  };

  return {
    /** After an aggregate batch: what it counted, judged at its own event time. */
    afterBatch(counted: readonly PricedCostEvent[], sessions: readonly SessionCost[]): Promise<Evaluation> {
      const instants = new Map<string, number>();
      for (const e of counted) {
        const day = utcDay(e.occurredAt);
        instants.set(day, Math.max(instants.get(day) ?? 0, e.occurredAt));
      }
      const latest = Math.max(0, ...instants.values());
      return run(
        eventTriggers(counted, sessions, deps.config),
        instants,
        latest === 0 ? deps.clock.now() : latest,
        false,
      );
    },
    /** On the schedule: today's spend at the wall clock. */
    scheduled(): Promise<Evaluation> {
      const now = deps.clock.now();
      return run([], new Map([[utcDay(now), now]]), now, true);
    },
  };
};
