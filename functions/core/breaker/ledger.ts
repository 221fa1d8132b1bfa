import type { Mode } from './modes';
import type { EffectiveFlags } from './state';
import type { Trigger } from './trigger';

export const LEDGER_KINDS = [
  'transition',
  'dry_run',
  'override_applied',
  'override_cleared',
  'override_reverted',
  'override_superseded',
  'restore_step',
  'restore_aborted',
  'flags_publish_failed',
  'notify_failed',
  // A shadow policy's would-be transition (DESIGN 18): never applied, published or alerted.
  'shadow',
  'reconciliation_drift',
  'cap_enforced',
  'cap_lifted',
  'cap_enforcement_failed',
  'incident_message',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/**
 * One immutable line of the audit trail. Written with a conditional put on `entry_id`, which is
 * derived from the execution, so a retried task cannot write it twice.
 */
export interface LedgerEntry {
  entry_id: string;
  kind: LedgerKind;
  recorded_at: string;
  execution: string;
  /** Who acted: `breaker` for the checks and restore, the admin for an override. */
  actor: string;
  reason: string;
  from_mode?: Mode;
  to_mode?: Mode;
  flags_before?: EffectiveFlags;
  flags_after?: EffectiveFlags;
  trigger?: Pick<Trigger, 'id' | 'check' | 'metric' | 'value' | 'threshold' | 'event_time' | 'day' | 'ids'>;
  ticket?: string;
  /** State version after the change; absent when nothing changed. */
  version?: number;
  detail?: Record<string, unknown>;
}

export const entryId = (execution: string, suffix: string): string => `${execution}#${suffix}`;

export const triggerSummary = (trigger: Trigger): LedgerEntry['trigger'] => ({
  id: trigger.id,
  check: trigger.check,
  metric: trigger.metric,
  value: trigger.value,
  threshold: trigger.threshold,
  event_time: trigger.event_time,
  day: trigger.day,
  ...(trigger.ids === undefined ? {} : { ids: trigger.ids }),
});
