import type { ReconcileRow } from '../../functions/core/reconciliation/reconcile';
import type { ReconcileOutcome } from '../../functions/core/reconciliation/reconcile-day';
import { darkSpendOf } from '../lib/reconcile-stage';
import { type Money, money } from './format';

/** One model-hour as `ccb reconcile --json` has it, the hour as `14:00` and the dark spend as money. */
export interface ReconcileItem extends Omit<ReconcileRow, 'hour'> {
  /** `14:00`, the UTC hour. */
  hour: string;
  /** What the provider metered above the count, priced: only for a dark-spend drift with a price. */
  dark_spend: Money | null;
}

export interface ReconcileView {
  day: string;
  /** `not_configured`: the stage has no provider metrics; `no_provider_metrics`: none for this day. */
  state: 'not_configured' | 'no_provider_metrics' | 'rows';
  note: string | null;
  /** Empty unless state is `rows`. */
  rows: ReconcileItem[];
  drifting: number;
  dark_spend: Money;
}

const hh = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

const empty = (day: string, state: ReconcileView['state'], note: string): ReconcileView => ({
  day,
  state,
  note,
  rows: [],
  drifting: 0,
  dark_spend: money(0),
});

/**
 * The rows `ccb reconcile` prints for a day, from the read-only run (readReconcile); undefined when
 * the stage has no provider metrics source. A day the provider published nothing for is an empty
 * state rather than a table of `no_provider_data` rows.
 */
export const reconcileView = (outcome: ReconcileOutcome | undefined, day: string): ReconcileView => {
  if (outcome === undefined)
    return empty(day, 'not_configured', 'not configured: this stage has no provider metrics source');
  const { report } = outcome;
  if (report.rows.every((r) => r.status === 'no_provider_data'))
    return empty(day, 'no_provider_metrics', 'no provider metrics for this day');
  const darkSpend = darkSpendOf(outcome);
  const rows = report.rows.map((r): ReconcileItem => {
    const dark = darkSpend(r);
    return { ...r, hour: hh(r.hour), dark_spend: dark === null ? null : money(dark) };
  });
  return {
    day,
    state: 'rows',
    note: null,
    rows,
    drifting: rows.filter((r) => r.status === 'drift').length,
    dark_spend: money(rows.reduce((sum, r) => sum + (r.dark_spend?.nano ?? 0), 0)),
  };
};
