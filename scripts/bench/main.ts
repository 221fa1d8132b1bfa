import { Command } from 'commander';
import { readPolicyFile } from '../lib/policy-file';
import { generateScenario } from '../scenarios';
import { measureCoreThroughput } from './core-throughput';
import { measureDetectionLatency } from './detection-latency';
import { measureEndToEnd } from './end-to-end';
import { incidentTable, measureIncidents, PEERS } from './incidents';
import { toSubscriptionRecords } from './invocation-log-records';
import { type TimedRecord, toBatches, toPackedStreamRecords, toStreamRecords } from './stream-records';
import { measureWriteAmplification, type WriteAmplification } from './write-amplification';

// List prices, us-east-1 (on-demand), used to turn measured operation counts into dollars.
const PRICE = {
  dynamoDbWriteUnit: 0.625 / 1e6,
  dynamoDbReadUnit: 0.125 / 1e6,
  kinesisPutPayloadUnit: 0.014 / 1e6,
  lambdaRequest: 0.2 / 1e6,
};

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// A record is billed one PUT payload unit per 25 KB: one per single-event record; a packed record of
// 500 events is ~25 KB gzip-compressed, so about one unit per 500 events.
const costPerMillionEvents = (w: WriteAmplification): number =>
  1e6 *
  (w.writeUnitsPerEvent * PRICE.dynamoDbWriteUnit +
    w.readUnitsPerEvent * PRICE.dynamoDbReadUnit +
    (PRICE.kinesisPutPayloadUnit * w.recordsPerBatch) / w.eventsPerBatch +
    PRICE.lambdaRequest / w.eventsPerBatch);

// We run Node 20 on purpose (docs/decisions.md); the SDK's notice about Node 22 would clutter the report.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = new Command('bench')
  .option('--scale <x>', 'share of the A4 day for the core and write benchmarks', '1')
  .option('--e2e-scale <x>', 'share of the A4 day pushed through the local stack', '0.1')
  .option('--shards <n>', 'shards for the end-to-end run (2, as deployed)', '2')
  .option('--skip-e2e', 'skip the local-stack run')
  .option('--crossings <n>', 'threshold crossings timed for the detection latency', '40')
  .option('--skip-latency', 'skip the detection-latency run')
  .option('--only-latency', 'run only the detection-latency part')
  .option('--only-incidents', 'run only the incident benchmark (ccb replay, in process)')
  .option('--skip-incidents', 'skip the incident benchmark')
  .option('--incident-scale <x>', 'share of the A4 day for the incident benchmark (as `npm start`)', '0.02')
  .option(
    '--policy <file...>',
    'candidate policies (policy.v1 files) for the incident table, each judged at its cap beside the default',
  )
  .parse();
const options = program.opts<{
  scale: string;
  e2eScale: string;
  shards: string;
  skipE2e?: boolean;
  crossings: string;
  skipLatency?: boolean;
  onlyLatency?: boolean;
  onlyIncidents?: boolean;
  skipIncidents?: boolean;
  incidentScale: string;
  policy?: string[];
}>();

const incidents = async () => {
  const scale = Number(options.incidentScale);
  // The cap `npm start` gives a scenario: $5,000 a day at scale 1.
  const capUsd = 5_000 * scale;
  console.log(
    `## Incident benchmark: each incident with the chatbot consumer, ccb's default policy (ccb replay) against the peers' hard stops (scale ${scale}, cap $${capUsd}/day)`,
  );
  const started = performance.now();
  const candidates = await Promise.all(
    (options.policy ?? []).map(async (file) => {
      const policy = await readPolicyFile(file);
      return { label: `ccb ${policy.name}`, policy };
    }),
  );
  const rows = await measureIncidents({ day: '2025-03-15', scale, seed: 1 }, capUsd, candidates);
  console.log(incidentTable(rows, capUsd));
  console.log(
    `peers modelled as a hard stop at 100% of the cap after: ${PEERS.map((p) => `${p.name} ${fmt(p.lagMs / 1_000)} s (${p.documented})`).join('; ')}`,
  );
  console.log(`(${((performance.now() - started) / 1_000).toFixed(1)} s)\n`);
};

