import type { IncidentRow } from '../lib/readers/incidents';
import { type Money, money } from './format';

/** One incident as the page shows it: the row `ccb alerts` prints, its spend as money. */
export interface IncidentItem extends Omit<IncidentRow, 'spend_nano'> {
  spend: Money;
}

export interface IncidentsView {
  day: string;
  /** Oldest opened first, as readIncidents returns them. */
  incidents: IncidentItem[];
  open: number;
  /** What the page says when the day has none. */
  empty_note: string;
}

/** The chosen day's incidents from readIncidents (the reader `ccb alerts` uses), in its order. */
export const incidentsView = (rows: readonly IncidentRow[], day: string): IncidentsView => {
  const incidents = rows
    .filter((row) => row.day === day)
    .map(({ spend_nano, ...row }) => ({ ...row, spend: money(spend_nano) }));
  return {
    day,
    incidents,
    open: incidents.filter((i) => i.state === 'open').length,
    empty_note: 'no incidents on this day',
  };
};
