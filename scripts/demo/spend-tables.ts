import { formatUsd } from '../../functions/core/money';
import { breakDownSpend, type HourlySpendRow } from '../../functions/core/reporting/spend-breakdown';
import { renderTable } from '../lib/table';

const shortModel = (modelId: string): string =>
  modelId.replace(/^anthropic\.claude-/, 'claude-').replace(/-\d{8}.*$/, '');

const bar = (value: number, max: number, width = 30): string =>
  max === 0 ? '' : '#'.repeat(Math.round((value / max) * width));

export const hourlyTable = (rows: readonly HourlySpendRow[], day: string): string => {
  const byHour = breakDownSpend(day, rows, 'hour');
  const max = Math.max(...byHour.rows.map((r) => r.cost_nano));
  return renderTable(
    ['hour', 'cost_usd', 'events', ''],
    byHour.rows.map((r) => [
      `${String(r.key).padStart(2, '0')}:00`,
      formatUsd(r.cost_nano, 4),
      r.events,
      bar(r.cost_nano, max),
    ]),
  );
};

export const intentModelTable = (rows: readonly HourlySpendRow[], totalNano: number): string => {
  // Hourly rows are also split by component and language: sum them per hour before taking the peak.
  const groups = new Map<
    string,
    { intent: string; model: string; cost: number; events: number; byHour: number[] }
  >();
  for (const row of rows) {
    const id = `${row.intent}|${row.model_id}`;
    let group = groups.get(id);
    if (group === undefined) {
      group = {
        intent: row.intent,
        model: shortModel(row.model_id),
        cost: 0,
        events: 0,
        byHour: Array(24).fill(0),
      };
      groups.set(id, group);
    }
    group.cost += row.cost_nano;
    group.events += row.events;
    group.byHour[row.hour] = (group.byHour[row.hour] ?? 0) + row.cost_nano;
  }
  return renderTable(
    ['intent', 'model', 'cost_usd', 'share', 'events', 'peak_hour_usd'],
    [...groups.values()]
      .sort((a, b) => b.cost - a.cost)
      .map((g) => [
        g.intent,
        g.model,
        formatUsd(g.cost, 4),
        `${((100 * g.cost) / Math.max(1, totalNano)).toFixed(1)}%`,
        g.events,
        formatUsd(Math.max(...g.byHour), 4),
      ]),
  );
};
