import type { LedgerEntry } from '../../functions/core/breaker/ledger';
import { type Mode, moreRestrictive } from '../../functions/core/breaker/modes';

/** What a policy did (or would have done) over some entries: `ccb audit --shadow` and the dashboard say the same. */
export interface PolicySummary {
  entries: number;
  mode_changes: number;
  /** The first change's trigger event time (else when it was recorded); null when nothing changed. */
  first_change_at: string | null;
  highest_mode: Mode;
}

/** The live ledger's entries a shadow's would-be transitions compare with: the ones the checks and restores made. */
export const liveChanges = (live: readonly LedgerEntry[]): LedgerEntry[] =>
  live.filter((e) => e.kind === 'transition' || e.kind === 'restore_step');

export const summarize = (entries: readonly LedgerEntry[]): PolicySummary => {
  const changes = entries.filter((e) => e.from_mode !== e.to_mode);
  const first = changes[0];
  return {
    entries: entries.length,
    mode_changes: changes.length,
    first_change_at: first === undefined ? null : (first.trigger?.event_time ?? first.recorded_at),
    highest_mode: entries.reduce<Mode>((top, e) => moreRestrictive(top, e.to_mode ?? 'normal'), 'normal'),
  };
};

/** The time a comparison orders by: the trigger's event time, else when the entry was recorded. */
export const eventTimeOf = (entry: LedgerEntry): string => entry.trigger?.event_time ?? entry.recorded_at;

/**
 * Live changes and each shadow's would-be transitions in one list, in event time, each labelled
 * `live` or `shadow:<name>`.
 */
export const comparisonRows = (
  live: readonly LedgerEntry[],
  shadows: readonly { name: string; entries: readonly LedgerEntry[] }[],
): { entry: LedgerEntry; source: string }[] =>
  [
    ...liveChanges(live).map((entry) => ({ entry, source: 'live' })),
    ...shadows.flatMap(({ name, entries }) => entries.map((entry) => ({ entry, source: `shadow:${name}` }))),
  ].sort((a, b) => eventTimeOf(a.entry).localeCompare(eventTimeOf(b.entry)));
