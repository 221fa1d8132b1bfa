import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDbBreakerStore } from '../adapters/dynamodb/dynamodb-breaker-store';
import { DynamoDbSpendSnapshotSource } from '../adapters/dynamodb/dynamodb-spend-snapshot';
import { SfnWorkflowStarter } from '../adapters/sfn/sfn-workflow-starter';
import { createEvaluateBreaker } from '../core/breaker/evaluate';
import { systemClock } from '../core/breaker/ports';
import { documentClient } from './aws-clients';
import { checkConfigFromEnv } from './breaker-config';
import { requireEnv } from './config';
import { tracer } from './powertools';
import { sdkOptions } from './sdk-options';

/**
 * The checks, wired for a function that runs them (the aggregate after each batch, the scheduled
 * check): reads spend and the breaker state, starts escalate and restore executions.
 */
export const breakerEvaluator = () => {
  // Read-only use of the state table: the ledger name is not needed to load the state.
  const state = new DynamoDbBreakerStore(documentClient, requireEnv('BREAKER_TABLE_NAME'), '');
  return createEvaluateBreaker({
    spend: new DynamoDbSpendSnapshotSource(documentClient, requireEnv('SPEND_TABLE_NAME')),
    starter: new SfnWorkflowStarter(tracer.captureAWSv3Client(new SFNClient(sdkOptions())), {
      escalate: requireEnv('ESCALATE_STATE_MACHINE_ARN'),
      restore: requireEnv('RESTORE_STATE_MACHINE_ARN'),
    }),
    loadState: () => state.load(),
    config: checkConfigFromEnv(),
    clock: systemClock,
  });
};
