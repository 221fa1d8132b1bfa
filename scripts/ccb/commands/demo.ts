import { setTimeout as delay } from 'node:timers/promises';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import {
  type DayTotal,
  DynamoDbSpendReader,
} from '../../../functions/adapters/dynamodb/dynamodb-spend-reader';
import { executionName } from '../../../functions/core/breaker/trigger';
import { formatUsd, usdToNano } from '../../../functions/core/money';
import {
  budgetCrossings,
  renderAlerts,
  renderCap,
  renderCrossings,
  renderTimeline,
} from '../../demo/breaker-story';
import { replayClosedLoop } from '../../demo/closed-loop';
import { CURRENT_MODELS_DAY, showCurrentModels } from '../../demo/current-models';
import { runDarkSpendDemo } from '../../demo/dark-spend';
import { hourlyTable, intentModelTable } from '../../demo/spend-tables';
import { localKinesisClient } from '../../lib/local-clients';
import { produceEvents } from '../../lib/produce-events';
import { DynamoDbLedgerReader } from '../../lib/readers/dynamodb-ledger-reader';
import { summarizeQuarantine } from '../../lib/readers/dynamodb-quarantine-reader';
import { readFlags } from '../../lib/readers/flags';
import { readAlerts } from '../../lib/readers/published-alerts';
import type { StackState } from '../../lib/stack-context';
import { openStage } from '../../lib/stage';
import { drain } from '../../local/drain';
import { startStack, stopStack } from '../../local/stack';
import { DEFAULT_SCENARIO_OPTIONS, generateScenario, type ScenarioLine } from '../../scenarios';
import { RUNAWAY_BUG } from '../../scenarios/chatbot';
import { expectedTotals } from '../../scenarios/expected-totals';
import { renderFlagLine } from './flags';

interface DemoOptions {
  scenario: string;
  day: string;
  scale?: string;
  seed: string;
  check?: boolean;
  keep?: boolean;
}

export class DemoCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoCheckError';
  }
}

const DAILY_BUDGET_USD = 5_000;
/** The dark-spend demo's share of the day: within the demo's 3-minute budget on DynamoDB Local. */
const DARK_SPEND_SCALE = 0.005;
const HOUR_MS = 3_600_000;
/** Replay windows after the incident starts: the flags the chatbot obeys lag by at most this much event time. */
const WINDOW_MINUTES = 5;
/** Seconds between restore steps in the demo (15 minutes on AWS). */
const DEMO_RESTORE_STEP_SECONDS = 2;

const nextDay = (day: string): string =>
  new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);

/** Replays the lines in one go (no chatbot in the loop): for the scenarios other than the runaway. */
const replayOpenLoop = async (state: StackState, lines: ScenarioLine[]) => {
  const kinesis = localKinesisClient(state);
  await produceEvents(lines, { kinesis, streamName: state.streamName }).finally(() => kinesis.destroy());
  await drain(state, { timeoutSeconds: 150 });
};

const waitForExecution = async (sfn: SFNClient, executionArn: string, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { status } = await sfn
      .send(new DescribeExecutionCommand({ executionArn }))
      .catch(() => ({ status: 'UNKNOWN' }));
    if (status !== undefined && status !== 'RUNNING' && status !== 'UNKNOWN') return status;
    await delay(200);
  }
  return 'RUNNING';
};

/** What every step of the demo reads: the command's options and the settings that follow from them. */
interface DemoRun {
  options: DemoOptions;
  scale: number;
  scenarioOptions: { day: string; scale: number; seed: number };
  capNano: number;
  /** The runaway day closes the loop through the flags and has a next-day restore to show. */
  runaway: boolean;
}

/** The stage the demo reads its results back from. */
type Stage = Awaited<ReturnType<typeof openStage>>;

/** Which replay window an event time fell in: the breaker's timeline groups its entries by it. */
type WindowOf = (at: number) => [number, number];

