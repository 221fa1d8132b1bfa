import { type Command, Option } from 'commander';
import { formatUsd } from '../../../functions/core/money';
import {
  BREAKDOWN_DIMENSIONS,
  type BreakdownDimension,
  type SpendBreakdown,
  toSpendJson,
} from '../../../functions/core/reporting/spend-breakdown';
import { readSpend } from '../../lib/readers/spend';
import { renderTable } from '../../lib/table';

/** Exact spend as before; an `estimated_usd` column and line appear only when part of it is estimated. */
export const renderSpend = (breakdown: SpendBreakdown, by: BreakdownDimension): string => {
  const withEstimates = breakdown.estimated_nano > 0;
  const table = renderTable(
    [
      by,
      'cost_usd',
      ...(withEstimates ? ['estimated_usd'] : []),
      'share',
      'events',
      'input_tokens',
      'output_tokens',
    ],
    breakdown.rows.map((row) => [
      by === 'hour' ? `${String(row.key).padStart(2, '0')}:00` : String(row.key),
      formatUsd(row.cost_nano, 4),
      ...(withEstimates ? [row.estimated_cost_nano > 0 ? formatUsd(row.estimated_cost_nano, 4) : '-'] : []),
      breakdown.total_nano === 0 ? '-' : `${((100 * row.cost_nano) / breakdown.total_nano).toFixed(1)}%`,
      row.events,
      row.input_tokens,
      row.output_tokens,
    ]),
  );
  const total = `Total: $${formatUsd(breakdown.total_nano, 4)} over ${breakdown.events} events`;
  const estimate = withEstimates
    ? `\nof which estimated: $${formatUsd(breakdown.estimated_nano, 4)} (models or regions the price catalog does not know, counted at a ceiling; see \`ccb alerts\`)`
    : '';
  return `Spend on ${breakdown.day} by ${by}\n${table}\n${total}${estimate}`;
};

export const registerSpend = (program: Command): void => {
  program
    .command('spend')
    .description('spend of one UTC day, from the hourly spend items')
    .requiredOption('--day <YYYY-MM-DD>', 'UTC day')
    .addOption(
      new Option('--by <dimension>', 'group rows by').choices(BREAKDOWN_DIMENSIONS).default('intent'),
    )
    .option('--stage <stage>', 'local, or a deployed stage', 'local')
    .option('--json', 'machine-readable output')
    .action(async (options: { day: string; by: BreakdownDimension; stage: string; json?: boolean }) => {
      const breakdown = await readSpend(options.stage, options.day, options.by);
      console.log(
        options.json
          ? JSON.stringify(toSpendJson(breakdown, options.by), null, 2)
          : renderSpend(breakdown, options.by),
      );
    });
};
