import type { Command } from 'commander';
import type { LedgerEntry } from '../../../functions/core/breaker/ledger';
import { readAudit } from '../../lib/readers/audit-trail';
import { readShadowEntries } from '../../lib/readers/shadow-ledger';
import { comparisonRows, eventTimeOf, liveChanges, summarize } from '../../lib/shadow-comparison';
import { openStage } from '../../lib/stage';
import { renderTable } from '../../lib/table';

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

const modeChange = (e: LedgerEntry): string =>
  e.from_mode === undefined
    ? ''
    : e.from_mode === e.to_mode
      ? `(${e.from_mode})`
      : `${e.from_mode} -> ${e.to_mode}`;

const summary = (label: string, entries: readonly LedgerEntry[]): string => {
  const s = summarize(entries);
  return `${label}: ${s.entries} entries, ${s.mode_changes} mode change(s), the first at ${s.first_change_at ?? 'never'}, highest mode ${s.highest_mode}`;
};

/**
 * A shadow policy's would-be transitions beside the live ledger's, in event time: what the candidate
 * would have done, and when, against what the breaker did.
 */
export const renderShadowComparison = (
  name: string,
  live: readonly LedgerEntry[],
  shadow: readonly LedgerEntry[],
): string => {
  const table = renderTable(
    ['event time', 'policy', 'mode', 'check', 'value/threshold'],
    comparisonRows(live, [{ name, entries: shadow }]).map(({ entry: e, source }) => [
      eventTimeOf(e),
      source,
      modeChange(e),
      e.trigger?.check ?? e.kind,
      e.trigger === undefined ? '' : `${e.trigger.value}/${e.trigger.threshold}`,
    ]),
  );
  return [
    shadow.length === 0 ? `No shadow entries for "${name}".` : table,
    summary('live', liveChanges(live)),
    summary(`shadow ${name}`, shadow),
  ].join('\n');
};

export const registerAudit = (program: Command): void => {
  program
    .command('audit')
    .description('the immutable ledger of breaker transitions, overrides and failures, oldest first')
    .option('--limit <n>', 'only the last n entries')
    .option('--shadow <name>', "a shadow policy's would-be transitions, beside the live ledger's")
    .option('--stage <stage>', 'local, or a deployed stage', 'local')
    .option('--json', 'machine-readable output')
    .action(async (options: { limit?: string; shadow?: string; stage: string; json?: boolean }) => {
      const context = await openStage(options.stage);
      if (options.shadow !== undefined) {
        const all = await readAudit(context);
        const shadow = await readShadowEntries(context, options.shadow);
        console.log(
          options.json
            ? JSON.stringify({ policy: options.shadow, shadow, live: all }, null, 2)
            : renderShadowComparison(options.shadow, all, shadow),
        );
        return;
      }
      const limit = options.limit === undefined ? undefined : Number.parseInt(options.limit, 10);
      const entries = await readAudit(context, limit);
      console.log(options.json ? JSON.stringify({ entries }, null, 2) : renderAudit(entries));
    });
};
