import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';

export interface QuarantineSample {
  shard_id: string;
  sequence_number: string;
  reason: string;
  detail: string;
  payload_bytes: number;
  payload_preview: string;
}

export interface QuarantineSummary {
  total: number;
  by_reason: { reason: string; count: number; samples: QuarantineSample[] }[];
}

/**
 * Scans the quarantine table: it holds only rejected records, which stay few while producers are
 * healthy, and an operator wants all of them, not one partition.
 */
export const summarizeQuarantine = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  samplesPerReason = 3,
): Promise<QuarantineSummary> => {
  const groups = new Map<string, { count: number; samples: QuarantineSample[] }>();
  let total = 0;
  for await (const page of paginateScan({ client }, { TableName: tableName })) {
    for (const item of page.Items ?? []) {
      total += 1;
      const reason = String(item.reason);
      const group = groups.get(reason) ?? { count: 0, samples: [] };
      group.count += 1;
      if (group.samples.length < samplesPerReason) {
        group.samples.push({
          shard_id: String(item.shard_id),
          sequence_number: String(item.sequence_number),
          reason,
          detail: String(item.detail),
          payload_bytes: Number(item.payload_bytes),
          payload_preview: Buffer.from(String(item.payload_base64), 'base64').toString('utf8').slice(0, 160),
        });
      }
      groups.set(reason, group);
    }
  }
  const byReason = [...groups.entries()]
    .map(([reason, g]) => ({ reason, count: g.count, samples: g.samples }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return { total, by_reason: byReason };
};
