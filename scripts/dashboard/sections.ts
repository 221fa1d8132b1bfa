import { DynamoDbSpendSnapshotSource } from '../../functions/adapters/dynamodb/dynamodb-spend-snapshot';
import type { CheckConfig } from '../../functions/core/breaker/config';
import type { LedgerEntry } from '../../functions/core/breaker/ledger';
import {
  streamTime,
  type VelocityBaseline,
  velocityBaseline,
} from '../../functions/core/breaker/spend-checks';
import { startOfUtcDay, utcDay, utcHour } from '../../functions/core/time';
import { checkConfigFromEnv } from '../../functions/shared/breaker-config';
import { readAudit } from '../lib/readers/audit-trail';
import { type FlagsReport, readFlags } from '../lib/readers/flags';
import { readIncidents } from '../lib/readers/incidents';
import { readAlerts } from '../lib/readers/published-alerts';
import { readShadowPolicies } from '../lib/readers/shadow-ledger';
import { readSpendBy } from '../lib/readers/spend';
import { readReconcile } from '../lib/reconcile-stage';
import { readStackState } from '../lib/stack-context';
import type { StageContext } from '../lib/stage';
import { loadServiceParams } from '../local/function-environment';
import { type AlertsView, alertsView } from './alerts-view';
import { type BreakerView, breakerView, entryDay } from './breaker-view';
import { enforcementView } from './enforcement-view';
import { incidentsView } from './incidents-view';
import { type QuarantineView, quarantineView, readQuarantineItems } from './quarantine-view';
import { reconcileView } from './reconcile-view';
import { shadowView } from './shadow-view';
import { type SpendView, spendView } from './spend-view';

const HOUR_MS = 3_600_000;

/** What every section reads through: one stage, the checks' thresholds, one snapshot source (its cache of past days lives as long as the server). */
export interface DashboardContext {
  stage: StageContext;
  config: CheckConfig;
  budgetSource: string;
  snapshots: DynamoDbSpendSnapshotSource;
  /** Velocity baselines by `day|hour`, with when they were read (see hourlyBaselines). */
  baselines: Map<string, { readAt: number; baseline: VelocityBaseline }>;
  now: () => number;
}

/**
 * The readers of one request, each run at most once however many sections use it, so a refresh of
 * the page reads the flags and the ledger once.
 */
export interface RequestReaders {
  day: string;
  flags(): Promise<FlagsReport>;
  ledger(): Promise<LedgerEntry[]>;
}

/**
 * One panel of the page and its part of `/api/dashboard`. A new panel is one more entry in SECTIONS
 * and one renderer of the same id in page/app.js.
 */
export interface DashboardSection {
  id: string;
  title: string;
  read(context: DashboardContext, readers: RequestReaders): Promise<unknown>;
}

const memo = <T>(read: () => Promise<T>): (() => Promise<T>) => {
  let promise: Promise<T> | undefined;
  return () => {
    promise ??= read();
    return promise;
  };
};

export const requestReaders = (context: DashboardContext, day: string): RequestReaders => ({
  day,
  flags: memo(() => readFlags(context.stage)),
  ledger: memo(() => readAudit(context.stage)),
});

/** As long as the snapshot source reuses the warehouse's stored baseline: what it would read is the same. */
const BASELINE_REUSE_MS = 60_000;
/** Hours read at once: each snapshot already reads its earlier days together. */
const HOURS_AT_ONCE = 4;

/**
 * The velocity check's baseline for each hour from 00:00 to the day's stream time, each reused for a
 * minute: an hour's baseline depends only on earlier days and the hourly warehouse job, and 24
 * snapshots per refresh would keep DynamoDB Local busy.
 */
const hourlyBaselines = async (context: DashboardContext, day: string, at: number) => {
  const dayStart = startOfUtcDay(day);
  const baselines = new Map<number, VelocityBaseline>();
  const stale: number[] = [];
  for (let hour = 0; hour <= utcHour(at); hour += 1) {
    const kept = context.baselines.get(`${day}|${hour}`);
    if (kept !== undefined && context.now() - kept.readAt < BASELINE_REUSE_MS)
      baselines.set(hour, kept.baseline);
    else stale.push(hour);
  }
  for (let i = 0; i < stale.length; i += HOURS_AT_ONCE) {
    await Promise.all(
      stale.slice(i, i + HOURS_AT_ONCE).map(async (hour) => {
        const atHour = Math.min(at, dayStart + (hour + 1) * HOUR_MS - 1);
        const snapshot = await context.snapshots.snapshot(day, atHour, context.config.historyDays);
        const { capNano, warehouseBaselineMinDays } = context.config;
        const baseline = velocityBaseline(snapshot, capNano, warehouseBaselineMinDays);
        context.baselines.set(`${day}|${hour}`, { readAt: context.now(), baseline });
        baselines.set(hour, baseline);
      }),
    );
  }
  return baselines;
};

const readSpendView = async (context: DashboardContext, day: string): Promise<SpendView> => {
  const wallNow = context.now();
  const [[byIntent, byModel], snapshot] = await Promise.all([
    readSpendBy(context.stage, day, ['intent', 'model']),
    context.snapshots.snapshot(day, startOfUtcDay(day), context.config.historyDays),
  ]);
  const at = streamTime(snapshot, wallNow);
  const baselines = snapshot.quarters.size === 0 ? new Map() : await hourlyBaselines(context, day, at);
  return spendView({
    byIntent,
    byModel,
    snapshot,
    baselines,
    config: context.config,
    budgetSource: context.budgetSource,
    wallNow,
  });
};

