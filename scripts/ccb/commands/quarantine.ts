import type { Command } from 'commander';
import { summarizeQuarantine } from '../../lib/readers/dynamodb-quarantine-reader';
import { openStage } from '../../lib/stage';
import { renderTable } from '../../lib/table';

export const registerQuarantine = (program: Command): void => {
  program
    .command('quarantine')
    .description('records that were not counted, by reason, with samples')
    .option('--samples <n>', 'samples per reason', '3')
    .option('--stage <stage>', 'local, or a deployed stage', 'local')
    .option('--json', 'machine-readable output')
    .action(async (options: { samples: string; stage: string; json?: boolean }) => {
      const context = await openStage(options.stage);
      const summary = await summarizeQuarantine(
        context.dynamodb,
        context.resources.quarantineTable,
        Number.parseInt(options.samples, 10),
      );
      if (options.json) {
        console.log(JSON.stringify(summary, null, 2));
        return;
      }
      console.log(`${summary.total} quarantined record(s)`);
      if (summary.total === 0) return;
      console.log(
        renderTable(
          ['reason', 'count'],
          summary.by_reason.map((g) => [g.reason, g.count]),
        ),
      );
      for (const group of summary.by_reason) {
        for (const s of group.samples) {
          console.log(
            `  ${group.reason}: ${s.detail} [${s.shard_id} ${s.sequence_number}] ${JSON.stringify(s.payload_preview)}`,
          );
        }
      }
    });
};
