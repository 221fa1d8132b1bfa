import { type Command, InvalidArgumentError } from 'commander';
import { readStackState } from '../../lib/stack-context';
import { DrainTimeoutError, drain } from '../../local/drain';

export { drain } from '../../local/drain';

const positiveSeconds = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidArgumentError('expected a positive number of seconds');
  return parsed;
};

export const registerDrain = (program: Command): void => {
  program
    .command('drain')
    .description('wait until every record put to the local stream so far has been processed')
    .option('--timeout <seconds>', 'give up after this long (exit code 1)', positiveSeconds, 120)
    .option('--json', 'machine-readable output')
    .action(async (options: { timeout: number; json?: boolean }) => {
      const state = await readStackState();
      try {
        const result = await drain(state, { timeoutSeconds: options.timeout });
        console.log(
          options.json
            ? JSON.stringify({ drained: true, ...result }, null, 2)
            : `drained in ${(result.elapsedMs / 1000).toFixed(1)} s (${result.shards.length} shards)`,
        );
      } catch (error) {
        if (!(options.json && error instanceof DrainTimeoutError)) throw error;
        console.log(
          JSON.stringify({ drained: false, error: error.message, pending: error.pending }, null, 2),
        );
        process.exitCode = 1;
      }
    });
};
