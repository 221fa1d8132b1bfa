import type { Command } from 'commander';
import { parseRoleList } from '../../../functions/core/breaker/cap-enforcement';
import { type FlagsReport, readFlags } from '../../lib/readers/flags';
import { openStage } from '../../lib/stage';
import { renderTable } from '../../lib/table';

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
