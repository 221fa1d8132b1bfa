import { type Command, InvalidArgumentError, Option } from 'commander';
import { defaultPolicy } from '../../../functions/core/breaker/policy';
import { replayClosedLoop } from '../../lab/closed-loop-replay';
import { readNdjsonRecords } from '../../lab/ndjson-records';
import { DEFAULT_STEP_MS, replay } from '../../lab/replay';
import { renderReplay } from '../../lab/replay-table';
import { readPolicyFile } from '../../lib/policy-file';
import { DEFAULT_SCENARIO_OPTIONS, generateScenario, SCENARIOS } from '../../scenarios';

/** "60s", "5m", "1h" or plain seconds, as milliseconds. */
export const parseDuration = (value: string): number => {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (match === null) throw new InvalidArgumentError('expected a duration such as 60s, 5m or 1h');
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Number(match[1]) * unit;
  if (ms < 1_000) throw new InvalidArgumentError('expected at least 1s');
  return ms;
};

const positiveNumber = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a number > 0');
  return parsed;
};

/** The daily budget `npm start` gives a scenario: $5,000 at scale 1, scaled with the traffic. */
export const SCENARIO_BUDGET_AT_SCALE_1 = 5_000;

interface ReplayCommandOptions {
  file?: string;
  scenario?: string;
  day?: string;
  scale?: number;
  seed?: number;
  policy?: string;
  budget?: number;
  consumer: 'none' | 'chatbot';
  delay?: number;
  step: number;
  json?: boolean;
}

/** `ccb replay`: the breaker's own code over a day of events in event time, in process, no stack. */
export const registerReplay = (program: Command): void => {
  program
    .command('replay')
    .description(
      'replay events through the breaker in event time, in process: when each rung is crossed, what it does and says',
    )
    .addOption(new Option('--file <path>', 'NDJSON file of cost events').conflicts('scenario'))
    .addOption(new Option('--scenario <name>', 'built-in scenario').choices(Object.keys(SCENARIOS)))
    .option('--day <YYYY-MM-DD>', `UTC day of the scenario (default: ${DEFAULT_SCENARIO_OPTIONS.day})`)
    .option('--scale <x>', `scenario scale (default: ${DEFAULT_SCENARIO_OPTIONS.scale})`, positiveNumber)
    .option('--seed <n>', 'scenario seed', (v) => Number.parseInt(v, 10))
    .option('--policy <file>', 'policy (schemas/policy.v1.json); default: the default policy')
    .option(
      '--budget <usd>',
      `daily budget of the default policy (default: $${SCENARIO_BUDGET_AT_SCALE_1} x scale for a scenario, $${SCENARIO_BUDGET_AT_SCALE_1} for a file)`,
      positiveNumber,
    )
    .addOption(
      new Option('--consumer <kind>', 'none: the events as given; chatbot: the chatbot obeys the flags')
        .choices(['none', 'chatbot'])
        .default('none'),
    )
    .option('--delay <duration>', 'chatbot only: flag propagation delay (default 6.4s)', parseDuration)
    .option('--step <duration>', 'event time between evaluations at most', parseDuration, DEFAULT_STEP_MS)
    .option('--json', 'machine-readable output')
    .action(async (options: ReplayCommandOptions) => {
      if (!options.file && !options.scenario)
        throw new Error('replay needs --file <path> or --scenario <name>');
      if (options.policy !== undefined && options.budget !== undefined)
        throw new Error('--budget sets the default policy; with --policy, the policy says the budget');
      if (options.consumer === 'chatbot' && options.file)
        throw new Error('--consumer chatbot replays a built-in scenario (its traffic depends on the flags)');
      const scenario = {
        day: options.day ?? DEFAULT_SCENARIO_OPTIONS.day,
        scale: options.scale ?? DEFAULT_SCENARIO_OPTIONS.scale,
        seed: options.seed ?? DEFAULT_SCENARIO_OPTIONS.seed,
      };
      const policy =
        options.policy === undefined
          ? defaultPolicy(
              options.budget ??
                (options.file ? SCENARIO_BUDGET_AT_SCALE_1 : SCENARIO_BUDGET_AT_SCALE_1 * scenario.scale),
            )
          : await readPolicyFile(options.policy);
      const settings = { policy, stepMs: options.step };
      const report =
        options.consumer === 'chatbot'
          ? await replayClosedLoop(options.scenario ?? '', scenario, {
              ...settings,
              ...(options.delay === undefined ? {} : { delayMs: options.delay }),
            })
          : await replay(
              options.file
                ? readNdjsonRecords(options.file)
                : generateScenario(options.scenario ?? '', scenario),
              settings,
            );
      console.log(options.json ? JSON.stringify(report, null, 2) : renderReplay(report));
    });
};
