import type { PricedCostEvent } from '../events/cost-event';
import { utcDay } from '../time';
import type { CheckConfig } from './config';
import { eventTriggers, type SessionCost } from './event-checks';
import type { Clock, SpendSnapshotSource, Workflow, WorkflowStarter } from './ports';
import { spendTriggers } from './spend-checks';
import { atRest, type BreakerState, isEnabled } from './state';
import { executionName, type Trigger } from './trigger';

export interface EvaluateDependencies {
  spend: SpendSnapshotSource;
  starter: WorkflowStarter;
  loadState: () => Promise<BreakerState>;
  config: CheckConfig;
  clock: Clock;
}

export interface Evaluation {
  triggers: Trigger[];
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
      triggers.push(...spendTriggers(snapshot, at, state.mode, deps.config));
    }
    return { triggers, restores };
  };

  const run = async (extra: Trigger[], instants: Map<string, number>): Promise<Evaluation> => {
    const state = await deps.loadState();
    const { triggers, restores } = await evaluateDays(state, instants);
    const all = [...triggers, ...extra];
    // While disabled, a trigger only records a dry run; naming that run apart keeps the trigger's own
    // name free, so it still acts once an override re-enables the breaker.
    const nameOf = (trigger: Trigger) =>
      isEnabled(state) ? trigger.id : executionName(trigger.id, 'disabled', `v${state.version}`);
    const outcome = await startAll([
      ...restores,
      ...all.map((trigger) => ({ workflow: 'escalate' as const, name: nameOf(trigger), input: { trigger } })),
    ]);
    return { triggers: all, ...outcome };
  };

  return {
    /** After an aggregate batch: what it counted, judged at its own event time. */
    afterBatch(counted: readonly PricedCostEvent[], sessions: readonly SessionCost[]): Promise<Evaluation> {
      const instants = new Map<string, number>();
      for (const e of counted) {
        const day = utcDay(e.occurredAt);
        instants.set(day, Math.max(instants.get(day) ?? 0, e.occurredAt));
      }
      return run(eventTriggers(counted, sessions, deps.config), instants);
    },
    /** On the schedule: today's spend at the wall clock. */
    scheduled(): Promise<Evaluation> {
      const now = deps.clock.now();
      return run([], new Map([[utcDay(now), now]]));
    },
  };
};
