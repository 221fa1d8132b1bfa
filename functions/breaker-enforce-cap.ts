import { IAMClient } from '@aws-sdk/client-iam';
import { IamRolePolicies } from './adapters/iam/iam-role-policies';
import { createEnforceCap, type EnforceCapInput, parseRoleList } from './core/breaker/cap-enforcement';
import { systemClock } from './core/breaker/ports';
import { breakerStore } from './shared/breaker-store';
import { requireEnv } from './shared/config';
import { withPowertools } from './shared/middleware';
import { logger, tracer } from './shared/powertools';
import { sdkOptions } from './shared/sdk-options';

const enforceCap = createEnforceCap({
  store: breakerStore(),
  policies: new IamRolePolicies(tracer.captureAWSv3Client(new IAMClient(sdkOptions()))),
  roles: parseRoleList(process.env.CAP_ENFORCEMENT_ROLES),
  stage: requireEnv('STAGE'),
  clock: systemClock,
});

/** Attaches or lifts the cap's IAM deny on the stage's listed roles, as the breaker state says. */
export const handler = withPowertools(async (input: EnforceCapInput) => {
  const result = await enforceCap(input);
  logger.info('cap enforcement synced', { execution: input.execution, ...result });
  return result;
});
