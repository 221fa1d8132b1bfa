import type { FindingCounts, IncidentMessage } from './incidents';
import type { BreakerFlags, Mode } from './modes';

export const CHECKS = [
  'budget_ladder',
  'forecast',
  'look_ahead',
  'spend_velocity',
  'conversation_spike',
  'token_explosion',
  'cost_mismatch',
  'unpriced_model',
  'restore',
  'override',
  'cap_enforcement',
] as const;
export type Check = (typeof CHECKS)[number];

export type Severity = 'info' | 'warning' | 'critical';

/**
 * What a check found, as the escalate workflow's input. `id` is also the execution name: Step
 * Functions keeps names unique per state machine, so the same trigger twice makes one execution.
 */
export interface Trigger {
  id: string;
  check: Check;
  severity: Severity;
  /** Escalations only: the mode the finding calls for. */
  to_mode?: Mode;
  /** Flags raised without a mode change (spend velocity raises suspend_scale_in). */
  flags?: Partial<BreakerFlags>;
  metric: string;
  value: number;
  threshold: number;
  /** The event time that tripped it, ISO. */
  event_time: string;
  /** UTC day of event_time: the budget day the finding belongs to. */
  day: string;
  /** Sessions or events it is about, at most MAX_IDS. */
  ids?: string[];
  /** One line for a human. */
  summary: string;
  /**
   * What the finding is about, for its incident: `model:<id>`, `intent:<name>`, `session:<id>`; absent
   * means the day's budget.
   */
  subject?: string;
  /** What it found: calls, sessions, spend and the largest value, so incidents can batch without losing any. */
  counts?: FindingCounts;
  /** Set on an incident's message: which one it is and the counts since the previous one. */
  incident?: IncidentMessage;
}

export const MAX_IDS = 20;

/** Execution names allow 80 characters of [A-Za-z0-9_-]. */
export const executionName = (...parts: (string | number)[]): string =>
  parts
    .join('-')
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 80);

/** True when the trigger only informs: it asks for no mode and no flag. */
export const isAlertOnly = (trigger: Trigger): boolean =>
  trigger.to_mode === undefined && (trigger.flags === undefined || Object.keys(trigger.flags).length === 0);
