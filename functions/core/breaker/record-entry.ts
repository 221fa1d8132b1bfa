import { entryId, LEDGER_KINDS, type LedgerKind } from './ledger';
import type { BreakerStore, Clock } from './ports';

export interface RecordInput {
  execution: string;
  kind: string;
  /** What the state machine caught: `{ Error, Cause }`. */
  detail?: unknown;
}

const isLedgerKind = (kind: string): kind is LedgerKind => (LEDGER_KINDS as readonly string[]).includes(kind);

/**
 * Appends a ledger entry that changes no state (a failed publish or notification), so the audit trail
 * says what went wrong after a transition. Keyed by execution, kind and state version: a retry writes
 * it once, a second failure at a later version gets its own line.
 */
export const createRecordEntry =
  (deps: { store: BreakerStore; clock: Clock }) =>
  async ({ execution, kind, detail }: RecordInput) => {
    if (!isLedgerKind(kind)) throw new TypeError(`unknown ledger kind: ${kind}`);
    const state = await deps.store.load();
    const id = entryId(execution, `${kind}@v${state.version}`);
    await deps.store.append({
      entry_id: id,
      kind,
      recorded_at: new Date(deps.clock.now()).toISOString(),
      execution,
      actor: 'breaker',
      reason: kind.replaceAll('_', ' '),
      detail: { caught: detail ?? null },
    });
    return { entry_id: id };
  };
