import type { Command } from 'commander';
import { DynamoDbLedgerReader } from '../../../functions/adapters/dynamodb/dynamodb-ledger-reader';
import type { LedgerEntry } from '../../../functions/core/breaker/ledger';
import { openStage, type StageContext } from '../../lib/stage';
import { renderTable } from '../../lib/table';

/** The ledger oldest first, or only its last `limit` entries: what `ccb audit` prints. */
export const readAudit = async (context: StageContext, limit?: number): Promise<LedgerEntry[]> => {
  const all = await new DynamoDbLedgerReader(context.dynamodb, context.resources.ledgerTable).entries();
  return limit === undefined ? all : all.slice(-limit);
};

const flagChanges = (entry: LedgerEntry): string => {
  if (entry.flags_before === undefined || entry.flags_after === undefined) return '';
  const before = entry.flags_before as unknown as Record<string, unknown>;
  return Object.entries(entry.flags_after)
    .filter(([name, value]) => before[name] !== value && name !== 'breaker_mode')
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(' ');
};

export const renderAudit = (entries: LedgerEntry[]): string =>
  entries.length === 0
    ? 'The ledger is empty.'
    : renderTable(
        ['recorded at', 'kind', 'mode', 'flags changed', 'actor', 'trigger', 'reason'],
        entries.map((e) => [
          e.recorded_at,
          e.kind,
          e.from_mode === undefined
            ? ''
            : e.from_mode === e.to_mode
              ? `(${e.from_mode})`
              : `${e.from_mode} -> ${e.to_mode}`,
          flagChanges(e),
          e.actor,
          e.trigger === undefined
            ? ''
            : `${e.trigger.check} ${e.trigger.value}/${e.trigger.threshold} @${e.trigger.event_time}`,
          e.reason.length > 60 ? `${e.reason.slice(0, 57)}...` : e.reason,
        ]),
      );

export const registerAudit = (program: Command): void => {
  program
    .command('audit')
    .description('the immutable ledger of breaker transitions, overrides and failures, oldest first')
    .option('--limit <n>', 'only the last n entries')
    .option('--stage <stage>', 'local, or a deployed stage', 'local')
    .option('--json', 'machine-readable output')
    .action(async (options: { limit?: string; stage: string; json?: boolean }) => {
      const limit = options.limit === undefined ? undefined : Number.parseInt(options.limit, 10);
      const entries = await readAudit(await openStage(options.stage), limit);
      console.log(options.json ? JSON.stringify({ entries }, null, 2) : renderAudit(entries));
    });
};
