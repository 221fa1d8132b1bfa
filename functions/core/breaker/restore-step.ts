import { formatUsd } from '../money';
import { utcDay } from '../time';
import type { CheckConfig } from './config';
import { modeForSpend } from './ladder';
import { entryId } from './ledger';
import { MODES, type Mode, moreRestrictive, severity } from './modes';
import type { BreakerStore, Clock, SpendSnapshotSource } from './ports';
import { rollingQuarterNano, streamTime, velocityBoundNano } from './spend-checks';
import { atRest, type BreakerState } from './state';
import { type Plan, type TransitionReport, transition } from './transition';
import { executionName, type Trigger } from './trigger';

export type RestoreOutcome = 'stepped' | 'normal' | 'current' | 'aborted';

export interface RestoreStepInput {
  /** The state machine's input: `{}` from the midnight schedule, `{ day, step }` between steps. */
  input: { day?: string; step?: number };
  execution: string;
}

export interface RestoreStepReport extends TransitionReport<RestoreOutcome> {
  day: string;
  step: number;
  next_step: number;
  wait_seconds: number;
  trigger: Trigger;
}

const oneDown = (mode: Mode): Mode => MODES[Math.max(0, severity(mode) - 1)] as Mode;

/**
 * One step of the daily restore: after the budget day rolled over, step the mode down one level and
 * drop the anomaly-raised flags, but only while the new day's 15-minute spend is within its velocity
 * bound; a spike aborts the restore (the checks escalate again if they must). A mode reached on the
 * new day itself is the new day's business and stays.
 */
export const createRestoreStep =
  (deps: {
    store: BreakerStore;
    clock: Clock;
    spend: SpendSnapshotSource;
    config: CheckConfig;
    stepSeconds: number;
  }) =>
  async ({ input, execution }: RestoreStepInput): Promise<RestoreStepReport> => {
    const now = deps.clock.now();
    const day = input.day ?? utcDay(now);
    const step = input.step ?? 0;
    const snapshot = await deps.spend.snapshot(day, now, deps.config.historyDays);
    const velocity = rollingQuarterNano(snapshot, streamTime(snapshot, now));
    const bound = velocityBoundNano(snapshot, deps.config);
    const recordedAt = new Date(now).toISOString();
    const id = entryId(execution, `step-${step}`);

    const plan = (state: BreakerState): Plan<RestoreOutcome> => {
      if (atRest(state)) return { kind: 'none', outcome: 'normal' };
      if (state.day !== null && state.day >= day) return { kind: 'none', outcome: 'current' };
      if (velocity > bound) {
        return {
          kind: 'none',
          outcome: 'aborted',
          entry: {
            entry_id: entryId(execution, 'aborted'),
            kind: 'restore_aborted',
            recorded_at: recordedAt,
            execution,
            actor: 'breaker',
            reason: `15-minute spend ${formatUsd(velocity)} is above ${formatUsd(bound)}`,
            from_mode: state.mode,
            to_mode: state.mode,
          },
        };
      }
      // Never below what the new day's own spend already calls for: a rung it crossed while the old
      // mode was higher was absorbed then, and its trigger will not fire again today.
      const todays = modeForSpend(snapshot.spentNano, deps.config.capNano, deps.config.ladder);
      const mode = moreRestrictive(oneDown(state.mode), todays);
      if (mode === state.mode && Object.keys(state.raised).length === 0) {
        return { kind: 'none', outcome: 'current' };
      }
      return {
        kind: 'change',
        outcome: 'stepped',
        next: { ...state, mode, raised: {}, updated_at: recordedAt },
        entry: {
          entry_id: id,
          kind: 'restore_step',
          recorded_at: recordedAt,
          execution,
          actor: 'breaker',
          reason: `daily restore for ${day}, step ${step + 1}`,
        },
      };
    };

    const result = await transition(deps.store, id, 'stepped', plan);
    const aborted = result.outcome === 'aborted';
    const trigger: Trigger = {
      id: executionName(execution, aborted ? 'aborted' : `step-${step}`),
      check: 'restore',
      severity: aborted ? 'warning' : 'info',
      metric: 'rolling_15min_spend_nano',
      value: velocity,
      threshold: bound,
      event_time: recordedAt,
      day,
      summary: aborted
        ? `restore for ${day} stopped at ${result.from}: 15-minute spend ${formatUsd(velocity)} is above ${formatUsd(bound)}`
        : `daily restore for ${day}: ${result.from} -> ${result.to}`,
    };
    return { ...result, day, step, next_step: step + 1, wait_seconds: deps.stepSeconds, trigger };
  };
