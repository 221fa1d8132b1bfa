import { readFile } from 'node:fs/promises';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { localResources } from '../../../scripts/lib/stack-context';
import {
  loadServiceParams,
  localFunctionEnvironment,
  SERVERLESS_FILE,
} from '../../../scripts/local/function-environment';
import { loadTableDefinitions } from '../../../scripts/local/provision';

/** Set per function by whoever runs it (the supervisor, the stand-ins process), not shared. */
const PER_FUNCTION = new Set(['POWERTOOLS_SERVICE_NAME']);

describe('the environment the local stack gives the functions', () => {
  it('provides every variable serverless.yml gives any function', async () => {
    // Prepare
    const document = parse(await readFile(SERVERLESS_FILE, 'utf8'), { logLevel: 'error', merge: true }) as {
      functions: Record<string, { environment?: Record<string, unknown> }>;
    };
    const wanted = new Set(
      Object.values(document.functions).flatMap((fn) => Object.keys(fn.environment ?? {})),
    );
    const resources = localResources('local');

    // Act
    const environment = localFunctionEnvironment({
      stage: 'local',
      resources,
      tables: await loadTableDefinitions(resources),
      params: await loadServiceParams(),
    });

    // Assess
    const missing = [...wanted].filter((name) => !PER_FUNCTION.has(name) && environment[name] === undefined);
    expect(missing).toEqual([]);
  });

  it('names the local resources the way serverless.yml names the stage resources', async () => {
    const resources = localResources('local');

    const environment = localFunctionEnvironment({
      stage: 'local',
      resources,
      tables: await loadTableDefinitions(resources),
      params: { dailyBudgetUsd: '5000', logLevel: 'INFO' },
    });

    expect(environment).toMatchObject({
      STAGE: 'local',
      SSM_PREFIX: '/ccb/local/',
      ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:ccb-local-alerts',
      ESCALATE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:ccb-local-escalate',
      RESTORE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:ccb-local-restore',
      OVERRIDE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:ccb-local-override',
      SPEND_TABLE_NAME: 'ccb-local-spend',
      BREAKER_TABLE_NAME: 'ccb-local-breaker',
      LEDGER_TABLE_NAME: 'ccb-local-ledger',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
  });
});
