import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDbIncidentStore } from '../adapters/dynamodb/dynamodb-incident-store';
import { DynamoDbSpendSnapshotSource } from '../adapters/dynamodb/dynamodb-spend-snapshot';
import { SfnWorkflowStarter } from '../adapters/sfn/sfn-workflow-starter';
import { createEvaluateBreaker } from '../core/breaker/evaluate';
import { DEFAULT_INCIDENT_CONFIG } from '../core/breaker/incidents';
import { systemClock } from '../core/breaker/ports';
import { documentClient } from './aws-clients';
import { checkConfigFromEnv } from './breaker-config';
import { breakerStateReader } from './breaker-store';
import { requireEnv } from './config';
import { tracer } from './powertools';
import { sdkOptions } from './sdk-options';

/**
 * The checks, wired for a function that runs them (the aggregate after each batch, the scheduled
 * check): reads spend and the breaker state, starts escalate and restore executions.
 */
export const breakerEvaluator = () => {
  const state = breakerStateReader();
  const config = checkConfigFromEnv();
  return createEvaluateBreaker({
    spend: new DynamoDbSpendSnapshotSource(documentClient, requireEnv('SPEND_TABLE_NAME')),
    starter: new SfnWorkflowStarter(tracer.captureAWSv3Client(new SFNClient(sdkOptions())), {
      escalate: requireEnv('ESCALATE_STATE_MACHINE_ARN'),
      restore: requireEnv('RESTORE_STATE_MACHINE_ARN'),
    }),
    loadState: () => state.load(),
    config,
    clock: systemClock,
    incidents: {
      store: new DynamoDbIncidentStore(documentClient, requireEnv('BREAKER_TABLE_NAME')),
      config: config.incidents ?? DEFAULT_INCIDENT_CONFIG,
    },
  });
};
