import { DynamoDbSpendReader } from '../../functions/adapters/dynamodb/dynamodb-spend-reader';
import { formatUsd } from '../../functions/core/money';
import { breakDownSpend } from '../../functions/core/reporting/spend-breakdown';
import { renderReconcile } from '../ccb/commands/reconcile';
import { localCloudWatchClient, localDynamoDbClient, localKinesisClient } from '../lib/local-clients';
import { produceEvents } from '../lib/produce-events';
import { summarizeQuarantine } from '../lib/readers/dynamodb-quarantine-reader';
import { readAlerts } from '../lib/readers/published-alerts';
import { runReconcile } from '../lib/reconcile-stage';
import { renderTable } from '../lib/table';
import { drain } from '../local/drain';
import { startStack, stopStack } from '../local/stack';
import { generateScenario, unreportedCalls } from '../scenarios';
import { expectedTotals } from '../scenarios/expected-totals';
import { asSubscriptionRecords } from '../scenarios/invocation-logs';
import { meteredUsage, publishMetered } from '../scenarios/provider-truth';

export interface DarkSpendDemoOptions {
  day: string;
  scale: number;
  seed: number;
  keep?: boolean;
}

/**
 * `ccb demo --scenario dark-spend`: a fresh stack that counts Bedrock's invocation logs (no producer
 * code), a day of calls delivered as CloudWatch Logs subscription records, then Bedrock's own metrics
 * published to the local CloudWatch, including a batch job that never logged a cost event, and
 * `ccb reconcile` finding it. Returns whether stored spend equals the calls exactly.
 */
export const runDarkSpendDemo = async (options: DarkSpendDemoOptions): Promise<boolean> => {
  const scenario = { day: options.day, scale: options.scale, seed: options.seed };
  console.log('Cost Circuit Breaker: dark spend demo (invocation logs and reconciliation)\n');
  if (!options.keep) await stopStack({ purge: true });
  const up = await startStack({ shards: 2, spendSource: 'invocation-logs', checkIntervalMs: 0 });
  const { state } = up;
  console.log(
    `1/4 local stack ${up.started ? `started in ${(up.elapsedMs / 1000).toFixed(1)} s` : 'already running'}, counting spend from Bedrock invocation logs`,
  );

  const lines = [...generateScenario('dark-spend', scenario)];
  const started = Date.now();
  const kinesis = localKinesisClient(state);
  const sent = await produceEvents(asSubscriptionRecords(lines, { redeliverEvery: 20 }), {
    kinesis,
    streamName: state.streamName,
    pack: false,
  }).finally(() => kinesis.destroy());
  await drain(state, { timeoutSeconds: 150 });
  console.log(
    `2/4 ${lines.length.toLocaleString('en-US')} calls of ${options.day} as invocation logs: ${sent.sent} subscription records` +
      ` (a control message, every 20th envelope delivered twice on another key), processed in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  const dynamodb = localDynamoDbClient(state);
  const rows = await new DynamoDbSpendReader(dynamodb, state.spendTable).hourly(options.day);
  const quarantine = await summarizeQuarantine(dynamodb, state.quarantineTable, 1);
  dynamodb.destroy();
  const byIntent = breakDownSpend(options.day, rows, 'intent');
  const expected = expectedTotals(lines);
  console.log(`\n3/4 spend on ${options.day} by intent, from requestMetadata (no producer code)\n`);
  console.log(
    renderTable(
      ['intent', 'cost_usd', 'calls'],
      byIntent.rows.map((r) => [String(r.key), formatUsd(r.cost_nano, 4), r.events]),
    ),
  );
  const exact = byIntent.total_nano === expected.costNano && byIntent.events === expected.events;
  console.log(
    `Total $${formatUsd(byIntent.total_nano, 9)} over ${byIntent.events} calls; the calls: $${formatUsd(expected.costNano, 9)} over ${expected.events}` +
      ` (${exact ? 'exact to the nano-dollar' : 'DIFFERENT'}); re-deliveries counted once; quarantined: ` +
      `${quarantine.by_reason.map((g) => `${g.reason} ${g.count}`).join(', ') || 'none'}`,
  );

  const metered = meteredUsage(lines, unreportedCalls('dark-spend', scenario));
  const cloudwatch = localCloudWatchClient(state);
  const datapoints = await publishMetered(cloudwatch, metered).finally(() => cloudwatch.destroy());
  console.log(
    `\n4/4 Bedrock's own count: ${datapoints} AWS/Bedrock datapoints in the local CloudWatch, including a batch job` +
      ' calling Sonnet from 10:00 to 12:00 that logged no cost event anywhere we read\n',
  );
  const outcome = await runReconcile(options.day);
  const drifting = {
    ...outcome,
    report: { ...outcome.report, rows: outcome.report.rows.filter((r) => r.status !== 'ok') },
  };
  console.log(renderReconcile(drifting));
  console.log(
    `(${outcome.report.rows.length - drifting.report.rows.length} other model-hours reconcile within 5%)`,
  );
  const alerts = (await readAlerts(state.home ?? '', state.alertsTopicArn)).filter(
    (a) => a.check === 'reconciliation',
  );
  console.log(`\nFinOps received ${alerts.length} reconciliation alert(s):`);
  for (const alert of alerts) console.log(`  ${alert.subject}`);
  console.log(`\nTry: npx ccb reconcile --day ${options.day} --json; npx ccb local down to stop.`);
  return exact;
};