if (options.onlyIncidents) {
  await incidents();
  process.exit(0);
}

const latency = async () => {
  console.log(
    '## Detection latency: put of the events that cross 70% of the cap -> flags set in SSM (local stack)',
  );
  const result = await measureDetectionLatency(Number(options.crossings), Number(options.shards));
  console.log(
    `${result.crossings} crossings, ${result.shards} shards, local batching window ${result.batchingWindowSeconds} s: p50 ${fmt(result.p50Ms)} ms, p99 ${fmt(result.p99Ms)} ms, max ${fmt(result.maxMs)} ms`,
  );
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const toExecution = median(result.toExecutionMs);
  console.log(
    `median split: ${fmt(toExecution)} ms from the put to the escalate execution's start (stream, batching window, checks), ${fmt(result.p50Ms - toExecution)} ms in the workflow until the flags are in SSM`,
  );
  console.log(`floor: p99 <= 2,000 ms -> ${result.p99Ms <= 2_000 ? 'met' : 'NOT met'}\n`);
};

if (options.onlyLatency) {
  await latency();
  process.exit(0);
}

const day = '2025-03-15';
const lines = [...generateScenario('default-day', { day, scale: Number(options.scale) })];
const encoder = new TextEncoder();
const encoded = lines.map((line) => encoder.encode(typeof line === 'string' ? line : JSON.stringify(line)));
console.log(
  `# npm run bench (default-day scenario, ${day}, scale ${options.scale}: ${fmt(lines.length)} lines)\n`,
);

console.log('## Aggregation core: parse + validate + price + fold, one core');
const core = measureCoreThroughput(encoded);
console.log(`fold (ours)          ${fmt(core.foldEventsPerSecond)} events/s`);
console.log(`per-event baseline   ${fmt(core.perEventEventsPerSecond)} events/s`);
console.log(
  `floor                200,000 events/s -> ${core.foldEventsPerSecond >= 200_000 ? 'met' : 'NOT met'}\n`,
);

