import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BaselineStore, HourBaseline } from '../../core/analytics/ports';

/** The partition of the spend table holding one baseline item per hour of the day (sk `00`..`23`). */
export const BASELINE_PK = 'BASELINE';

export const baselineSortKey = (hour: number): string => String(hour).padStart(2, '0');

/** Reads a stored baseline item back; undefined when it is missing or not of this shape. */
export const toHourBaseline = (item: Record<string, unknown> | undefined): HourBaseline | undefined => {
  if (item === undefined) return undefined;
  const numbers = ['hour', 'avg_7d_nano', 'days_7d', 'avg_28d_nano', 'days_28d'] as const;
  if (!numbers.every((field) => Number.isSafeInteger(Number(item[field])))) return undefined;
  if (typeof item.for_day !== 'string' || typeof item.computed_at !== 'string') return undefined;
  return {
    hour: Number(item.hour),
    for_day: item.for_day,
    avg_7d_nano: Number(item.avg_7d_nano),
    days_7d: Number(item.days_7d),
    avg_28d_nano: Number(item.avg_28d_nano),
    days_28d: Number(item.days_28d),
    computed_at: item.computed_at,
  };
};

/**
 * Stores the baselines where the velocity check reads them: one item per hour in the spend table
 * (pk `BASELINE`, sk `HH`), replaced whole on every run. A put per item, not BatchWriteItem, so the role
 * needs only PutItem on that partition.
 */
export class DynamoDbBaselineStore implements BaselineStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(baselines: readonly HourBaseline[]): Promise<void> {
    await Promise.all(
      baselines.map((baseline) =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: BASELINE_PK, sk: baselineSortKey(baseline.hour), ...baseline },
          }),
        ),
      ),
    );
  }
}
