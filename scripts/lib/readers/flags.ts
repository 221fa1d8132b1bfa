import { paginateGetParameterHistory, paginateGetParametersByPath } from '@aws-sdk/client-ssm';
import { DynamoDbBreakerStore } from '../../../functions/adapters/dynamodb/dynamodb-breaker-store';
import { IamRolePolicies } from '../../../functions/adapters/iam/iam-role-policies';
import { capPolicyName, enforcementState } from '../../../functions/core/breaker/cap-enforcement';
import { type BreakerState, effectiveFlags, parameterValues } from '../../../functions/core/breaker/state';
import type { StageContext } from '../stage';

export interface PublishedFlag {
  name: string;
  value: string;
  version: number;
  set_at: string | null;
  /** From the description every PutParameter carries: `execution=<name> reason=<text>`. */
  set_by_execution: string | null;
  reason: string | null;
}

export interface FlagsReport {
  stage: string;
  mode: string;
  state_version: number;
  /** Whether SSM shows what the state item says; false while a publish is pending or failed. */
  in_sync: boolean;
  flags: PublishedFlag[];
  override: BreakerState['override'] | null;
  /**
   * The cap's IAM deny as IAM shows it (GetRolePolicy on each listed role), and whether that matches
   * allow_listed_only; null when no role is listed.
   */
  enforcement: {
    policy_name: string;
    roles: { role: string; denied: boolean }[];
    in_sync: boolean;
  } | null;
}

const parseDescription = (description: string | undefined) => {
  const match = /^execution=(\S*) reason=(.*)$/s.exec(description ?? '');
  return { execution: match?.[1] ?? null, reason: match?.[2] ?? description ?? null };
};

const readEnforcement = async (
  context: StageContext,
  roles: readonly string[],
  capped: boolean,
): Promise<FlagsReport['enforcement']> => {
  if (roles.length === 0) return null;
  const state = await enforcementState(new IamRolePolicies(context.iam()), roles, context.stage);
  return {
    policy_name: capPolicyName(context.stage),
    roles: state,
    in_sync: state.every(({ denied }) => denied === capped),
  };
};

export const readFlags = async (
  context: StageContext,
  options: { roles?: readonly string[] } = {},
): Promise<FlagsReport> => {
  const prefix = context.resources.ssmPrefix;
  const flags: PublishedFlag[] = [];
  const pages = paginateGetParametersByPath({ client: context.ssm() }, { Path: prefix, Recursive: false });
  for await (const page of pages) {
    for (const p of page.Parameters ?? []) {
      // GetParametersByPath has no descriptions; GetParameterHistory's last entry holds the latest.
      flags.push({
        name: (p.Name ?? '').slice(prefix.length),
        value: p.Value ?? '',
        version: p.Version ?? 0,
        set_at: p.LastModifiedDate?.toISOString() ?? null,
        set_by_execution: null,
        reason: null,
      });
    }
  }
  await Promise.all(
    flags.map(async (flag) => {
      // History comes oldest first, 50 at a time: page until the version GetParametersByPath returned.
      let current: { Description?: string } | undefined;
      const pages = paginateGetParameterHistory(
        { client: context.ssm() },
        { Name: `${prefix}${flag.name}`, MaxResults: 50 },
      );
      for await (const page of pages) {
        current = page.Parameters?.find((p) => p.Version === flag.version);
        if (current !== undefined) break;
      }
      const { execution, reason } = parseDescription(current?.Description);
      flag.set_by_execution = execution;
      flag.reason = reason;
    }),
  );
  flags.sort((a, b) => a.name.localeCompare(b.name));
  const state = await new DynamoDbBreakerStore(context.dynamodb, context.resources.breakerTable, '').load();
  const effective = effectiveFlags(state);
  const inSync = Object.entries(parameterValues(effective)).every(
    ([name, value]) => flags.find((f) => f.name === name)?.value === value,
  );
  const roles = options.roles ?? context.capEnforcementRoles ?? [];
  return {
    stage: context.stage,
    mode: state.mode,
    state_version: state.version,
    in_sync: inSync,
    flags,
    override: state.override ?? null,
    enforcement: await readEnforcement(context, roles, effective.allow_listed_only),
  };
};
