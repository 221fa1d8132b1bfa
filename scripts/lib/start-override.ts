import { setTimeout as delay } from 'node:timers/promises';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { entryId } from '../../functions/core/breaker/ledger';
import type { OverrideRequest } from '../../functions/core/breaker/override';
import { executionName } from '../../functions/core/breaker/trigger';
import { DynamoDbLedgerReader } from './readers/dynamodb-ledger-reader';
import type { StageContext } from './stage';

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
