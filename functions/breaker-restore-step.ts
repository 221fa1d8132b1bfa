import { DynamoDbSpendSnapshotSource } from './adapters/dynamodb/dynamodb-spend-snapshot';
import { createRestoreStep, type RestoreStepInput } from './core/breaker/restore-step';
import { documentClient } from './shared/aws-clients/dynamodb';
import { checkConfigFromEnv, policyFromEnv } from './shared/breaker-config';
import { breakerStore } from './shared/breaker-store';
import { systemClock } from './shared/clock';
import { requireEnv } from './shared/config';
import { withPowertools } from './shared/middleware';
import { logger } from './shared/powertools';

const restoreStep = createRestoreStep({
  store: breakerStore(),
  clock: systemClock,
  spend: new DynamoDbSpendSnapshotSource(documentClient(), requireEnv('SPEND_TABLE_NAME')),
  config: checkConfigFromEnv(),
  // The demo and e2e tests shorten the pace locally without writing a policy for it.
  stepSeconds: Number(process.env.RESTORE_STEP_SECONDS ?? policyFromEnv().restore.step_seconds),
});

/** Restore workflow: one step down, unless spend is spiking again. */
export const handler = withPowertools(async (input: RestoreStepInput) => {
  const result = await restoreStep(input);
  logger.info('restore step', {
    execution: input.execution,
    outcome: result.outcome,
    from: result.from,
    to: result.to,
  });
  return result;
});