interface Replay {
  lines: ScenarioLine[];
  windowOf: WindowOf;
  expected: ReturnType<typeof expectedTotals>;
}

/** Before the bug, the hours up to it are one window; after it, the windows the chatbot reads the flags in. */
const runawayWindows = (day: string): WindowOf => {
  const dayStart = Date.parse(`${day}T00:00:00.000Z`);
  return (at) => {
    const into = at - dayStart - RUNAWAY_BUG.fromMs;
    if (into < 0) return [dayStart, dayStart + RUNAWAY_BUG.fromMs];
    const from =
      dayStart + RUNAWAY_BUG.fromMs + Math.floor(into / (WINDOW_MINUTES * 60_000)) * WINDOW_MINUTES * 60_000;
    return [from, from + WINDOW_MINUTES * 60_000];
  };
};

/** 1/5: a fresh stack (or the running one with --keep). */
const startDemoStack = async ({ options, scale, capNano }: DemoRun): Promise<StackState> => {
  if (!options.keep) await stopStack({ purge: true });
  // One shard so each batch's checks see every earlier write (the output is the same every run), no
  // batching window so a replayed window is processed at once, and no wall-clock check: it would
  // judge today's real date, not the replayed one, and start today's restore mid-replay.
  const up = await startStack({
    shards: 1,
    mapping: { MaximumBatchingWindowInSeconds: 0 },
    checkIntervalMs: 0,
  });
  const { state } = up;
  console.log(
    `1/5 local stack ${up.started ? `started in ${(up.elapsedMs / 1000).toFixed(1)} s` : 'already running'}` +
      ` (Kinesis, DynamoDB Local, SSM/Step Functions/SNS stand-ins under ${state.home ?? '.ccb'})`,
  );
  console.log(
    `    daily budget $${formatUsd(capNano)} ($${DAILY_BUDGET_USD.toLocaleString('en-US')} x scale ${scale})`,
  );
  return state;
};

