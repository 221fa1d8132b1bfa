import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { CostEventV2 } from '../../functions/core/events/cost-event.v2.generated';
import { formatUsd } from '../../functions/core/money';
import { canonicalModelId } from '../../functions/core/pricing/price-table';
import { type Browser, launchChromium } from '../../scripts/dashboard/browser';
import { localCloudWatchClient, localKinesisClient, localSfnClient } from '../../scripts/lib/local-clients';
import { produceEvents } from '../../scripts/lib/produce-events';
import { readAudit } from '../../scripts/lib/readers/audit-trail';
import { readFlags } from '../../scripts/lib/readers/flags';
import { readIncidents } from '../../scripts/lib/readers/incidents';
import { readAlerts } from '../../scripts/lib/readers/published-alerts';
import { readShadowPolicies } from '../../scripts/lib/readers/shadow-ledger';
import { readSpend } from '../../scripts/lib/readers/spend';
import { readReconcile } from '../../scripts/lib/reconcile-stage';
import type { StackState } from '../../scripts/lib/stack-context';
import { openStage, type StageContext } from '../../scripts/lib/stage';
import { drain } from '../../scripts/local/drain';
import { projectRoot } from '../../scripts/local/paths';
import { startStack, stopStack } from '../../scripts/local/stack';
import { generateScenario } from '../../scripts/scenarios';
import { meteredUsage, publishMetered } from '../../scripts/scenarios/provider-truth';

const DAY = '2025-03-15';
const SCALE = 0.001;
const UNKNOWN_MODEL = 'acme.unheard-of-v1:0';
const CURRENT_MODEL = 'global.anthropic.claude-sonnet-4-5-20250929-v1:0';
/** A shadow policy at half the budget: it escalates earlier than the live one, beside it in the panel. */
const SHADOW = 'half';
/** A call on the replayed day, before the runaway: the catalog prices one model and not the other. */
const call = (modelId: string, n: number): CostEventV2 => ({
  schema_version: '2.0',
  event_id: `e2e-dashboard-${n}`,
  occurred_at: Date.parse(`${DAY}T09:3${n}:00.000Z`),
  request_id: `req-e2e-dashboard-${n}`,
  session_id: `sess-e2e-dashboard-${n}`,
  intent: 'product_question',
  model_id: modelId,
  component: 'llm',
  language: 'en',
  input_tokens: 20_000,
  output_tokens: 4_000,
  region: 'us-east-1',
});

/** Calls Bedrock metered and no cost event reported: the reconciliation's dark spend. */
const UNREPORTED = [call(CURRENT_MODEL, 5), call(CURRENT_MODEL, 6)];

/**
 * Issue 13's "done": after a replayed runaway day (494 lines, duplicates and poison included, no
 * chatbot obeying the flags) against a $5 budget, `ccb dashboard` serves a page that headless Chromium
 * renders with the day's total to the cent as `ccb spend` reads it, the breaker's mode and the
 * ledger's transitions, at least two charts, and no console or page error.
 */
