import type { LedgerEntry } from '../../functions/core/breaker/ledger';
import type { Mode } from '../../functions/core/breaker/modes';
import {
  comparisonRows,
  eventTimeOf,
  liveChanges,
  type PolicySummary,
  summarize,
} from '../lib/shadow-comparison';
import { entryDay } from './breaker-view';

/** One line of the comparison: a live change or a shadow's would-be transition. */
export interface ShadowRow {
  event_time: string;
  /** `live` or `shadow:<name>`. */
  policy: string;
  from_mode: Mode | null;
  to_mode: Mode | null;
  /** The trigger's check, else the entry's kind. */
  check: string;
  /** `96.9/95`, or empty without a trigger. */
  value: string;
}

export interface ShadowView {
  day: string;
  /** Every policy that ever wrote an entry, each summarized over the chosen day. */
  policies: ({ name: string } & PolicySummary)[];
  live: PolicySummary;
  rows: ShadowRow[];
  empty_note: string;
}

/**
 * What `ccb audit --shadow <name>` compares, for every shadow policy at once and one budget day (the
 * trigger's day): each policy's first change, highest mode and count beside the live ledger's, and
 * all their entries in event time.
 */
export const shadowView = (
  day: string,
  live: readonly LedgerEntry[],
  shadows: readonly { name: string; entries: readonly LedgerEntry[] }[],
): ShadowView => {
  const ofDay = (entries: readonly LedgerEntry[]) => entries.filter((e) => entryDay(e) === day);
  const dayLive = ofDay(live);
  const dayShadows = shadows.map(({ name, entries }) => ({ name, entries: ofDay(entries) }));
  return {
    day,
    policies: dayShadows.map(({ name, entries }) => ({ name, ...summarize(entries) })),
    live: summarize(liveChanges(dayLive)),
    rows: comparisonRows(dayLive, dayShadows).map(({ entry, source }) => ({
      event_time: eventTimeOf(entry),
      policy: source,
      from_mode: entry.from_mode ?? null,
      to_mode: entry.to_mode ?? null,
      check: entry.trigger?.check ?? entry.kind,
      value: entry.trigger === undefined ? '' : `${entry.trigger.value}/${entry.trigger.threshold}`,
    })),
    empty_note: 'no shadow policies',
  };
};
