import { TransientError } from './errors';
import type { LedgerEntry } from './ledger';
import type { Mode } from './modes';
import type { BreakerStore } from './ports';
import type { BreakerState, EffectiveFlags } from './state';
import { effectiveFlags } from './state';

/** What a task reports about one attempted change; the state machines branch on `outcome`. */
export interface TransitionReport<Outcome extends string> {
  outcome: Outcome;
  entry_id: string | null;
  from: Mode;
  to: Mode;
  flags_before: EffectiveFlags;
  flags_after: EffectiveFlags;
}

/**
 * What a planner decides from the state it read: a change with its ledger entry (whose id must be the
 * `entryId` given to `transition`), or no change, perhaps with an entry that records why.
 */
export type Plan<Outcome extends string> =
  | { kind: 'change'; outcome: Outcome; next: BreakerState; entry: LedgerEntry }
  | { kind: 'none'; outcome: Outcome; entry?: LedgerEntry };

const MAX_ATTEMPTS = 5;

export const report = <Outcome extends string>(
  outcome: Outcome,
  before: BreakerState,
  after: BreakerState,
  entryId: string | null,
): TransitionReport<Outcome> => ({
  outcome,
  entry_id: entryId,
  from: before.mode,
  to: after.mode,
  flags_before: effectiveFlags(before),
  flags_after: effectiveFlags(after),
});

/**
 * Read, plan, compare-and-set; on a lost race read again and re-plan, so concurrent executions serialise
 * and each decides on the state the other left. `entryId` names the change this task means to make
 * (derived from the execution and its step): a retried task whose earlier attempt committed finds it
 * as the state's last change and reports it again instead of changing anything twice.
 */
export const transition = async <Outcome extends string>(
  store: BreakerStore,
  entryId: string,
  changedOutcome: Outcome,
  plan: (state: BreakerState) => Plan<Outcome>,
): Promise<TransitionReport<Outcome>> => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const state = await store.load();
    if (state.last?.entry_id === entryId) {
      return { ...report(changedOutcome, state, state, entryId), from: state.last.from_mode };
    }
    const decided = plan(state);
    if (decided.kind === 'none') {
      if (decided.entry !== undefined) await store.append(decided.entry);
      return report(decided.outcome, state, state, decided.entry?.entry_id ?? null);
    }
    const next: BreakerState = {
      ...decided.next,
      version: state.version + 1,
      last: { execution: decided.entry.execution, entry_id: decided.entry.entry_id, from_mode: state.mode },
    };
    const entry: LedgerEntry = {
      ...decided.entry,
      from_mode: state.mode,
      to_mode: next.mode,
      flags_before: effectiveFlags(state),
      flags_after: effectiveFlags(next),
      version: next.version,
    };
    if ((await store.commit(state.version, next, entry)) === 'committed') {
      return report(decided.outcome, state, next, entry.entry_id);
    }
  }
  throw new TransientError(`the breaker state kept changing during ${MAX_ATTEMPTS} attempts`);
};
