import type { PricedCostEvent } from '../events/cost-event';
import { utcDay } from '../time';
import type { CheckConfig } from './config';
import { eventTriggers, type SessionCost } from './event-checks';
import { entryId, type LedgerEntry, triggerSummary } from './ledger';
import type { Mode } from './modes';
import type { BreakerStore, Clock, SpendSnapshotSource } from './ports';
import { spendTriggers } from './spend-checks';
import { escalatedMode } from './state';

export interface ShadowPolicy {
  name: string;
  config: CheckConfig;
}

export interface ShadowOutcome {
  /** Ledger entries written, by id. */
  written: string[];
  failed: { name: string; error: unknown }[];
}

// Entries this container wrote; bounded so a long-lived container stays small. The ledger's conditional
// put is what makes an entry once; this only spares the repeated puts.
const REMEMBERED = 10_000;

/** The ledger entry of a shadow's would-be transition; its id is the policy and the trigger's own key. */
export const shadowEntryId = (policy: string, triggerId: string): string =>
  entryId(`shadow-${policy}`, triggerId);

/**
 * Shadow policies (DESIGN 18): after each batch, the checks run again under each extra policy, on the
 * same spend and events; what each would have done goes to the ledger as a `shadow` entry (its mode
 * before and after, the trigger) and nowhere else: no state item, no SSM, no alert. Each shadow keeps
 * its mode per budget day in memory, starting the day at normal (no stepwise restore); an entry is
 * keyed by the trigger's idempotency key, so a cold start or a retried batch never writes it twice.
 */
export const createShadowPolicies = (deps: {
  policies: readonly ShadowPolicy[];
  spend: SpendSnapshotSource;
  ledger: Pick<BreakerStore, 'append'>;
  clock: Clock;
}) => {
  const written = new Set<string>();
  const modes = new Map<string, Mode>();
  // When each shadow reached its mode of the day, in event time: what its look-ahead judges from.
  const since = new Map<string, number>();

  const record = async (
    shadow: ShadowPolicy,
    day: string,
    trigger: ReturnType<typeof spendTriggers>[number],
  ) => {
    const id = shadowEntryId(shadow.name, trigger.id);
    if (written.has(id)) return false;
    const key = `${shadow.name}|${day}`;
    const from = modes.get(key) ?? 'normal';
    const to = escalatedMode(from, trigger.to_mode);
    const entry: LedgerEntry = {
      entry_id: id,
      kind: 'shadow',
      recorded_at: new Date(deps.clock.now()).toISOString(),
      execution: `shadow-${shadow.name}`,
      actor: `shadow:${shadow.name}`,
      reason: trigger.summary,
      from_mode: from,
      to_mode: to,
      trigger: triggerSummary(trigger),
      detail: { policy: shadow.name, ...(trigger.flags === undefined ? {} : { raised: trigger.flags }) },
    };
    await deps.ledger.append(entry);
    if (written.size >= REMEMBERED) written.clear();
    written.add(id);
    if (to !== from) since.set(key, Date.parse(trigger.event_time));
    modes.set(key, to);
    return true;
  };

  return {
    /** Runs every shadow policy over what one batch counted, at the batch's event time per day. */
    async afterBatch(
      counted: readonly PricedCostEvent[],
      sessions: readonly SessionCost[],
    ): Promise<ShadowOutcome> {
      const outcome: ShadowOutcome = { written: [], failed: [] };
      const instants = new Map<string, number>();
      for (const e of counted) {
        const day = utcDay(e.occurredAt);
        instants.set(day, Math.max(instants.get(day) ?? 0, e.occurredAt));
      }
      for (const shadow of deps.policies) {
        try {
          const triggers = eventTriggers(counted, sessions, shadow.config);
          for (const [day, at] of instants) {
            const snapshot = await deps.spend.snapshot(day, at, shadow.config.historyDays);
            triggers.push(
              ...spendTriggers(
                snapshot,
                at,
                modes.get(`${shadow.name}|${day}`) ?? 'normal',
                shadow.config,
                since.get(`${shadow.name}|${day}`),
              ),
            );
          }
          for (const trigger of triggers) {
            if (await record(shadow, trigger.day, trigger))
              outcome.written.push(shadowEntryId(shadow.name, trigger.id));
          }
        } catch (error) {
          outcome.failed.push({ name: shadow.name, error });
        }
      }
      return outcome;
    },
  };
};
