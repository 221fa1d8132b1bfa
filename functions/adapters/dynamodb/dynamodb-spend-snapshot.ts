import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { HourBaseline } from '../../core/analytics/ports';
import type { SpendSnapshot, SpendSnapshotSource } from '../../core/breaker/ports';
import { type Clock, quarterLabel, startOfUtcDay, utcDay, utcHour } from '../../core/time';
import { systemClock } from '../../shared/clock';
import { BASELINE_PK, baselineSortKey, toHourBaseline } from './dynamodb-baseline-store';

const DAY_MS = 86_400_000;

const quarterIndex = (label: string): number => {
  const [hours, minutes] = label.split(':').map(Number);
  return (hours ?? 0) * 4 + Math.floor((minutes ?? 0) / 15);
};

/** How long a read baseline item is reused: the baselines function rewrites it once an hour. */
const BASELINE_CACHE_MS = 60_000;

/**
 * What the checks read from the spend items: the day's total (one GetItem), its 15-minute buckets
 * (one Query), the same hour of earlier days (one Query per day, cached: the past does not change) and
 * the warehouse's stored baseline for the hour (one GetItem, reused for a minute).
 */
export class DynamoDbSpendSnapshotSource implements SpendSnapshotSource {
  private readonly history = new Map<string, number[] | null>();
  private readonly baselines = new Map<number, { readAt: number; baseline: HourBaseline | undefined }>();
  private readonly clock: Clock;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: { clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  async snapshot(day: string, atMs: number, historyDays: number): Promise<SpendSnapshot> {
    const [total, quarters, sameHourHistory, warehouseBaseline] = await Promise.all([
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: `DAY#${day}`, sk: 'TOTAL' },
          ConsistentRead: true,
        }),
      ),
      this.quarters(day),
      this.sameHour(day, utcHour(atMs), historyDays),
      this.storedBaseline(utcHour(atMs)),
    ]);
    return {
      day,
      spentNano: Number(total.Item?.cost_nano ?? 0),
      quarters: new Map(quarters.map(({ quarter, cost }) => [quarter, cost])),
      sameHourHistory,
      ...(warehouseBaseline !== undefined && { warehouseBaseline }),
    };
  }

  /** The baselines function's item for the hour (pk BASELINE, sk HH); undefined before it first ran. */
  private async storedBaseline(hour: number): Promise<HourBaseline | undefined> {
    const cached = this.baselines.get(hour);
    if (cached !== undefined && this.clock.now() - cached.readAt < BASELINE_CACHE_MS) return cached.baseline;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: BASELINE_PK, sk: baselineSortKey(hour) } }),
    );
    const baseline = toHourBaseline(Item);
    this.baselines.set(hour, { readAt: this.clock.now(), baseline });
    return baseline;
  }

  private async quarters(day: string, from = '00:00', to = '23:45') {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': `Q15#${day}`, ':from': from, ':to': to },
        ProjectionExpression: 'sk, cost_nano',
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => ({
      quarter: quarterIndex(String(item.sk)),
      cost: Number(item.cost_nano ?? 0),
    }));
  }

  /** One value per bucket of the hour on each earlier day that had spend in that hour. */
  private async sameHour(day: string, hour: number, historyDays: number): Promise<number[]> {
    // Uncached days are read concurrently: after each hour boundary the first batch waits for one
    // round trip, not one per earlier day.
    const days = await Promise.all(
      Array.from({ length: historyDays }, (_, i) =>
        this.sameHourOf(utcDay(startOfUtcDay(day) - (i + 1) * DAY_MS), hour),
      ),
    );
    return days.flatMap((values) => values ?? []);
  }

  private async sameHourOf(day: string, hour: number): Promise<number[] | null> {
    const key = `${day}|${hour}`;
    const cached = this.history.get(key);
    if (cached !== undefined) return cached;
    const found = await this.quarters(day, quarterLabel(hour * 4), quarterLabel(hour * 4 + 3));
    const values =
      found.length === 0
        ? null
        : [0, 1, 2, 3].map((q) => found.find((f) => f.quarter === hour * 4 + q)?.cost ?? 0);
    this.history.set(key, values);
    return values;
  }
}
