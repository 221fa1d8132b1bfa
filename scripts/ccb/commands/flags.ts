import { paginateGetParameterHistory, paginateGetParametersByPath } from '@aws-sdk/client-ssm';
import type { Command } from 'commander';
import { DynamoDbBreakerStore } from '../../../functions/adapters/dynamodb/dynamodb-breaker-store';
import { IamRolePolicies } from '../../../functions/adapters/iam/iam-role-policies';
import {
  capPolicyName,
  enforcementState,
  parseRoleList,
} from '../../../functions/core/breaker/cap-enforcement';
import { type BreakerState, effectiveFlags, parameterValues } from '../../../functions/core/breaker/state';
import { openStage, type StageContext } from '../../lib/stage';
import { renderTable } from '../../lib/table';

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

const renderEnforcement = (enforcement: FlagsReport['enforcement']): string =>
  enforcement === null
    ? 'Cap enforcement: no role listed (capEnforcementRoles); the cap is the allow_listed_only flag alone.'
    : `Cap enforcement (${enforcement.policy_name}${enforcement.in_sync ? '' : ', NOT in sync with allow_listed_only'}): ` +
      enforcement.roles.map(({ role, denied }) => `${role} ${denied ? 'denied' : 'not denied'}`).join(', ');

/** Mode and values on one line, without who and when: for output that must read the same every run. */
export const renderFlagLine = (report: FlagsReport): string =>
  `mode ${report.mode}: ${report.flags
    .filter((f) => f.name !== 'breaker_mode')
    .map((f) => `${f.name}=${f.value}`)
    .join(' ')}`;

export const renderFlags = (report: FlagsReport): string => {
  const lines = [
    `Breaker mode: ${report.mode} (state v${report.state_version}${report.in_sync ? '' : ', SSM NOT in sync yet'})`,
  ];
  if (report.flags.length === 0) lines.push('No flags published yet.');
  else
    lines.push(
      renderTable(
        ['flag', 'value', 'set at', 'by', 'why'],
        report.flags.map((f) => [
          f.name,
          f.value,
          f.set_at ?? '-',
          f.set_by_execution ?? '-',
          f.reason ?? '-',
        ]),
      ),
    );
  const o = report.override;
  if (o !== null && o !== undefined)
    lines.push(
      `Override by ${o.requested_by}${o.ticket === undefined ? '' : ` (${o.ticket})`} until ${o.expires_at}: ` +
        `${Object.entries(o.flags)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(', ')} - ${o.reason}`,
    );
  lines.push(renderEnforcement(report.enforcement));
  return lines.join('\n');
};

export const registerFlags = (program: Command): void => {
  program
    .command('flags')
    .description('the breaker mode and every published flag: value, when, which execution set it and why')
    .option('--stage <stage>', 'local, or a deployed stage', 'local')
    .option(
      '--roles <names>',
      "roles whose cap deny to show, comma-separated (default: the local stack's capEnforcementRoles)",
    )
    .option('--json', 'machine-readable output')
    .action(async (options: { stage: string; json?: boolean; roles?: string }) => {
      const report = await readFlags(await openStage(options.stage), {
        ...(options.roles !== undefined && { roles: parseRoleList(options.roles) }),
      });
      console.log(options.json ? JSON.stringify(report, null, 2) : renderFlags(report));
    });
};
