import { KinesisClient } from '@aws-sdk/client-kinesis';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { KinesisPort, Ordering } from '../../../producer';
import { localCloudWatchClient, localKinesisClient } from '../../lib/local-clients';
import { countLines, readNdjsonLines } from '../../lib/ndjson-lines';
import { type ProduceProgress, type ProduceSummary, produceEvents } from '../../lib/produce-events';
import { localResources, readStackState } from '../../lib/stack-context';
import {
  DEFAULT_SCENARIO_OPTIONS,
  generateScenario,
  SCENARIOS,
  type ScenarioLine,
  type ScenarioOptions,
  scenarioLineCount,
  unreportedCalls,
} from '../../scenarios';
import { asSubscriptionRecords } from '../../scenarios/invocation-logs';
import { type MeteredHour, meteredUsage, publishMetered } from '../../scenarios/provider-truth';

export class RecordsRejectedError extends Error {
  constructor(summary: ProduceSummary) {
    const reasons = Object.entries(summary.rejectedByReason)
      .map(([reason, count]) => `${reason} x${count}`)
      .join(', ');
    super(`${summary.rejected} record(s) rejected: ${reasons}`);
    this.name = 'RecordsRejectedError';
  }
}

export class AwsUnreachableError extends Error {
  constructor(stage: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `AWS is not reachable from this tool yet for stage "${stage}" (${why}); ` +
        'configure the default credential chain and AWS_REGION, or use --stage local',
      { cause },
    );
    this.name = 'AwsUnreachableError';
  }
}

/** Where events go: a Kinesis client and stream, and how to release the client afterwards. */
export interface ProduceTarget {
  kinesis: KinesisPort;
  streamName: string;
  close(): void;
}

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** What the command needs from the outside world; tests replace it. */
export interface ProduceDependencies {
  target(stage: string): Promise<ProduceTarget>;
  /**
   * Publishes what the provider metered for a scenario (AWS/Bedrock metrics), as Bedrock would; only the
   * local stack can take it (AWS reserves the namespace). Absent: nothing is published.
   */
  publishMetered?(stage: string, hours: readonly MeteredHour[]): Promise<number>;
  stdout: OutputStream;
  stderr: OutputStream;
}

const defaultTarget = async (stage: string): Promise<ProduceTarget> => {
  if (stage === 'local') {
    const state = await readStackState();
    const kinesis = localKinesisClient(state);
    return { kinesis, streamName: state.streamName, close: () => kinesis.destroy() };
  }
  const kinesis = new KinesisClient({});
  try {
    // Resolve both now: a missing region or credential chain should fail before any event is read.
    await kinesis.config.region();
    await kinesis.config.credentials();
  } catch (error) {
    kinesis.destroy();
    throw new AwsUnreachableError(stage, error);
  }
  return { kinesis, streamName: localResources(stage).streamName, close: () => kinesis.destroy() };
};

const defaultDependencies: ProduceDependencies = {
  target: defaultTarget,
  publishMetered: async (stage, hours) => {
    if (stage !== 'local') return 0;
    const cloudwatch = localCloudWatchClient(await readStackState());
    return publishMetered(cloudwatch, hours).finally(() => cloudwatch.destroy());
  },
  stdout: process.stdout,
  stderr: process.stderr,
};

const positiveNumber = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a number > 0');
  return parsed;
};

const nonNegativeInteger = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected an integer >= 0');
  return parsed;
};

const stageName = (value: string): string => {
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(value)) {
    throw new InvalidArgumentError('expected lower-case letters, digits and dashes');
  }
  return value;
};

const formatInteger = (value: number): string => Math.round(value).toLocaleString('en-US');

interface ProgressView {
  update(progress: ProduceProgress): void;
  stop(): void;
}

/** A bar on a terminal; elsewhere (CI logs, pipes) one plain line every few seconds. */
const progressView = (stderr: OutputStream, total: number): ProgressView => {
  const rate = (progress: ProduceProgress) =>
    progress.elapsedMs > 0 ? Math.round((progress.events * 1_000) / progress.elapsedMs) : 0;
  if (stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: stderr as NodeJS.WritableStream,
        format:
          'produce |{bar}| {percentage}% {value}/{total} events | {rate} ev/s | retries {retries} | rejected {rejected}',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: 0, retries: 0, rejected: 0 });
    return {
      update: (progress) => {
        const done = progress.events;
        if (done > bar.getTotal()) bar.setTotal(done);
        bar.update(done, { rate: rate(progress), retries: progress.retries, rejected: progress.rejected });
      },
      stop: () => bar.stop(),
    };
  }
  let latest: ProduceProgress | undefined;
  const timer = setInterval(() => {
    if (!latest) return;
    stderr.write(
      `produce: ${formatInteger(latest.events)}/${formatInteger(total)} events, ` +
        `${formatInteger(rate(latest))} ev/s, retries ${latest.retries}, rejected ${latest.rejected}\n`,
    );
  }, 2_000);
  timer.unref();
  return {
    update: (progress) => {
      latest = progress;
    },
    stop: () => clearInterval(timer),
  };
};

interface ProduceCommandOptions {
  file?: string;
  scenario?: string;
  day?: string;
  scale?: number;
  seed?: number;
  stage: string;
  concurrency: number;
  ordering: Ordering;
  pack: boolean;
  /** The old name of --no-pack, still accepted. */
  aggregate: boolean;
  as: 'events' | 'invocation-logs';
  json?: boolean;
}

