import { entryId, type LedgerEntry, triggerSummary } from './ledger';
import { severity } from './modes';
import type { BreakerStore, Clock } from './ports';
import { type BreakerState, escalatedMode, isEnabled, raise } from './state';
import { type Plan, type TransitionReport, transition } from './transition';
import { isAlertOnly, type Trigger } from './trigger';

export type ApplyOutcome = 'changed' | 'unchanged' | 'alert' | 'disabled';

export interface ApplyTriggerInput {
  trigger: Trigger;
  execution: string;
}

const sameRaised = (a: BreakerState['raised'], b: BreakerState['raised']): boolean =>
  a.degradation_active === b.degradation_active &&
  a.model_tier_floor === b.model_tier_floor &&
  a.suspend_scale_in === b.suspend_scale_in;

/**
 * The escalate workflow's first step. Escalates only: the mode becomes the stricter of the current one
 * and the trigger's, and raised flags are only ever added. A trigger from an earlier budget day than
 * the mode's (a late event after midnight) changes nothing. While the breaker is disabled by an
 * override, it records what it would have done (`dry_run`) and changes nothing.
 */
export const createApplyTrigger =
  (deps: { store: BreakerStore; clock: Clock }) =>
  ({ trigger, execution }: ApplyTriggerInput): Promise<TransitionReport<ApplyOutcome>> => {
    const id = entryId(execution, 'transition');
    const entryBase = (): Omit<LedgerEntry, 'kind' | 'entry_id'> => ({
      recorded_at: new Date(deps.clock.now()).toISOString(),
      execution,
      actor: 'breaker',
      reason: trigger.summary,
      trigger: triggerSummary(trigger),
    });

    /**
     * A critical rung crossed after something else (the look-ahead) reached its mode: no change, but
     * FinOps still hears of it (DESIGN 19: rungs always alert). Its id is per rung and day: once.
     */
    const rungAlreadyReached = (state: BreakerState): boolean =>
      trigger.check === 'budget_ladder' &&
      trigger.severity === 'critical' &&
      trigger.to_mode !== undefined &&
      severity(trigger.to_mode) <= severity(state.mode) &&
      state.mode_by !== 'budget_ladder';

    const plan = (state: BreakerState): Plan<ApplyOutcome> => {
      const stale = state.day !== null && trigger.day < state.day;
      const mode = stale ? state.mode : escalatedMode(state.mode, trigger.to_mode);
      const raised = stale ? state.raised : raise(state.raised, trigger.flags ?? {});
      const noChange = mode === state.mode && sameRaised(raised, state.raised);
      if (noChange && isAlertOnly(trigger) && trigger.incident !== undefined) {
        // The ledger keeps every incident message with its counts, so it accounts for every finding.
        return {
          kind: 'none',
          outcome: 'alert',
          entry: {
            ...entryBase(),
            kind: 'incident_message',
            entry_id: entryId(execution, 'incident_message'),
            detail: { incident: trigger.incident },
          },
        };
      }
      if (noChange)
        return {
          kind: 'none',
          outcome: isAlertOnly(trigger) || rungAlreadyReached(state) ? 'alert' : 'unchanged',
        };
      if (!isEnabled(state)) {
        return {
          kind: 'none',
          outcome: 'disabled',
          entry: {
            ...entryBase(),
            kind: 'dry_run',
            entry_id: entryId(execution, 'dry_run'),
            from_mode: state.mode,
            to_mode: mode,
          },
        };
      }
      // The budget day the current state belongs to, so the next day's restore steps it down; raised
      // flags count too, or a velocity spike on a normal day would never be lifted.
      const day = state.day === null || trigger.day > state.day ? trigger.day : state.day;
      return {
        kind: 'change',
        outcome: 'changed',
        next: {
          ...state,
          mode,
          raised,
          day,
          ...(mode === state.mode ? {} : { mode_since: trigger.event_time, mode_by: trigger.check }),
          updated_at: new Date(deps.clock.now()).toISOString(),
        },
        entry: {
          ...entryBase(),
          kind: 'transition',
          entry_id: id,
          ...(trigger.flags === undefined ? {} : { detail: { raised: trigger.flags } }),
        },
      };
    };

    return transition(deps.store, id, 'changed', plan);
  };