/** 2/5: the day replayed, with the chatbot obeying the flags on the runaway day, in one go otherwise. */
const replayDay = async (run: DemoRun, state: StackState): Promise<Replay> => {
  const { options, scenarioOptions } = run;
  const started = Date.now();
  let lines: ScenarioLine[];
  let windowOf: WindowOf = (at) => [at, at];
  if (run.runaway) {
    console.log(
      `2/5 replaying ${options.day}: normal traffic, then from 14:00 a router bug sends every intent to Sonnet`,
    );
    console.log(
      `    with ${RUNAWAY_BUG.promptBloat}x prompts; the chatbot reads the flags every ${WINDOW_MINUTES} minutes of event time`,
    );
    const result = await replayClosedLoop(state, {
      ...scenarioOptions,
      bug: RUNAWAY_BUG,
      windowsFromMs: RUNAWAY_BUG.fromMs,
      windowMinutes: WINDOW_MINUTES,
    });
    lines = result.lines;
    windowOf = runawayWindows(options.day);
  } else {
    lines = [...generateScenario(options.scenario, scenarioOptions)];
    console.log(`2/5 replaying ${options.scenario} for ${options.day} in one go (no chatbot in the loop)`);
    await replayOpenLoop(state, lines);
  }
  const expected = expectedTotals(lines);
  console.log(
    `    ${lines.length.toLocaleString('en-US')} lines replayed and processed in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return { lines, windowOf, expected };
};

/** 3/5: the day's spend as stored, against the replayed events. */
const showSpend = async (
  { options }: DemoRun,
  state: StackState,
  context: Stage,
  { lines, expected }: Replay,
): Promise<{ total: DayTotal; exact: boolean }> => {
  const { dynamodb } = context;
  const reader = new DynamoDbSpendReader(dynamodb, state.spendTable);
  const [rows, total, quarantine] = await Promise.all([
    reader.hourly(options.day),
    reader.dayTotal(options.day),
    summarizeQuarantine(dynamodb, state.quarantineTable, 1),
  ]);
  console.log(`\n3/5 spend on ${options.day} (UTC), from the hourly spend items in DynamoDB\n`);
  console.log(hourlyTable(rows, options.day));
  console.log(`\nBy intent and model\n${intentModelTable(rows, total.cost_nano)}`);
  console.log(
    `\nDay total: $${formatUsd(total.cost_nano, 4)} over ${total.events.toLocaleString('en-US')} events`,
  );
  console.log(
    `Replayed: $${formatUsd(expected.costNano, 4)} over ${expected.events.toLocaleString('en-US')} distinct valid events` +
      ` (${lines.length - expected.events} lines were duplicates or poison; quarantined: ` +
      `${quarantine.by_reason.map((g) => `${g.reason} ${g.count}`).join(', ') || 'none'})`,
  );
  const exact = total.cost_nano === expected.costNano && total.events === expected.events;
  console.log(
    exact
      ? 'Stored spend equals the replayed events exactly: nothing lost, nothing counted twice.'
      : 'Stored spend differs from this replay: the day also holds events from other runs (--keep).',
  );
  return { total, exact };
};

/** 4/5: what the breaker did on the day: crossings, its ledger, the flags and alerts, the cap. */
const showBreaker = async (
  { options, capNano }: DemoRun,
  state: StackState,
  context: Stage,
  { lines, windowOf }: Replay,
  { total, ledger }: { total: DayTotal; ledger: DynamoDbLedgerReader },
): Promise<void> => {
  const crossings = budgetCrossings(lines, options.day, capNano);
  console.log(`\n4/5 the breaker on ${options.day} (event time)`);
  console.log(`Budget crossings: ${renderCrossings(crossings)}`);
  console.log(renderTimeline(await ledger.entries(), windowOf));
  console.log(`\nFlags at the end of the day: ${renderFlagLine(await readFlags(context))}`);
  console.log(`\n${renderAlerts(await readAlerts(state.home ?? '', state.alertsTopicArn))}`);
  console.log(renderCap(total.cost_nano, capNano, crossings));
};

/** 5/5: the next day, bug fixed: its first two hours and the stepwise restore they set off. */
const showNextDayRestore = async (
  { options, scenarioOptions }: DemoRun,
  state: StackState,
  context: Stage,
  ledger: DynamoDbLedgerReader,
): Promise<void> => {
  const day2 = nextDay(options.day);
  console.log(
    `\n5/5 ${day2}: the bug is fixed; the first two hours of normal traffic and the stepwise restore`,
  );
  const before = (await ledger.entries()).length;
  await replayClosedLoop(state, {
    ...scenarioOptions,
    day: day2,
    windowsFromMs: 0,
    windowMinutes: 15,
    untilMs: 2 * HOUR_MS,
  });
  const restore = `${state.stateMachineArns.restore.replace(':stateMachine:', ':execution:')}:${executionName('restore', day2)}`;
  const status = await waitForExecution(context.sfn(), restore);
  const steps = (await ledger.entries()).slice(before).filter((e) => e.kind.startsWith('restore'));
  console.log(
    steps.length === 0
      ? `    no restore ran (${status})`
      : `    restore ${status.toLowerCase()}: ${steps.map((e) => (e.kind === 'restore_step' ? `${e.from_mode} -> ${e.to_mode}` : `stopped at ${e.from_mode}: ${e.reason}`)).join(', ')}`,
  );
  console.log(`    flags now: ${renderFlagLine(await readFlags(context))}`);
};

const printNextSteps = (day: string): void => {
  console.log(
    `\nThe stack keeps running. Try: npx ccb flags, npx ccb audit, npx ccb alerts, npx ccb spend --day ${day} --by model,\n` +
      'npx ccb override --set degradation_active=false --reason "verified false positive" --ttl 30m --requested-by alice;\n' +
      'npx ccb local down to stop.',
  );
  console.log(`See it in a browser: npx ccb dashboard --day ${day}`);
};

/** The runaway day (or another scenario) end to end: sections 1/5 to 5/5, then the current models. */
const runBreakerDemo = async (options: DemoOptions): Promise<void> => {
  const scale = Number(options.scale ?? DEFAULT_SCENARIO_OPTIONS.scale);
  const run: DemoRun = {
    options,
    scale,
    scenarioOptions: { day: options.day, scale, seed: Number(options.seed) },
    capNano: usdToNano(DAILY_BUDGET_USD * scale),
    runaway: options.scenario === 'runaway-day',
  };
  // Functions of the local stack read these at start; the stack below is started by this process.
  process.env.DAILY_BUDGET_USD = String(DAILY_BUDGET_USD * scale);
  process.env.RESTORE_STEP_SECONDS = String(DEMO_RESTORE_STEP_SECONDS);

  console.log('Cost Circuit Breaker: local demo\n');
  const state = await startDemoStack(run);
  const replay = await replayDay(run, state);
  const context = await openStage('local');
  const { total, exact } = await showSpend(run, state, context, replay);
  const ledger = new DynamoDbLedgerReader(context.dynamodb, state.ledgerTable);
  await showBreaker(run, state, context, replay, { total, ledger });
  if (run.runaway) await showNextDayRestore(run, state, context, ledger);
  else console.log('\n5/5 (the next-day restore is shown with --scenario runaway-day)');
  const currentExact = await showCurrentModels(state, context, (replayed) => replayOpenLoop(state, replayed));
  printNextSteps(options.day);
  if (options.check && !currentExact)
    throw new DemoCheckError(
      `${CURRENT_MODELS_DAY}: stored spend differs from the replayed current-model events`,
    );
  if (options.check && !exact) {
    const { expected } = replay;
    throw new DemoCheckError(
      `stored $${formatUsd(total.cost_nano, 9)} / ${total.events} events, expected $${formatUsd(expected.costNano, 9)} / ${expected.events}`,
    );
  }
};

/**
 * `npm start`: a fresh local stack replays a day in which a router bug at 14:00 UTC runs spend away,
 * with the chatbot obeying the breaker's flags; then prints the day's spend (equal to the replayed
 * events exactly), the breaker's timeline, flags and alerts, and the next day's stepwise restore.
 */
export const registerDemo = (program: Command): void => {
  program
    .command('demo')
    .description(
      'fresh local stack; replay a runaway day with the breaker in the loop; print spend, breaker and alerts',
    )
    .option(
      '--scenario <name>',
      'built-in scenario (runaway-day closes the loop through the flags)',
      'runaway-day',
    )
    .option('--day <YYYY-MM-DD>', 'UTC day to replay', DEFAULT_SCENARIO_OPTIONS.day)
    .option(
      '--scale <x>',
      `share of the seed 001 A4 volumes; the $5,000 budget scales with it (default ${DEFAULT_SCENARIO_OPTIONS.scale}; ${DARK_SPEND_SCALE} for dark-spend, which writes a request claim per call)`,
    )
    .option('--seed <n>', 'scenario seed', String(DEFAULT_SCENARIO_OPTIONS.seed))
    .option('--keep', 'replay onto the running stack and its data instead of a fresh one')
    .option('--check', 'exit non-zero unless stored spend equals the replayed events exactly')
    .action(async (options: DemoOptions) => {
      if (options.scenario === 'dark-spend') {
        const exact = await runDarkSpendDemo({
          day: options.day,
          scale: Number(options.scale ?? DARK_SPEND_SCALE),
          seed: Number(options.seed),
          ...(options.keep === undefined ? {} : { keep: options.keep }),
        });
        if (options.check && !exact) throw new DemoCheckError('stored spend differs from the calls');
        return;
      }
      await runBreakerDemo(options);
    });
};