const readBreaker = async (context: DashboardContext, readers: RequestReaders): Promise<BreakerView> => {
  const [flags, ledger] = await Promise.all([readers.flags(), readers.ledger()]);
  return breakerView(readers.day, flags.mode as BreakerView['mode'], ledger, utcDay(context.now()));
};

/** The alerts `ccb alerts` lists, of the chosen day; only the local stack keeps what SNS delivered. */
const readDayAlerts = async (context: DashboardContext, day: string): Promise<AlertsView> => {
  if (context.stage.home === undefined)
    return {
      available: false,
      note: `stage ${context.stage.stage}: alerts go to the FinOps topic's subscribers; only the local stack keeps a copy`,
      alerts: [],
      unpriced: [],
      other_days: 0,
    };
  return alertsView(await readAlerts(context.stage.home, context.stage.resources.alertsTopicArn), day);
};

const readDayAudit = async (readers: RequestReaders) => ({
  entries: (await readers.ledger()).filter((e) => entryDay(e) === readers.day).reverse(),
});

const readQuarantine = async (context: DashboardContext, day: string): Promise<QuarantineView> =>
  quarantineView(
    await readQuarantineItems(context.stage.dynamodb, context.stage.resources.quarantineTable),
    day,
  );

const readDayShadows = async (context: DashboardContext, readers: RequestReaders) => {
  const [live, shadows] = await Promise.all([readers.ledger(), readShadowPolicies(context.stage)]);
  return shadowView(readers.day, live, shadows);
};

/** The page's panels, in the order it shows them. */
export const SECTIONS: readonly DashboardSection[] = [
  { id: 'spend', title: 'Spend', read: (context, readers) => readSpendView(context, readers.day) },
  { id: 'breaker', title: 'Breaker mode', read: (context, readers) => readBreaker(context, readers) },
  { id: 'flags', title: 'Flags', read: (_, readers) => readers.flags() },
  {
    id: 'enforcement',
    title: 'Cap enforcement',
    read: async (_, readers) => enforcementView(await readers.flags()),
  },
  {
    id: 'incidents',
    title: 'Incidents',
    read: async (context, readers) =>
      incidentsView(await readIncidents(context.stage, readers.day), readers.day),
  },
  { id: 'alerts', title: 'Alerts', read: (context, readers) => readDayAlerts(context, readers.day) },
  { id: 'audit', title: 'Audit trail', read: (_, readers) => readDayAudit(readers) },
  { id: 'shadow', title: 'Shadow policies', read: (context, readers) => readDayShadows(context, readers) },
  {
    id: 'reconciliation',
    title: 'Reconciliation per model-hour',
    // Read-only: the page never raises a drift (ledger, SNS, metric); `ccb reconcile` does locally.
    read: async (context, readers) =>
      reconcileView(await readReconcile(context.stage, readers.day), readers.day),
  },
  { id: 'quarantine', title: 'Quarantine', read: (context, readers) => readQuarantine(context, readers.day) },
];

/** A failed section is reported in its own place; the others still show. */
export const readSections = async (
  context: DashboardContext,
  day: string,
  sections: readonly DashboardSection[] = SECTIONS,
) => {
  const readers = requestReaders(context, day);
  const entries = await Promise.all(
    sections.map(async (section) => {
      try {
        return [section.id, { title: section.title, data: await section.read(context, readers) }] as const;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return [section.id, { title: section.title, error: message }] as const;
      }
    }),
  );
  return {
    stage: context.stage.stage,
    day,
    generated_at: new Date(context.now()).toISOString(),
    sections: Object.fromEntries(entries),
  };
};

/**
 * The budget the stage's breaker judges spend by: the local stack's own DAILY_BUDGET_USD (recorded when
 * it started), else this process's DAILY_BUDGET_USD, else serverless.yml's dailyBudgetUsd default.
 */
export const stageCheckConfig = async (
  stage: StageContext,
): Promise<{ config: CheckConfig; budgetSource: string }> => {
  const recorded = stage.stage === 'local' ? (await readStackState()).dailyBudgetUsd : undefined;
  const fromEnv = process.env.DAILY_BUDGET_USD;
  const budget = recorded ?? fromEnv ?? (await loadServiceParams()).dailyBudgetUsd;
  const budgetSource =
    recorded !== undefined
      ? 'the local stack'
      : fromEnv !== undefined
        ? 'DAILY_BUDGET_USD'
        : "serverless.yml's dailyBudgetUsd";
  return { config: checkConfigFromEnv({ DAILY_BUDGET_USD: budget }), budgetSource };
};

export const openDashboardContext = async (
  stage: StageContext,
  now: () => number = Date.now,
): Promise<DashboardContext> => ({
  stage,
  ...(await stageCheckConfig(stage)),
  snapshots: new DynamoDbSpendSnapshotSource(stage.dynamodb, stage.resources.spendTable, { clock: { now } }),
  baselines: new Map(),
  now,
});
