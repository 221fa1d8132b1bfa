import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { SpendSource } from '../../functions/core/ingest/split-batch';
import { BREAKER_STATE_MACHINES, type StackResources } from '../lib/stack-context';
import { projectRoot } from './paths';
import { type TableDefinition, tableEnvironmentVariable } from './provision';

export const SERVERLESS_FILE = join(projectRoot, 'serverless.yml');

/** serverless.yml's `params.default`: settings such as dailyBudgetUsd that functions get as variables. */
export const loadServiceParams = async (file = SERVERLESS_FILE): Promise<Record<string, string>> => {
  const document = parse(await readFile(file, 'utf8'), { logLevel: 'error', merge: true }) as {
    params?: { default?: Record<string, unknown> };
  };
  return Object.fromEntries(
    Object.entries(document.params?.default ?? {}).map(([key, value]) => [key, String(value)]),
  );
};

/**
 * The variables serverless.yml gives the functions, with their local values. Every function of the
 * local stack gets all of them (they share a process), so a name missing here is missing for all:
 * tests/unit/local/function-environment.test.ts checks serverless.yml asks for nothing else.
 * DAILY_BUDGET_USD, BREAKER_POLICY and BREAKER_SHADOW_POLICIES may be overridden from the environment of
 * `ccb local up`.
 */
export const localFunctionEnvironment = (options: {
  stage: string;
  resources: StackResources;
  tables: readonly TableDefinition[];
  params: Record<string, string>;
  /** Overrides serverless.yml's spendSource param (`ccb local up --spend-source`). */
  spendSource?: SpendSource;
}): Record<string, string> => {
  const { resources, params } = options;
  const budget = process.env.DAILY_BUDGET_USD ?? params.dailyBudgetUsd;
  const policy = process.env.BREAKER_POLICY ?? params.breakerPolicy;
  const shadows = process.env.BREAKER_SHADOW_POLICIES ?? params.breakerShadowPolicies;
  return {
    // The breaker's tables by their names, in case resources/dynamodb.yml does not define them (yet).
    BREAKER_TABLE_NAME: resources.breakerTable,
    LEDGER_TABLE_NAME: resources.ledgerTable,
    ...Object.fromEntries(
      options.tables.map((table) => [tableEnvironmentVariable(table.key), table.input.TableName ?? '']),
    ),
    ...Object.fromEntries(
      BREAKER_STATE_MACHINES.map((name) => [
        `${name.toUpperCase()}_STATE_MACHINE_ARN`,
        resources.stateMachineArns[name],
      ]),
    ),
    STAGE: options.stage,
    SSM_PREFIX: resources.ssmPrefix,
    ALERTS_TOPIC_ARN: resources.alertsTopicArn,
    // The Redshift Data API stand-in runs every statement on the stack's one PGlite warehouse, whatever
    // the workgroup; the names are those serverless.yml gives the stage.
    WAREHOUSE_WORKGROUP: `ccb-${options.stage}`,
    WAREHOUSE_DATABASE: 'ccb',
    ARCHIVE_DELIVERY_STREAM_NAME: resources.archiveDeliveryStream,
    SPEND_SOURCE: options.spendSource ?? params.spendSource ?? 'producer',
    INVOCATION_METADATA_KEYS: params.invocationMetadataKeys ?? '',
    RECONCILE_DRIFT_SHARE: params.reconcileDriftShare ?? '0.05',
    RECONCILE_MIN_DRIFT_TOKENS: params.reconcileMinDriftTokens ?? '10000',
    RECONCILE_GRACE_MINUTES: '20',
    ...(budget !== undefined && { DAILY_BUDGET_USD: budget }),
    UNKNOWN_MODEL_CEILING: process.env.UNKNOWN_MODEL_CEILING ?? params.unknownModelCeiling ?? 'family',
    APPLICATION_INFERENCE_PROFILES:
      process.env.APPLICATION_INFERENCE_PROFILES ?? params.applicationInferenceProfiles ?? '{}',
    ...(policy !== undefined && { BREAKER_POLICY: policy }),
    ...(shadows !== undefined && { BREAKER_SHADOW_POLICIES: shadows }),
    CAP_ENFORCEMENT_ROLES: process.env.CAP_ENFORCEMENT_ROLES ?? params.capEnforcementRoles ?? '',
    POWERTOOLS_METRICS_NAMESPACE: 'CostCircuitBreaker',
    POWERTOOLS_LOG_LEVEL: params.logLevel ?? 'INFO',
    // No X-Ray daemon locally.
    POWERTOOLS_TRACE_ENABLED: 'false',
  };
};