const scenarioHelp = (): string =>
  `\nScenarios:\n${Object.entries(SCENARIOS)
    .map(([name, description]) => `  ${name.padEnd(21)} ${description}`)
    .join('\n')}\n`;

/** `ccb produce`: sends an NDJSON file or a built-in scenario to the cost event stream. */
export const registerProduce = (
  program: Command,
  dependencies: ProduceDependencies = defaultDependencies,
): void => {
  program
    .command('produce')
    .description('send cost events to the stream, from an NDJSON file or a built-in scenario')
    .addOption(new Option('--file <path>', 'NDJSON file, one event per line').conflicts('scenario'))
    .addOption(
      new Option('--scenario <name>', 'built-in scenario (see below)').choices(Object.keys(SCENARIOS)),
    )
    .option('--day <YYYY-MM-DD>', `UTC day of the scenario (default: ${DEFAULT_SCENARIO_OPTIONS.day})`)
    .option(
      '--scale <x>',
      `share of the seed 001 A4 daily volumes (default: ${DEFAULT_SCENARIO_OPTIONS.scale})`,
      positiveNumber,
    )
    .option('--seed <n>', `scenario seed (default: ${DEFAULT_SCENARIO_OPTIONS.seed})`, nonNegativeInteger)
    .option('--stage <stage>', 'local, or an AWS stage (stream ccb-<stage>-cost-events)', stageName, 'local')
    .option('--concurrency <n>', 'PutRecords requests in flight', positiveNumber, 4)
    .addOption(
      new Option('--ordering <mode>', 'per-session order: strict, or relaxed for fuller requests')
        .choices(['strict', 'relaxed'])
        .default('strict'),
    )
    .option('--no-pack', 'one event per Kinesis record instead of gzip NDJSON records of many')
    .addOption(new Option('--no-aggregate').hideHelp())
    .addOption(
      new Option(
        '--as <form>',
        'events as a producer puts them, or invocation-logs: the calls as Bedrock logs them, in CloudWatch Logs subscription records (a control message first, every 20th envelope delivered twice)',
      )
        .choices(['events', 'invocation-logs'])
        .default('events'),
    )
    .option('--json', 'print the summary as JSON on stdout')
    .addHelpText('after', scenarioHelp())
    .action(async (options: ProduceCommandOptions) => {
      const { stdout, stderr } = dependencies;
      const scenarioOnly =
        options.day !== undefined || options.scale !== undefined || options.seed !== undefined;
      if (!options.file && !options.scenario)
        throw new Error('produce needs --file <path> or --scenario <name>');
      if (options.file && scenarioOnly) throw new Error('--day, --scale and --seed apply to --scenario only');
      if (!Number.isInteger(options.concurrency)) throw new Error('--concurrency must be an integer');

      const scenarioOptions: Partial<ScenarioOptions> = {
        day: options.day,
        scale: options.scale,
        seed: options.seed,
      };
      // Builds the source (and so validates the scenario options) before touching the stream.
      const [lines, total] = options.file
        ? [readNdjsonLines(options.file), await countLines(options.file)]
        : [
            generateScenario(options.scenario ?? '', scenarioOptions),
            scenarioLineCount(options.scenario ?? '', scenarioOptions),
          ];
      const asLogs = options.as === 'invocation-logs';
      if (asLogs && options.file) throw new Error('--as invocation-logs renders a --scenario');
      const source = asLogs
        ? asSubscriptionRecords(lines as Iterable<ScenarioLine>, { redeliverEvery: 20 })
        : lines;

      const target = await dependencies.target(options.stage);
      const view = progressView(stderr, total);
      let summary: ProduceSummary;
      try {
        summary = await produceEvents(source, {
          kinesis: target.kinesis,
          streamName: target.streamName,
          maxInFlight: options.concurrency,
          ordering: options.ordering,
          // Subscription records are already packed, as CloudWatch Logs packs them.
          pack: options.pack && options.aggregate && !asLogs ? {} : false,
          onProgress: (progress) => view.update(progress),
        });
      } finally {
        view.stop();
        target.close();
      }

      if (options.json) {
        const from = options.file
          ? { file: options.file }
          : { scenario: options.scenario, ...scenarioOptions };
        stdout.write(
          `${JSON.stringify({ stage: options.stage, stream: target.streamName, ...from, ...summary })}\n`,
        );
      } else {
        stdout.write(
          `sent ${formatInteger(summary.events)} events in ${formatInteger(summary.sent)} records to ${target.streamName} in ${(summary.elapsedMs / 1_000).toFixed(1)} s ` +
            `(${formatInteger(summary.eventsPerSecond)} events/s): rejected ${formatInteger(summary.rejected)}, ` +
            `retries ${formatInteger(summary.retries)}, ${formatInteger(summary.batches)} PutRecords requests\n`,
        );
      }
      if (summary.rejected > 0) throw new RecordsRejectedError(summary);
      if (options.scenario !== undefined && dependencies.publishMetered !== undefined) {
        const metered = meteredUsage(
          generateScenario(options.scenario, scenarioOptions),
          unreportedCalls(options.scenario, scenarioOptions),
        );
        const published = await dependencies.publishMetered(options.stage, metered);
        if (published > 0 && !options.json)
          stdout.write(
            `published ${formatInteger(published)} AWS/Bedrock datapoints (what Bedrock metered)\n`,
          );
      }
    });
};
