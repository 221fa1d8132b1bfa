import type { LedgerEntry } from '../../functions/core/breaker/ledger';
import type { Mode } from '../../functions/core/breaker/modes';
import { startOfUtcDay, utcDay } from '../../functions/core/time';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** One change of mode as the ledger recorded it. */
export interface ModeTransition {
  entry_id: string;
  kind: LedgerEntry['kind'];
  recorded_at: string;
  /** The event time the trigger judged (the wall clock for overrides and restores). */
  event_time: string;
  /** Where the chart places it: minutes into the day, event time clamped into the day. */
  minute: number;
  from_mode: Mode;
  to_mode: Mode;
  actor: string;
  /** `budget_ladder 96.9/95`, or the kind when no check triggered it. */
  trigger: string;
  reason: string;
}

export interface BreakerView {
  day: string;
  /** The mode of the breaker's state item now (what `ccb flags` prints). */
  mode: Mode;
  /** The mode the day began in: the last change before it, else normal. */
  start_mode: Mode;
  /** False for a day already over: then end_mode, not mode, is what the day is judged by. */
  is_current_day: boolean;
  /** The mode the day ended in (so far, on the current day): the ledger's last change on or before it. */
  end_mode: Mode;
  transitions: ModeTransition[];
}

/** A ledger entry's budget day: the trigger's, else the day it was recorded. */
export const entryDay = (entry: LedgerEntry): string => entry.trigger?.day ?? entry.recorded_at.slice(0, 10);

/** Entries that changed the mode; a dry run only says what would have happened. */
export const modeChanges = (entries: readonly LedgerEntry[]) =>
  entries.filter(
    (e): e is LedgerEntry & { from_mode: Mode; to_mode: Mode } =>
      e.kind !== 'dry_run' &&
      e.from_mode !== undefined &&
      e.to_mode !== undefined &&
      e.from_mode !== e.to_mode,
  );

const triggerText = (entry: LedgerEntry): string =>
  entry.trigger === undefined
    ? entry.kind
    : `${entry.trigger.check} ${entry.trigger.value}/${entry.trigger.threshold}`;

/**
 * The day's mode timeline from the ledger (oldest first, as DynamoDbLedgerReader returns it). `today`
 * is the current UTC day: on any earlier day the breaker's mode now may be a later day's.
 */
export const breakerView = (
  day: string,
  currentMode: Mode,
  entries: readonly LedgerEntry[],
  today: string,
): BreakerView => {
  const dayStart = startOfUtcDay(day);
  const changes = modeChanges(entries);
  const before = changes.filter((e) => entryDay(e) < day).at(-1);
  const last = changes.filter((e) => entryDay(e) <= day).at(-1);
  const transitions = changes
    .filter((e) => entryDay(e) === day)
    .map((e): ModeTransition => {
      const eventTime = e.trigger?.event_time ?? e.recorded_at;
      const at = Date.parse(eventTime);
      const inDay = utcDay(at) === day ? at : at < dayStart ? dayStart : dayStart + DAY_MS - 1;
      return {
        entry_id: e.entry_id,
        kind: e.kind,
        recorded_at: e.recorded_at,
        event_time: eventTime,
        minute: Math.round((inDay - dayStart) / MINUTE_MS),
        from_mode: e.from_mode,
        to_mode: e.to_mode,
        actor: e.actor,
        trigger: triggerText(e),
        reason: e.reason,
      };
    });
  return {
    day,
    mode: currentMode,
    start_mode: transitions[0]?.from_mode ?? before?.to_mode ?? 'normal',
    is_current_day: day >= today,
    end_mode: last?.to_mode ?? 'normal',
    transitions,
  };
};
