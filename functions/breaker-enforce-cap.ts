import { IamRolePolicies } from './adapters/iam/iam-role-policies';
import { createEnforceCap, type EnforceCapInput, parseRoleList } from './core/breaker/cap-enforcement';
import { iamClient } from './shared/aws-clients/iam';
import { breakerStore } from './shared/breaker-store';
import { systemClock } from './shared/clock';
import { requireEnv } from './shared/config';
import { withPowertools } from './shared/middleware';
import { logger } from './shared/powertools';

const enforceCap = createEnforceCap({
  store: breakerStore(),
  policies: new IamRolePolicies(iamClient()),
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