console.log('## DynamoDB writes per event (the real ingest use case, 2 shards as deployed, batch size 1000)');
const single = toStreamRecords(lines, 2);
const packed = await toPackedStreamRecords(lines, 2);
const deliveries: [string, TimedRecord[], number | undefined][] = [
  ['replay / catch-up, one event per record', single, undefined],
  ['replay / catch-up, packed records (producer default)', packed, undefined],
  ['live, batching window 300 s', single, 300],
  ['live, batching window 60 s', single, 60],
  ['live, batching window 5 s', single, 5],
  // The shorter windows a 3 s put -> flag budget on AWS would need (docs/BENCHMARKS.md, latency budget).
  ['live, batching window 2 s', single, 2],
  ['live, batching window 1 s', single, 1],
];
console.log(
  '| delivery | events/batch | spend writes/event | claims log writes/event | session writes/event | all writes/event | log bytes/event | WRU/event | RRU/event | per-event baseline (spend / all) | $ per M events |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const amplification: WriteAmplification[] = [];
for (const [label, records, window] of deliveries) {
  const w = await measureWriteAmplification(toBatches(records, 1_000, window));
  amplification.push(w);
  console.log(
    `| ${label} | ${fmt(w.eventsPerBatch)} | ${fmt(w.spendWritesPerEvent, 4)} | ${fmt(w.logWritesPerEvent, 4)} | ${fmt(w.sessionWritesPerEvent, 4)} | ${fmt(w.allWritesPerEvent, 3)} | ${fmt(w.logBytesPerEvent, 1)} | ${fmt(w.writeUnitsPerEvent, 3)} | ${fmt(w.readUnitsPerEvent, 4)} | ${fmt(w.perEventBaseline.spendWritesPerEvent, 2)} / ${fmt(w.perEventBaseline.allWritesPerEvent, 2)} | ${fmt(costPerMillionEvents(w), 3)} |`,
  );
}
// The floors are judged on what `ccb produce` and the demo send: packed records, replayed.
const replay = amplification[1] as WriteAmplification;
console.log(
  `floor: spend writes/event <= 0.05 (packed replay) -> ${replay.spendWritesPerEvent <= 0.05 ? 'met' : 'NOT met'}`,
);
console.log(
  `floor: all writes/event <= 1.0 (packed replay) -> ${replay.allWritesPerEvent <= 1 ? 'met' : 'NOT met'}`,
);
console.log(
  `floor: variable cost <= $0.20 per M events (packed replay) -> ${costPerMillionEvents(replay) <= 0.2 ? 'met' : 'NOT met'}`,
);
console.log(
  '(cost = DynamoDB on-demand WRU x $0.625/M + strongly consistent RRU x $0.125/M + Kinesis PUT payload units x $0.014/M + Lambda requests x $0.20/M; Lambda duration not included)\n',
);

console.log(
  '## Invocation logs: cross-shard request claims (the same ingest, source invocation-logs, 2 shards, batch size 1000)',
);
console.log(
  '| delivery | log events/envelope | envelopes re-delivered | calls | request claim writes/call | all writes/call | WRU/call | $ per M calls | producer source, same window ($ per M events) |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const logDeliveries: [string, number, number | undefined, WriteAmplification][] = [
  ['replay / catch-up', 100, undefined, amplification[0] as WriteAmplification],
  ['live, batching window 5 s', 5, 5, amplification[4] as WriteAmplification],
];
for (const [label, perEnvelope, window, producer] of logDeliveries) {
  const { records, calls } = toSubscriptionRecords(lines, 2, perEnvelope, 20);
  const w = await measureWriteAmplification(toBatches(records, 1_000, window), 'invocation-logs');
  const perCall = w.events / calls;
  console.log(
    `| ${label} | ${perEnvelope} | 1 in 20 | ${fmt(calls)} | ${fmt(w.requestClaimWritesPerEvent * perCall, 3)} | ${fmt(w.allWritesPerEvent * perCall, 3)} | ${fmt(w.writeUnitsPerEvent * perCall, 3)} | ${fmt(costPerMillionEvents(w) * perCall, 3)} | ${fmt(costPerMillionEvents(producer), 3)} |`,
  );
}
console.log('(per call: every log event delivered, re-deliveries included, divided by the distinct calls)\n');

if (!options.skipE2e) {
  console.log(
    '## End to end on the local stack: producer -> kinesis-local -> event source -> handler -> DynamoDB Local',
  );
  // One event per record is ~10x slower through kinesis-local, so it runs on a fifth of the day.
  const runs: [boolean, number][] = [
    [true, Number(options.e2eScale)],
    [false, Number(options.e2eScale) / 5],
  ];
  for (const [packing, scale] of runs) {
    const e2eLines = [...generateScenario('default-day', { day, scale })];
    const e2e = await measureEndToEnd(e2eLines, Number(options.shards), packing);
    console.log(
      `${packing ? 'packed records (default)' : 'one event per record'}, scale ${scale}: ${fmt(e2e.events)} events in ${fmt(e2e.records)} records over ${e2e.shards} shards: put in ${fmt(e2e.putSeconds, 1)} s, all processed after ${fmt(e2e.totalSeconds, 1)} s, ${e2e.invocations} invocations -> ${fmt(e2e.eventsPerSecond)} events/s`,
    );
    if (packing)
      console.log(`floor: 1,000 events/s end to end -> ${e2e.eventsPerSecond >= 1_000 ? 'met' : 'NOT met'}`);
  }
}

if (!options.skipIncidents) await incidents();

if (!options.skipLatency) await latency();
