import { entryId } from './ledger';
import type { BreakerStore, Clock, RolePolicies } from './ports';
import { effectiveFlags } from './state';

/** The model-call actions the cap denies: InvokeModel, InvokeModelWithResponseStream, Converse, ConverseStream. */
export const CAP_DENIED_ACTIONS = ['bedrock:InvokeModel*', 'bedrock:Converse*'] as const;

/**
 * The inline policy's name: fixed per stage, so lifting deletes exactly what the breaker attached and
 * two stages sharing a role never lift each other's deny.
 */
export const capPolicyName = (stage: string): string => `ccb-${stage}-cap-deny-model-calls`;

/** An explicit Deny wins over any Allow the role has, so callers that ignore the flags are stopped too. */
export const capPolicyDocument = (stage: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: `CcbCap${stage.replace(/[^A-Za-z0-9]/g, '')}`,
        Effect: 'Deny',
        Action: [...CAP_DENIED_ACTIONS],
        Resource: '*',
      },
    ],
  });

export interface EnforceCapInput {
  execution: string;
  reason?: string;
}

export interface EnforceCapResult {
  /** `not_configured` when the stage lists no role: the cap then rests on the flag alone. */
  outcome: 'attached' | 'lifted' | 'not_configured';
  enforced: boolean;
  roles: string[];
  policy_name: string;
  entry_id?: string;
}

/**
 * Makes the roles' IAM deny match the breaker state: attached while the effective flags say
 * allow_listed_only, lifted otherwise. Reading the state rather than taking an order makes the task
 * idempotent and lets the escalate, restore and override workflows all call it after they publish.
 * The ledger entry is written only after every IAM call succeeded, so a failed attach (thrown, retried
 * by the workflow) never leaves the ledger saying the deny is in place.
 */
export const createEnforceCap =
  (deps: {
    store: BreakerStore;
    policies: RolePolicies;
    roles: readonly string[];
    stage: string;
    clock: Clock;
  }) =>
  async ({ execution, reason }: EnforceCapInput): Promise<EnforceCapResult> => {
    const policyName = capPolicyName(deps.stage);
    const roles = [...deps.roles];
    if (roles.length === 0)
      return { outcome: 'not_configured', enforced: false, roles, policy_name: policyName };
    const state = await deps.store.load();
    const attach = effectiveFlags(state).allow_listed_only;
    const base = {
      recorded_at: new Date(deps.clock.now()).toISOString(),
      execution,
      actor: 'breaker',
      version: state.version,
    };
    if (attach) {
      const document = capPolicyDocument(deps.stage);
      for (const role of roles) await deps.policies.put(role, policyName, document);
      const id = entryId(execution, `cap_enforced@v${state.version}`);
      await deps.store.append({
        ...base,
        entry_id: id,
        kind: 'cap_enforced',
        reason: reason ?? `cap: ${policyName} denies ${CAP_DENIED_ACTIONS.join(', ')}`,
        detail: { roles, policy_name: policyName, actions: [...CAP_DENIED_ACTIONS] },
      });
      return { outcome: 'attached', enforced: true, roles, policy_name: policyName, entry_id: id };
    }
    const removed: string[] = [];
    for (const role of roles) {
      if ((await deps.policies.remove(role, policyName)) === 'removed') removed.push(role);
    }
    // Nothing was attached: a restore from a lower mode or an unrelated override leaves no line.
    if (removed.length === 0) return { outcome: 'lifted', enforced: false, roles, policy_name: policyName };
    const id = entryId(execution, `cap_lifted@v${state.version}`);
    await deps.store.append({
      ...base,
      entry_id: id,
      kind: 'cap_lifted',
      reason: reason ?? `${policyName} deleted`,
      detail: { roles, removed, policy_name: policyName },
    });
    return { outcome: 'lifted', enforced: false, roles, policy_name: policyName, entry_id: id };
  };

/** Which listed roles hold the deny now, as `ccb flags` shows it. */
export const enforcementState = async (
  policies: RolePolicies,
  roles: readonly string[],
  stage: string,
): Promise<{ role: string; denied: boolean }[]> => {
  const name = capPolicyName(stage);
  return Promise.all(
    roles.map(async (role) => ({ role, denied: (await policies.get(role, name)) !== undefined })),
  );
};

/** `capEnforcementRoles` as a stage gives it: role names, comma-separated; empty means none. */
export const parseRoleList = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((role) => role.trim())
    .filter((role) => role !== '');
