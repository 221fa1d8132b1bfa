import type { Mode } from './modes';
import { severity } from './modes';

export type Decision =
  | { kind: 'none'; reason: 'already_there' | 'never_steps_down' }
  | { kind: 'escalate'; from: Mode; to: Mode };

/**
 * The check only ever escalates: stepping down is the restore workflow's job after midnight UTC, one
 * mode at a time. The same trigger twice yields one transition, as the second finds the mode set.
 */
export const decide = (current: Mode, wanted: Mode): Decision => {
  if (wanted === current) return { kind: 'none', reason: 'already_there' };
  if (severity(wanted) < severity(current)) return { kind: 'none', reason: 'never_steps_down' };
  return { kind: 'escalate', from: current, to: wanted };
};
