import type { Command } from 'commander';
import type { OverrideRequest } from '../../../functions/core/breaker/override';
import {
  type OverrideOptions,
  OverrideRejectedError,
  validOverrideRequest,
} from '../../lib/override-request';
import { readFlags } from '../../lib/readers/flags';
import { openStage } from '../../lib/stage';
import { startOverride } from '../../lib/start-override';
import { renderFlags } from './flags';

export const registerOverride = (program: Command): void => {
  program
    .command('override')
    .description(
      'set or clear breaker flags for a while through the override state machine (applied, audited, alerted, reverted after the TTL)',
    )
    .option(
      '--set <flag=value...>',
      'degradation_active, model_tier_floor, suspend_scale_in, cost_circuit_breaker_enabled',
    )
    .option('--clear', 'remove the active override now')
    .option('--ttl <duration>', 'how long the override holds: 30m, 2h (at most 24h)')
    .option('--reason <text>', 'why (required, recorded in the ledger and in each parameter description)')
    .option('--requested-by <who>', 'who asks (required)')
    .option('--ticket <id>', 'change or incident ticket')
    .option('--stage <stage>', 'local, or a deployed stage', 'local')
    .option('--json', 'machine-readable output')
    .action(async (options: OverrideOptions & { stage: string; json?: boolean }) => {
      let request: OverrideRequest;
      try {
        request = validOverrideRequest(options);
      } catch (error) {
        if (!(error instanceof OverrideRejectedError)) throw error;
        console.error(options.json ? JSON.stringify({ rejected: error.problems }, null, 2) : error.message);
        process.exitCode = 2;
        return;
      }
      const context = await openStage(options.stage);
      const started = await startOverride(context, request);
      const flags = await readFlags(context);
      if (options.json) {
        console.log(JSON.stringify({ ...started, request, flags }, null, 2));
        return;
      }
      const expiry = flags.override?.expires_at;
      console.log(
        `${request.action === 'clear' ? 'Cleared' : 'Applied'} by execution ${started.execution}` +
          (request.action === 'clear' || expiry === undefined ? '' : `; reverts at ${expiry}`),
      );
      console.log(renderFlags(flags));
    });
};
