import { MODES } from '../../functions/core/breaker/modes';
import { renderTable } from '../lib/table';
import type { ClosedLoopReport } from './closed-loop-replay';
import type { ReplayReport } from './replay';

const time = (iso: string): string => iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');

/** The replay report for people: crossings, transitions, outcome, alerts (at most the first 20). */
export const renderReplay = (r: ReplayReport | ClosedLoopReport): string => {
  const sections = [
    `Policy "${r.policy}", cap $${r.daily_budget_usd}/day, evaluated at least every ${r.step_seconds} s of event time: ${r.events.counted} events counted (${r.events.duplicates} duplicates, ${Object.values(r.events.quarantined).reduce((a, b) => a + (b ?? 0), 0)} quarantined)`,
    `Rungs crossed\n${renderTable(
      ['pct', 'at (event time)'],
      r.crossings.map((c) => [c.pct, time(c.at)]),
    )}`,
    `Transitions\n${renderTable(
      ['at (event time)', 'from', 'to', 'check'],
      r.transitions.map((t) => [time(t.at), t.from, t.to, t.check]),
    )}`,
    `Outcome\n${renderTable(
      ['peak % of cap', 'overshoot $', 'overshoot % of cap', ...MODES.map((m) => `min ${m}`)],
      [
        [
          r.peak_pct_of_cap,
          r.overshoot_usd,
          r.overshoot_pct_of_cap,
          ...MODES.map((m) => r.minutes_in_mode[m]),
        ],
      ],
    )}`,
    `Alerts it would send (${r.alerts.length}${r.alerts.length > 20 ? ', first 20' : ''})\n${renderTable(
      ['at (event time)', 'severity', 'check', 'subject'],
      r.alerts.slice(0, 20).map((a) => [time(a.at), a.severity, a.check, a.subject]),
    )}`,
  ];
  if ('consumer' in r)
    sections.push(
      `Chatbot in the loop (flags ${r.propagation_ms} ms late, plus the flag client's ${r.flag_cache_ms / 1_000} s cache)\n${renderTable(
        ['spend $', 'no breaker $', 'avoided $', 'no-breaker overshoot $', 'calls after the cap'],
        [
          [
            Math.round(r.days.reduce((sum, d) => sum + d.spent_usd, 0) * 100) / 100,
            r.no_breaker.spent_usd,
            r.spend_avoided_usd,
            r.no_breaker.overshoot_usd,
            r.calls_after_cap,
          ],
        ],
      )}`,
    );
  return sections.join('\n\n');
};
