import type { Command } from 'commander';
import { summarizeQuarantine } from '../../../functions/adapters/dynamodb/dynamodb-quarantine-reader';
import { DynamoDbSpendReader } from '../../../functions/adapters/dynamodb/dynamodb-spend-reader';
import { formatUsd } from '../../../functions/core/money';
import { breakDownSpend, type HourlySpendRow } from '../../../functions/core/reporting/spend-breakdown';
import { localDynamoDbClient, localKinesisClient } from '../../lib/local-clients';
import { renderTable } from '../../lib/table';
import { drain } from '../../local/drain';
import { startStack } from '../../local/stack';
import { DEFAULT_SCENARIO_OPTIONS, generateScenario } from '../../scenarios';
import { expectedTotals } from '../../scenarios/expected-totals';
import { produceEvents } from './produce';

interface DemoOptions {
  scenario: string;
  day: string;
  scale: string;
  seed: string;
  check?: boolean;
}

export class DemoCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoCheckError';
  }
}

const shortModel = (modelId: string): string =>
  modelId.replace(/^anthropic\.claude-/, 'claude-').replace(/-\d{8}.*$/, '');

const bar = (value: number, max: number, width = 30): string =>
  max === 0 ? '' : '#'.repeat(Math.round((value / max) * width));

const hourlyTable = (rows: readonly HourlySpendRow[], day: string): string => {
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

const intentModelTable = (rows: readonly HourlySpendRow[], totalNano: number): string => {
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

/**
 * `npm start`: boots the local stack, replays a scenario day through it and prints the spend it stored,
 * next to what the scenario says it must be. Replaying again changes nothing: the events are the same.
 */
export const registerDemo = (program: Command): void => {
  program
    .command('demo')
    .description('start the local stack, replay a built-in day, print hourly spend by intent and model')
    .option('--scenario <name>', 'built-in scenario', 'default-day')
    .option('--day <YYYY-MM-DD>', 'UTC day to replay', DEFAULT_SCENARIO_OPTIONS.day)
    .option('--scale <x>', 'share of the seed 001 A4 volumes', String(DEFAULT_SCENARIO_OPTIONS.scale))
    .option('--seed <n>', 'scenario seed', String(DEFAULT_SCENARIO_OPTIONS.seed))
    .option('--check', 'exit non-zero unless stored spend equals the scenario exactly')
    .action(async (options: DemoOptions) => {
      const scenarioOptions = { day: options.day, scale: Number(options.scale), seed: Number(options.seed) };
      const lines = [...generateScenario(options.scenario, scenarioOptions)];
      const expected = expectedTotals(lines);

      console.log('Cost Circuit Breaker: local demo\n');
      const up = await startStack();
      const { state } = up;
      console.log(
        `1/4 local stack ${up.started ? `started in ${(up.elapsedMs / 1000).toFixed(1)} s` : 'already running'}` +
          ` (Kinesis ${state.endpoints.kinesis}, DynamoDB ${state.endpoints.dynamodb})`,
      );

      console.log(
        `2/4 replaying ${options.scenario} for ${options.day}: ${lines.length.toLocaleString('en-US')} lines`,
      );
      const kinesis = localKinesisClient(state);
      let lastReport = 0;
      const produced = await produceEvents(lines, {
        kinesis,
        streamName: state.streamName,
        onProgress: (p) => {
          const done = p.events;
          if (done - lastReport >= 2_000 || done === lines.length) {
            lastReport = done;
            process.stderr.write(
              `    ${done.toLocaleString('en-US')}/${lines.length.toLocaleString('en-US')} put\n`,
            );
          }
        },
      }).finally(() => kinesis.destroy());
      console.log(
        `    sent ${produced.events} events in ${produced.sent} gzip records in ${(produced.elapsedMs / 1000).toFixed(1)} s, rejected ${produced.rejected}`,
      );

      const drained = await drain(state, { timeoutSeconds: 150 });
      console.log(`3/4 every record processed ${(drained.elapsedMs / 1000).toFixed(1)} s after the last put`);

      const dynamodb = localDynamoDbClient(state);
      const reader = new DynamoDbSpendReader(dynamodb, state.spendTable);
      const [rows, total, quarantine] = await Promise.all([
        reader.hourly(options.day),
        reader.dayTotal(options.day),
        summarizeQuarantine(dynamodb, state.quarantineTable, 1),
      ]);
      dynamodb.destroy();

      console.log(`4/4 spend on ${options.day} (UTC), from the hourly aggregates in DynamoDB\n`);
      console.log(hourlyTable(rows, options.day));
      console.log(`\nBy intent and model\n${intentModelTable(rows, total.cost_nano)}`);
      console.log(
        `\nDay total: $${formatUsd(total.cost_nano, 4)} over ${total.events.toLocaleString('en-US')} events`,
      );
      const duplicates = lines.length - expected.events - quarantine.total;
      console.log(
        `Scenario says: $${formatUsd(expected.costNano, 4)} over ${expected.events.toLocaleString('en-US')} distinct valid events` +
          ` (${lines.length - expected.events} lines were duplicates or poison)`,
      );
      console.log(
        `Quarantined: ${quarantine.total} (${quarantine.by_reason.map((g) => `${g.reason} ${g.count}`).join(', ') || 'none'})` +
          (duplicates >= 0 ? '' : '; includes records from earlier runs'),
      );
      const exact = total.cost_nano === expected.costNano && total.events === expected.events;
      console.log(
        exact
          ? 'Stored spend equals the scenario exactly: nothing lost, nothing counted twice.'
          : 'Stored spend differs from this scenario: the day also holds events from other runs or files.',
      );
      console.log(
        '\nThe stack keeps running: try `npx ccb spend --day 2025-03-15 --by model`, `npx ccb local down` to stop.',
      );
      if (options.check && !exact) {
        throw new DemoCheckError(
          `stored $${formatUsd(total.cost_nano, 9)} / ${total.events} events, expected $${formatUsd(expected.costNano, 9)} / ${expected.events}`,
        );
      }
    });
};
