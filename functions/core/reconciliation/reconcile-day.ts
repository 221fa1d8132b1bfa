import type { LedgerEntry } from '../breaker/ledger';
import type { AlertPublisher, BreakerStore } from '../breaker/ports';
import { formatUsd } from '../money';
import type { PriceTable } from '../pricing/price-table';
import type { HourlySpendRow } from '../reporting/spend-breakdown';
import type { Clock } from '../time';
import type { CountedTokensSource, ProviderMetricsSource } from './ports';
import {
  type CountedHour,
  type Drift,
  type ReconcileConfig,
  type ReconcileReport,
  reconcileDay,
} from './reconcile';

export interface ReconcileDependencies {
  counted: CountedTokensSource;
  provider: ProviderMetricsSource;
  /** Where drifts are raised: absent, the run only reports (`ccb reconcile --stage`, where the hourly function raises). */
  raise?: { ledger: Pick<BreakerStore, 'append'>; alerts: AlertPublisher };
  stage: string;
  config: ReconcileConfig;
  prices: PriceTable;
  clock: Clock;
}

export interface ReconcileOutcome {
  report: ReconcileReport;
  /** Drifting model-hours in the hours asked about. */
  drifts: Drift[];
  /** Drifts raised (ledger entry and alert) by this run; the others were raised before. */
  raised: Drift[];
}

/** Hourly spend items summed per hour and model: what reconciliation compares. */
export const countedFromHourlyRows = (rows: readonly HourlySpendRow[]): CountedHour[] =>
  rows.map((row) => ({
    hour: Number(row.hour),
    model: row.model_id,
    tokens: {
      input: Number(row.input_tokens ?? 0),
      output: Number(row.output_tokens ?? 0),
      cacheRead: Number(row.cache_read_tokens ?? 0),
      cacheWrite: Number(row.cache_write_tokens ?? 0),
    },
  }));

const hh = (hour: number) => String(hour).padStart(2, '0');

/** The alert key and ledger entry id of a model-hour: one alert per model-hour, whoever runs the check. */
export const driftKey = (day: string, drift: Pick<Drift, 'hour' | 'model'>): string =>
  `reconciliation-${day}T${hh(drift.hour)}-${drift.model}`;

const summary = (stage: string, day: string, drift: Drift): string => {
  const what =
    drift.direction === 'dark_spend'
      ? `dark spend${drift.dark_spend_nano === null ? '' : ` ~$${formatUsd(drift.dark_spend_nano)}`}`
      : 'double reporting';
  const line = `[WARNING] ccb ${stage}: ${what} at ${day} ${hh(drift.hour)}h (${drift.drift_pct}%): ${drift.model}`;
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
};

/**
 * Reconciles a UTC day (or some of its hours) against the provider's metrics and raises each drifting
 * model-hour once: its ledger entry is appended first (a conditional put on the model-hour's key), and
 * only a new entry is alerted, so the hourly schedule and `ccb reconcile` never alert a model-hour
 * twice. An alert that cannot be sent leaves a `notify_failed` entry and fails the run.
 */
export const createReconcile =
  (deps: ReconcileDependencies) =>
  async (day: string, hours?: readonly number[]): Promise<ReconcileOutcome> => {
    const [counted, provider] = await Promise.all([deps.counted.hourly(day), deps.provider.hourly(day)]);
    const wanted = hours === undefined ? undefined : new Set(hours);
    const inScope = <T extends { hour: number }>(items: readonly T[]) =>
      wanted === undefined ? [...items] : items.filter((item) => wanted.has(item.hour));
    const { report, drifts } = reconcileDay(
      day,
      inScope(counted),
      inScope(provider),
      deps.config,
      deps.prices,
    );
    const raised: Drift[] = [];
    const target = deps.raise;
    if (target === undefined) return { report, drifts, raised };
    for (const drift of drifts) {
      const key = driftKey(day, drift);
      const recordedAt = new Date(deps.clock.now()).toISOString();
      const detail = { ...drift, day, stage: deps.stage };
      const entry: LedgerEntry = {
        entry_id: `${key}#drift`,
        kind: 'reconciliation_drift',
        recorded_at: recordedAt,
        execution: key,
        actor: 'reconciliation',
        reason: `${drift.direction} of ${drift.drift_pct}% for ${drift.model} at ${day} ${hh(drift.hour)}h`,
        detail,
      };
      if ((await target.ledger.append(entry)) === 'exists') continue;
      const line = summary(deps.stage, day, drift);
      try {
        await target.alerts.publish({
          subject: line,
          body: {
            alert_key: key,
            severity: 'warning',
            check: 'reconciliation',
            summary: line,
            ...detail,
            ledger_entry: entry.entry_id,
          },
          attributes: { severity: 'warning', check: 'reconciliation', stage: deps.stage, alert_key: key },
        });
        raised.push(drift);
      } catch (error) {
        await target.ledger.append({
          ...entry,
          entry_id: `${key}#notify_failed`,
          kind: 'notify_failed',
          reason: `the reconciliation alert could not be sent: ${String(error).slice(0, 200)}`,
        });
        throw error;
      }
    }
    return { report, drifts, raised };
  };
