import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { utcDay } from '../../functions/core/time';

/** What a quarantined item holds that places it in a day (see DynamoDbQuarantineStore). */
export interface QuarantineItem {
  reason: string;
  arrived_at: number;
  /** The first bytes of the rejected payload, base64. */
  payload_base64: string;
}

export interface QuarantineView {
  day: string;
  total: number;
  by_reason: { reason: string; count: number; by_event_time: number }[];
  /** Records of other days in the table. */
  other_days: number;
}

const eventTimeOf = (item: QuarantineItem): number | null => {
  try {
    const event: unknown = JSON.parse(Buffer.from(item.payload_base64, 'base64').toString('utf8'));
    if (typeof event !== 'object' || event === null) return null;
    const { occurred_at: v2, timestamp: v1 } = event as { occurred_at?: unknown; timestamp?: unknown };
    // v2 stamps epoch milliseconds, v1 an ISO string; a value out of Date's range is no event time.
    const ms = typeof v2 === 'number' ? v2 : typeof v1 === 'string' ? Date.parse(v1) : Number.NaN;
    return Number.isFinite(ms) && !Number.isNaN(new Date(ms).getTime()) ? ms : null;
  } catch {
    return null;
  }
};

/**
 * The day a rejected record counts against: its event's own time when the payload still says it (a
 * replayed day's rejects sit on that day), else the day it arrived (garbage has no event time).
 */
export const quarantineDay = (item: QuarantineItem): { day: string; byEventTime: boolean } => {
  const eventTime = eventTimeOf(item);
  return eventTime === null
    ? { day: utcDay(item.arrived_at), byEventTime: false }
    : { day: utcDay(eventTime), byEventTime: true };
};

export const quarantineView = (items: readonly QuarantineItem[], day: string): QuarantineView => {
  const groups = new Map<string, { count: number; by_event_time: number }>();
  let total = 0;
  for (const item of items) {
    const placed = quarantineDay(item);
    if (placed.day !== day) continue;
    total += 1;
    const group = groups.get(item.reason) ?? { count: 0, by_event_time: 0 };
    group.count += 1;
    if (placed.byEventTime) group.by_event_time += 1;
    groups.set(item.reason, group);
  }
  const byReason = [...groups.entries()]
    .map(([reason, g]) => ({ reason, ...g }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return { day, total, by_reason: byReason, other_days: items.length - total };
};

/** The quarantine table holds only rejects, few while producers are healthy: one scan reads them all. */
export const readQuarantineItems = async (
  client: DynamoDBDocumentClient,
  tableName: string,
): Promise<QuarantineItem[]> => {
  const items: QuarantineItem[] = [];
  const pages = paginateScan(
    { client },
    {
      TableName: tableName,
      ProjectionExpression: '#reason, arrived_at, payload_base64',
      ExpressionAttributeNames: { '#reason': 'reason' },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? [])
      items.push({
        reason: String(item.reason),
        arrived_at: Number(item.arrived_at),
        payload_base64: String(item.payload_base64 ?? ''),
      });
  }
  return items;
};
