import type { CostEventV2 } from '../../functions/core/events/cost-event';
import type { ScenarioLine } from '../scenarios';
import { dataMessageRecord, toInvocationLog } from '../scenarios/invocation-logs';
import { shardFor, type TimedRecord } from './stream-records';

const asV2 = (line: ScenarioLine): CostEventV2 | undefined =>
  typeof line === 'object' && line !== null && 'schema_version' in line && 'event_id' in line
    ? (line as CostEventV2)
    : undefined;

/**
 * The scenario's v2 calls as CloudWatch Logs would deliver their invocation logs: envelopes of
 * `perEnvelope` log events, on shards CloudWatch picks (a random-looking key per envelope), and every
 * `redeliverEvery`-th envelope delivered a second time on the shard of another key, right after.
 * Returns the records and the number of distinct calls in them.
 */
export const toSubscriptionRecords = (
  lines: readonly ScenarioLine[],
  shards: number,
  perEnvelope: number,
  redeliverEvery: number,
): { records: TimedRecord[]; calls: number } => {
  const calls = new Map<string, CostEventV2>();
  for (const line of lines) {
    const call = asV2(line);
    if (call !== undefined) calls.set(call.event_id, call);
  }
  const ordered = [...calls.values()].sort((a, b) => a.occurred_at - b.occurred_at);
  const next = new Map<string, bigint>();
  const records: TimedRecord[] = [];
  const put = (data: Uint8Array, key: string, at: number) => {
    const shardId = shardFor(key, shards);
    const sequence = (next.get(shardId) ?? 49_000_000_000_000_000_000n) + 1n;
    next.set(shardId, sequence);
    records.push({ shardId, sequenceNumber: String(sequence), partitionKey: key, arrivedAt: at, at, data });
  };
  for (let i = 0; i < ordered.length; i += perEnvelope) {
    const group = ordered.slice(i, i + perEnvelope);
    const at = (group[group.length - 1] as CostEventV2).occurred_at;
    const data = dataMessageRecord(
      group.map((c) => JSON.stringify(toInvocationLog(c))),
      at,
    );
    put(data, `envelope-${i}`, at);
    if ((i / perEnvelope) % redeliverEvery === redeliverEvery - 1) put(data, `redelivery-${i}`, at);
  }
  return { records, calls: calls.size };
};
