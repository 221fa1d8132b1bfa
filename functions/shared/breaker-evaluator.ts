import { DynamoDbIncidentStore } from '../adapters/dynamodb/dynamodb-incident-store';
import { DynamoDbShadowLedger } from '../adapters/dynamodb/dynamodb-shadow-ledger';
import { DynamoDbSpendSnapshotSource } from '../adapters/dynamodb/dynamodb-spend-snapshot';
import { SfnWorkflowStarter } from '../adapters/sfn/sfn-workflow-starter';
import { createEvaluateBreaker } from '../core/breaker/evaluate';
import type { SessionCost } from '../core/breaker/event-checks';
import { DEFAULT_INCIDENT_CONFIG } from '../core/breaker/incidents';
import { createShadowPolicies } from '../core/breaker/shadow';
import type { PricedCostEvent } from '../core/events/cost-event';
import { documentClient } from './aws-clients/dynamodb';
import { sfnClient } from './aws-clients/sfn';
import { checkConfigFromEnv, shadowCheckConfig, shadowPoliciesFromEnv } from './breaker-config';
import { breakerStateReader } from './breaker-store';
import { systemClock } from './clock';
import { requireEnv } from './config';

/**
 * The checks, wired for a function that runs them (the aggregate after each batch, the scheduled
 * check): reads spend and the breaker state, starts escalate and restore executions. With shadow
 * policies (BREAKER_SHADOW_POLICIES), each batch is also judged under them into the shadow ledger.
 */
export const breakerEvaluator = () => {
  const state = breakerStateReader();
  const config = checkConfigFromEnv();
  const spend = new DynamoDbSpendSnapshotSource(documentClient(), requireEnv('SPEND_TABLE_NAME'));
  const live = createEvaluateBreaker({
    spend,
    starter: new SfnWorkflowStarter(sfnClient(), {
      escalate: requireEnv('ESCALATE_STATE_MACHINE_ARN'),
      restore: requireEnv('RESTORE_STATE_MACHINE_ARN'),
    }),
    loadState: () => state.load(),
    config,
    clock: systemClock,
    incidents: {
      store: new DynamoDbIncidentStore(documentClient(), requireEnv('BREAKER_TABLE_NAME')),
      config: config.incidents ?? DEFAULT_INCIDENT_CONFIG,
    },
  });
  const policies = shadowPoliciesFromEnv();
  if (policies.length === 0) return live;
  const shadows = createShadowPolicies({
    policies: policies.map((policy) => ({ name: policy.name, config: shadowCheckConfig(policy) })),
    spend,
    ledger: new DynamoDbShadowLedger(documentClient(), requireEnv('LEDGER_TABLE_NAME')),
    clock: systemClock,
  });
  return {
    ...live,
    /** The live checks, then the shadows'; a shadow that fails is reported with the failed starts. */
    async afterBatch(counted: readonly PricedCostEvent[], sessions: readonly SessionCost[]) {
      const evaluation = await live.afterBatch(counted, sessions);
      const shadowed = await shadows.afterBatch(counted, sessions);
      return {
        ...evaluation,
        failed: [...evaluation.failed, ...shadowed.failed.map((f) => ({ ...f, name: `shadow-${f.name}` }))],
      };
    },
  };
};
