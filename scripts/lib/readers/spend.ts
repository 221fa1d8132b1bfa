import { DynamoDbSpendReader } from '../../../functions/adapters/dynamodb/dynamodb-spend-reader';
import {
  type BreakdownDimension,
  breakDownSpend,
  type SpendBreakdown,
} from '../../../functions/core/reporting/spend-breakdown';
import { startOfUtcDay } from '../../../functions/core/time';
import { openStage, type StageContext } from '../stage';

/** A day's spend grouped by each of several dimensions, from one read of the hourly spend items. */
export const readSpendBy = async <const D extends readonly BreakdownDimension[]>(
  context: StageContext,
  day: string,
  dimensions: D,
): Promise<{ [K in keyof D]: SpendBreakdown }> => {
  startOfUtcDay(day);
  const rows = await new DynamoDbSpendReader(context.dynamodb, context.resources.spendTable).hourly(day);
  return dimensions.map((by) => breakDownSpend(day, rows, by)) as { [K in keyof D]: SpendBreakdown };
};

/** A day's spend grouped by one dimension, from the hourly spend items: what `ccb spend` prints. */
export const readSpendOf = async (
  context: StageContext,
  day: string,
  by: BreakdownDimension,
): Promise<SpendBreakdown> => {
  const [breakdown] = await readSpendBy(context, day, [by]);
  return breakdown;
};

export const readSpend = async (
  stage: string,
  day: string,
  by: BreakdownDimension,
): Promise<SpendBreakdown> => {
  startOfUtcDay(day);
  return readSpendOf(await openStage(stage), day, by);
};
