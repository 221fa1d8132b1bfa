import { setTimeout as delay } from 'node:timers/promises';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { entryId } from '../../../functions/core/breaker/ledger';
import { type OverrideRequest, overrideRequestProblems } from '../../../functions/core/breaker/override';
import { validateOverrideRequest } from '../../../functions/core/breaker/override-validator.generated';
import { executionName } from '../../../functions/core/breaker/trigger';
import { DynamoDbLedgerReader } from '../../lib/readers/dynamodb-ledger-reader';
import { openStage, type StageContext } from '../../lib/stage';
import { readFlags, renderFlags } from './flags';

/** A request the CLI refused before starting anything: every field with its reason. */
export class OverrideRejectedError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`override rejected:\n  ${problems.join('\n  ')}`);
    this.name = 'OverrideRejectedError';
  }
}

export interface OverrideOptions {
  set?: string[];
  clear?: boolean;
  reason?: string;
  ttl?: string;
  requestedBy?: string;
  ticket?: string;
}

const MINUTES_PER_UNIT: Record<string, number> = { m: 1, min: 1, h: 60, d: 1_440 };

/** `30m`, `2h`, `1d` or a bare number of minutes; anything else is passed on for the schema to reject. */
export const parseTtlMinutes = (ttl: string): number | string => {
  const match = /^(\d+)\s*(m|min|h|d)?$/.exec(ttl.trim());
  if (match === null) return ttl;
  return Number(match[1]) * (MINUTES_PER_UNIT[match[2] ?? 'm'] ?? 1);
};

const parseValue = (value: string): boolean | string =>
  value === 'true' ? true : value === 'false' ? false : value;

/** The override request the options describe; not validated here (the schema does that, once). */
export const overrideRequestFrom = (options: OverrideOptions): Record<string, unknown> => {
  const flags: Record<string, boolean | string> = {};
  for (const assignment of options.set ?? []) {
    const [name, ...value] = assignment.split('=');
    flags[name ?? ''] = parseValue(value.join('='));
  }
  return {
    ...(options.clear
      ? { action: 'clear' }
      : { flags, ttl_minutes: options.ttl === undefined ? undefined : parseTtlMinutes(options.ttl) }),
    reason: options.reason,
    requested_by: options.requestedBy,
    ...(options.ticket === undefined ? {} : { ticket: options.ticket }),
  };
};

export const validOverrideRequest = (options: OverrideOptions): OverrideRequest => {
  const request: unknown = JSON.parse(JSON.stringify(overrideRequestFrom(options)));
  if (validateOverrideRequest(request)) return request;
  throw new OverrideRejectedError(overrideRequestProblems(request));
};

/**
 * Starts the override state machine with the request and waits until its ledger entry exists (applied)
 * or the execution failed (the state machine validates again, for requests typed in the console).
 */
export const startOverride = async (context: StageContext, request: OverrideRequest, timeoutMs = 30_000) => {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const name = executionName('override', stamp, request.requested_by);
  const { executionArn } = await context.sfn().send(
    new StartExecutionCommand({
      stateMachineArn: await context.stateMachineArn('override'),
      name,
      input: JSON.stringify(request),
    }),
  );
  const wanted = entryId(name, request.action === 'clear' ? 'cleared' : 'applied');
  const ledger = new DynamoDbLedgerReader(context.dynamodb, context.resources.ledgerTable);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const execution = await context.sfn().send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status === 'FAILED' || execution.status === 'ABORTED' || execution.status === 'TIMED_OUT') {
      throw new Error(
        `override ${name} ${execution.status}: ${execution.error ?? ''} ${execution.cause ?? ''}`.trim(),
      );
    }
    const entry = await ledger.entry(wanted);
    if (entry !== undefined || (request.action === 'clear' && execution.status === 'SUCCEEDED')) {
      return { execution: name, executionArn, entry: entry ?? null };
    }
    await delay(250);
  }
  throw new Error(
    `override ${name} was started but not applied within ${timeoutMs / 1000} s; see: npx ccb audit`,
  );
};

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
