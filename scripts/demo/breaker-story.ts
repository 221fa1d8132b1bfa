import type { LedgerEntry } from '../../functions/core/breaker/ledger';
import { decodeCostEvent } from '../../functions/core/events/decode';
import { formatUsd } from '../../functions/core/money';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import type { ReceivedAlert } from '../lib/readers/published-alerts';
import { renderTable } from '../lib/table';

const encoder = new TextEncoder();
const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
const hhmmss = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

export interface Crossing {
  percent: number;
  /** Event time of the event that took the day's spend to the rung; null if it never did. */
  at: number | null;
}

/** When the day's spend reached each rung, by event time, from the events themselves (duplicates once). */
export const budgetCrossings = (lines: Iterable<unknown>, day: string, capNano: number): Crossing[] => {
  const seen = new Set<string>();
  const events: { at: number; cost: number }[] = [];
  for (const line of lines) {
    const decoded = decodeCostEvent(
      encoder.encode(typeof line === 'string' ? line : JSON.stringify(line)),
      DEFAULT_PRICE_TABLE,
    );
    if (!decoded.ok || !new Date(decoded.event.occurredAt).toISOString().startsWith(day)) continue;
    const id = `${decoded.event.sessionId}|${decoded.event.eventId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    events.push({ at: decoded.event.occurredAt, cost: decoded.event.costNano });
  }
  events.sort((a, b) => a.at - b.at);
  return [70, 85, 95, 100].map((percent) => {
    let spent = 0;
    for (const e of events) {
      spent += e.cost;
      if (spent * 100 >= capNano * percent) return { percent, at: e.at };
    }
    return { percent, at: null };
  });
};

/**
 * The breaker's transitions as a timeline in event time. Each is shown in the replay window whose
 * events tripped it (exact detection instants depend on how batches fell, windows do not), and the
 * flags it set apply from the next window on.
 */
export const renderTimeline = (
  entries: readonly LedgerEntry[],
  windowOf: (eventTime: number) => [number, number],
): string => {
  const rows = entries
    .filter((e) => e.kind === 'transition' || e.kind === 'dry_run')
    .map((e) => {
      const at = Date.parse(e.trigger?.event_time ?? e.recorded_at);
      const [from, to] = windowOf(at);
      // Described by what the trigger asked, not by the diff: two triggers of one window may apply in
      // either order, and the output must read the same every run.
      const raised = (e.detail?.raised ?? {}) as Record<string, unknown>;
      const change =
        e.from_mode === e.to_mode
          ? `raise ${Object.entries(raised)
              .map(([name, value]) => `${name}=${String(value)}`)
              .join(' ')}`
          : `${e.from_mode} -> ${e.to_mode}`;
      return {
        from,
        to,
        check: e.trigger?.check ?? '',
        change: e.kind === 'dry_run' ? `(dry run) ${change}` : change,
      };
    })
    .sort((a, b) => a.from - b.from || a.check.localeCompare(b.check))
    .map((r) => [`${hhmm(r.from)}-${hhmm(r.to)}`, r.change, r.check, `flags from ${hhmm(r.to)}`]);
  return rows.length === 0
    ? '  (no transitions)'
    : renderTable(['detected in window', 'change', 'check', 'in force'], rows);
};

export const renderCrossings = (crossings: readonly Crossing[]): string =>
  crossings.map((c) => `${c.percent}% ${c.at === null ? 'never' : `at ${hhmmss(c.at)}`}`).join(', ');

/** Alerts FinOps received, one line per check and severity; transitions and restores one by one. */
export const renderAlerts = (alerts: readonly ReceivedAlert[]): string => {
  const counts = new Map<string, number>();
  for (const a of alerts)
    counts.set(`${a.severity}|${a.check}`, (counts.get(`${a.severity}|${a.check}`) ?? 0) + 1);
  const summary = renderTable(
    ['severity', 'check', 'alerts'],
    [...counts.entries()].sort().map(([key, n]) => [...(key.split('|') as [string, string]), n]),
  );
  return `${alerts.length} alert(s) on the topic (the alert-only checks as incidents per check, subject and day: onset, digests, resolution):\n${summary}`;
};

export const renderCap = (totalNano: number, capNano: number, crossings: readonly Crossing[]): string => {
  const share = ((100 * totalNano) / capNano).toFixed(1);
  const cap = crossings.find((c) => c.percent === 100);
  return cap?.at === null || cap === undefined
    ? `Day total $${formatUsd(totalNano)} of the $${formatUsd(capNano)} cap (${share}%): the cap was never crossed.`
    : `Day total $${formatUsd(totalNano)} of the $${formatUsd(capNano)} cap (${share}%): crossed at ${hhmmss(cap.at)} by $${formatUsd(totalNano - capNano)}, spend already in flight.`;
};