describe('ccb dashboard in headless Chromium', () => {
  let home: string;
  let state: StackState;
  let context: StageContext;
  let dashboard: ChildProcess | undefined;
  let url: string;
  let browser: Browser;
  const saved = { ...process.env };

  /** Until no escalate execution runs: the aggregate starts them while it takes the batches. */
  const escalationsSettled = async () => {
    const sfn = localSfnClient(state);
    try {
      for (;;) {
        const { executions } = await sfn.send(
          new ListExecutionsCommand({
            stateMachineArn: state.stateMachineArns.escalate,
            statusFilter: 'RUNNING',
          }),
        );
        if ((executions ?? []).length === 0) return;
        await delay(100);
      }
    } finally {
      sfn.destroy();
    }
  };

  /** `ccb dashboard` as a user runs it; resolves the URL from the one line it prints. */
  const startDashboard = async (): Promise<string> => {
    const child = spawn(
      process.execPath,
      [join(projectRoot, 'bin/ccb.mjs'), 'dashboard', '--port', '0', '--day', DAY],
      { cwd: projectRoot, env: { ...process.env, CCB_HOME: home }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    dashboard = child;
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`ccb dashboard exited (${String(code)}) before printing its URL`);
    });
    const [first] = (await Promise.race([once(lines, 'line'), exited])) as [string];
    lines.close();
    return first;
  };

  /** A new tab that records every console error and uncaught page error. */
  const watchedPage = async () => {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
    return { page, problems };
  };

  const loaded = async (page: Page, path: string) => {
    await page.goto(new URL(path, url).href);
    await page.waitForSelector('body[data-updated]');
  };

  /** Each body row of a table, as the text of its cells. */
  const cells = async (page: Page, selector: string) =>
    page
      .locator(`${selector} tbody tr`)
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')),
      );

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-e2e-dashboard-'));
    process.env.CCB_HOME = home;
    process.env.DAILY_BUDGET_USD = String(5_000 * SCALE);
    process.env.BREAKER_SHADOW_POLICIES = JSON.stringify([{ name: SHADOW, daily_budget_usd: 2_500 * SCALE }]);
    // Launched first: without Chromium the test fails at once instead of after the replay.
    browser = await launchChromium();
    ({ state } = await startStack({
      home,
      shards: 1,
      mapping: { MaximumBatchingWindowInSeconds: 0 },
      sfnWaitScale: 0.005,
      sfnRetryIntervalMs: 10,
      checkIntervalMs: 0,
      // The machine is shared: a slow start is not what this test is about.
      timeoutMs: 180_000,
    }));
    const kinesis = localKinesisClient(state);
    const lines = [
      ...generateScenario('runaway-day', { day: DAY, scale: SCALE }),
      call(UNKNOWN_MODEL, 1),
      call(CURRENT_MODEL, 2),
    ];
    await produceEvents(lines, {
      kinesis,
      streamName: state.streamName,
    }).finally(() => kinesis.destroy());
    await drain(state, { home, timeoutSeconds: 120 });
    await escalationsSettled();
    // What Bedrock metered: the replayed calls, and two Sonnet calls at 09:35-09:36 that nobody reported.
    const cloudwatch = localCloudWatchClient(state);
    await publishMetered(cloudwatch, meteredUsage(lines, UNREPORTED)).finally(() => cloudwatch.destroy());
    context = await openStage('local');
    const printed = await startDashboard();
    expect(printed).toMatch(/^dashboard at http:\/\/127\.0\.0\.1:\d+\/$/);
    url = printed.slice('dashboard at '.length);
  }, 360_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (dashboard?.exitCode === null) {
      dashboard.kill('SIGTERM');
      await once(dashboard, 'exit');
    }
    context?.dynamodb.destroy();
    await stopStack({ home, purge: true, graceMs: 5_000 }).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
    process.env = saved;
  });

  it("shows the day's total as ccb spend reads it, the mode and the ledger's transitions, with charts and no errors", async () => {
    // Prepare
    const { page, problems } = await watchedPage();
    const spend = await readSpend('local', DAY, 'intent');
    const flags = await readFlags(context);
    const changes = (await readAudit(context)).filter(
      (e) => e.kind !== 'dry_run' && e.from_mode !== undefined && e.from_mode !== e.to_mode,
    );

    // Act
    await loaded(page, `/?day=${DAY}`);

    // Assess
    expect(await page.locator('section .error').allTextContents()).toEqual([]);
    expect(spend.total_nano).toBeGreaterThan(0);
    const total = await page.locator('#total').textContent();
    expect(total).toMatch(/^\$\d{1,3}(,\d{3})*\.\d{2}$/);
    expect(total?.replace(/[$,]/g, '')).toBe(formatUsd(spend.total_nano, 2));
    // A past day shows the mode it ended in, by the ledger; nothing ran after it, so it is the mode now.
    expect(await page.locator('#mode-label').textContent()).toBe(`Mode at the end of ${DAY}`);
    expect(await page.locator('#mode').textContent()).toBe(changes.at(-1)?.to_mode);
    expect(changes.length).toBeGreaterThan(0);
    expect(flags.mode).toBe(changes.at(-1)?.to_mode);
    const shown = await page
      .locator('#transitions-table tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')),
      );
    expect(shown.map((cells) => `${cells[2]}->${cells[3]}`)).toEqual(
      changes.map((e) => `${e.from_mode}->${e.to_mode}`),
    );
    const charts = await page.evaluate(() =>
      Object.values(
        (
          globalThis as unknown as {
            Chart: { instances: Record<string, { data: { datasets: { data: unknown[] }[] } }> };
          }
        ).Chart.instances,
      ).map((chart) => chart.data.datasets.reduce((points, dataset) => points + dataset.data.length, 0)),
    );
    expect(charts.filter((points) => points > 0).length).toBeGreaterThanOrEqual(2);
    expect(problems).toEqual([]);
  }, 60_000);

  it('shows the estimated part as ccb spend reads it, by model, and the unpriced_model alert', async () => {
    // Prepare
    const { page, problems } = await watchedPage();
    const byModel = await readSpend('local', DAY, 'model');
    const unknown = byModel.rows.find((r) => r.key === UNKNOWN_MODEL);
    // Spend is kept under the catalog's id: the inference profile's prefix (global.) goes.
    const current = byModel.rows.find((r) => r.key === canonicalModelId(CURRENT_MODEL));

    // Act
    await loaded(page, `/?day=${DAY}`);
    const models = await cells(page, '#model-table');
    const unpriced = await cells(page, '#unpriced-table');

    // Assess
    expect(byModel.estimated_nano).toBeGreaterThan(0);
    expect(unknown).toMatchObject({ events: 1, estimated_cost_nano: unknown?.cost_nano });
    expect(unknown?.cost_nano).toBeGreaterThan(0);
    expect(current).toMatchObject({ estimated_cost_nano: 0, events: 1 });
    expect(current?.cost_nano).toBeGreaterThan(0);
    const note = await page.locator('#estimated-note').textContent();
    expect(note).toMatch(/^of which \$\d{1,3}(,\d{3})*\.\d{2} estimated$/);
    expect(note?.replace(/^of which |[$,]| estimated$/g, '')).toBe(formatUsd(byModel.estimated_nano, 2));
    const row = (key: string) => models.find((cells) => cells[0] === key);
    expect(row(UNKNOWN_MODEL)?.slice(1, 3)).toEqual([
      `$${formatUsd(unknown?.cost_nano ?? 0, 2)}`,
      `$${formatUsd(unknown?.estimated_cost_nano ?? 0, 2)}`,
    ]);
    expect(row(canonicalModelId(CURRENT_MODEL))?.[2]).toBe('-');
    expect(unpriced.map((cells) => cells.slice(0, 3))).toEqual([
      [UNKNOWN_MODEL, '1', `$${formatUsd(byModel.estimated_nano, 2)}`],
    ]);
    expect(problems).toEqual([]);
  }, 60_000);

  it('shows the incidents, the cap enforcement, the shadow policies and the reconciliation as their readers read them, raising nothing', async () => {
    // Prepare
    const { page, problems } = await watchedPage();
    const incidents = await readIncidents(context, DAY);
    const { enforcement } = await readFlags(context);
    const shadows = await readShadowPolicies(context);
    const reconcile = await readReconcile(context, DAY);
    const ledgerBefore = await readAudit(context);

    // Act
    await loaded(page, `/?day=${DAY}`);
    const incidentRows = await cells(page, '#incidents-table');
    const shadowSummary = await cells(page, '#shadow-policies-table');
    const shadowRows = await cells(page, '#shadow-table');
    const text = async (selector: string) => (await page.locator(selector).textContent())?.trim();

    // Assess
    expect(await page.locator('section .error').allTextContents()).toEqual([]);
    for (const id of ['enforcement', 'incidents', 'shadow', 'reconciliation'])
      expect(await page.locator(`#section-${id} h2`).count()).toBe(1);
    // Incidents: the rows readIncidents reads for the day, in its order, spend to the cent.
    expect(incidents.length).toBeGreaterThan(0);
    expect(incidentRows.map((c) => [c[0], c[1], c[2], c[5], c[9]])).toEqual(
      incidents.map((i) => [
        i.check,
        i.subject,
        i.state,
        String(i.messages),
        `$${formatUsd(i.spend_nano, 2)}`,
      ]),
    );
    // Cap enforcement: the replayed day ended in cap; the e2e stack lists no role for the IAM deny.
    expect(await text('#enforcement-state')).toMatch(/^Calls refused/);
    expect(enforcement).toBeNull();
    expect(await text('#enforcement-empty')).toMatch(/^not configured/);
    // Shadow policies: the one the stack ran, its would-be transitions beside the live ones.
    const shadow = shadows.find((p) => p.name === SHADOW);
    const dayShadow = (shadow?.entries ?? []).filter(
      (e) => (e.trigger?.day ?? e.recorded_at.slice(0, 10)) === DAY,
    );
    expect(shadows.map((p) => p.name)).toEqual([SHADOW]);
    expect(dayShadow.length).toBeGreaterThan(0);
    expect(shadowSummary.map((c) => [c[0], c[1]])).toEqual([
      ['live', expect.any(String)],
      [`shadow:${SHADOW}`, String(dayShadow.length)],
    ]);
    expect(shadowRows.filter((c) => c[1] === `shadow:${SHADOW}`)).toHaveLength(dayShadow.length);
    // Reconciliation: the rows readReconcile reads, the unreported calls' model-hour drifting.
    const rows = reconcile?.report.rows ?? [];
    const shownRows = await cells(page, '#reconciliation-table');
    expect(rows.length).toBeGreaterThan(0);
    expect(shownRows.map((c) => [c[0], c[1], c[7]])).toEqual(
      rows.map((r) => [
        `${String(r.hour).padStart(2, '0')}:00`,
        r.model,
        r.status === 'drift' ? 'DRIFT' : r.status,
      ]),
    );
    const sonnetAtNine = shownRows.find((c) => c[0] === '09:00' && c[1] === canonicalModelId(CURRENT_MODEL));
    expect(sonnetAtNine?.[7]).toBe('DRIFT');
    expect(sonnetAtNine?.[3]).toBe(String(3 * 20_000));
    expect(await page.locator('#reconciliation-empty').count()).toBe(0);
    // Read-only: the page's reads left the ledger as it was.
    expect((await readAudit(context)).length).toBe(ledgerBefore.length);
    const published = await readAlerts(home, state.alertsTopicArn);
    expect(published.filter((a) => a.check === 'reconciliation')).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);

  it('selects the day from ?day= and serves nothing but GET and HEAD', async () => {
    // Prepare
    const { page, problems } = await watchedPage();

    // Act
    await loaded(page, '/?day=2025-03-14');
    const alertRows = await page.locator('#alerts-table tbody tr').count();
    const unpricedPanels = await page.locator('#unpriced-alerts').count();
    const noIncidents = await page.locator('#incidents-empty').textContent();
    const impossible = await fetch(new URL('/api/spend?day=2025-02-30', url));
    const post = await fetch(new URL('/api/dashboard', url), { method: 'POST' });
    const badDay = await fetch(new URL('/api/spend?day=2025-13-40', url));
    const api = (await (await fetch(new URL(`/api/spend?day=${DAY}`, url))).json()) as {
      data: { total: { nano: number; usd: string } };
    };

    // Assess
    expect(await page.locator('#total').textContent()).toBe('$0.00');
    // The replayed day's alerts belong to it, not to the day before nor to the day SNS got them.
    expect([alertRows, unpricedPanels]).toEqual([0, 0]);
    expect(noIncidents).toBe('no incidents on this day');
    expect(impossible.status).toBe(400);
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(badDay.status).toBe(400);
    expect(api.data.total.nano).toBe((await readSpend('local', DAY, 'intent')).total_nano);
    expect(problems).toEqual([]);
  }, 60_000);
});
