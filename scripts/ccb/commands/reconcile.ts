import type { Command } from 'commander';
import { formatUsd } from '../../../functions/core/money';
import type { ReconcileOutcome } from '../../../functions/core/reconciliation/reconcile-day';
import { darkSpendOf, runReconcile } from '../../lib/reconcile-stage';
import { renderTable } from '../../lib/table';

export const renderReconcile = (outcome: ReconcileOutcome): string => {
  const { report } = outcome;
  if (report.rows.length === 0) return `Nothing counted or metered on ${report.day}.`;
  const darkSpend = darkSpendOf(outcome);
  const table = renderTable(
    [
      'hour',
      'model',
      'counted in',
      'provider in',
      'counted out',
      'provider out',
      'drift',
      'status',
      'dark spend',
    ],
    report.rows.map((r) => {
      const dark = darkSpend(r);
      return [
        `${String(r.hour).padStart(2, '0')}:00`,
        r.model,
        r.counted_input_tokens,
        r.provider_input_tokens,
        r.counted_output_tokens,
        r.provider_output_tokens,
        `${r.drift_pct}%`,
        r.status,
        dark === null ? '' : `$${formatUsd(dark, 4)}`,
      ];
    }),
  );
  const drifting = report.rows.filter((r) => r.status === 'drift').length;
  return `Reconciliation of ${report.day} against AWS/Bedrock\n${table}\n${drifting} drifting model-hour(s); ${outcome.raised.length} raised now`;
};

const number = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${value}`);
  return n;
};

export const registerReconcile = (program: Command): void => {
  program
    .command('reconcile')
    .description("counted tokens per UTC hour and base model against Bedrock's own CloudWatch metrics")
    .requiredOption('--day <YYYY-MM-DD>', 'UTC day')
    .option('--stage <stage>', 'local, or a deployed stage', 'local')
    .option('--share <x>', 'drift share of the provider figure that alarms', number)
    .option('--min-tokens <n>', 'smallest difference in tokens that alarms', number)
    .option('--json', 'machine-readable output')
    .action(
      async (options: { day: string; stage: string; share?: number; minTokens?: number; json?: boolean }) => {
        const outcome = await runReconcile(options.day, {
          stage: options.stage,
          ...(options.share === undefined ? {} : { driftShare: options.share }),
          ...(options.minTokens === undefined ? {} : { minDriftTokens: options.minTokens }),
        });
        console.log(options.json ? JSON.stringify(outcome.report, null, 2) : renderReconcile(outcome));
      },
    );
};
