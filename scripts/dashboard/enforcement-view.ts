import type { FlagsReport } from '../lib/readers/flags';

export interface EnforcementView {
  /** The published allow_listed_only flag: the cap refuses every caller not on the allow list. */
  refusing: boolean;
  /** False when no role is listed (capEnforcementRoles): the cap then rests on the flag alone. */
  configured: boolean;
  policy_name: string | null;
  roles: { role: string; denied: boolean }[];
  /** Whether every listed role's deny matches the flag; null when none is listed. */
  in_sync: boolean | null;
  note: string;
}

/**
 * Cap enforcement as `ccb flags` reports it (readFlags' `enforcement` and the published
 * allow_listed_only): whether calls are refused, and per listed role whether IAM holds the deny.
 */
export const enforcementView = (flags: Pick<FlagsReport, 'flags' | 'enforcement'>): EnforcementView => {
  const refusing = flags.flags.find((f) => f.name === 'allow_listed_only')?.value === 'true';
  const refused = refusing
    ? 'Calls are refused: allow_listed_only is on, only allow-listed callers may call models.'
    : 'Calls are not refused: allow_listed_only is off.';
  const { enforcement } = flags;
  if (enforcement === null)
    return {
      refusing,
      configured: false,
      policy_name: null,
      roles: [],
      in_sync: null,
      note: `${refused} IAM deny not configured: no role listed (capEnforcementRoles), so the cap is the flag alone.`,
    };
  return {
    refusing,
    configured: true,
    policy_name: enforcement.policy_name,
    roles: enforcement.roles,
    in_sync: enforcement.in_sync,
    note: `${refused} The IAM deny ${enforcement.policy_name} ${enforcement.in_sync ? 'matches the flag on every listed role' : 'does NOT match the flag on every listed role'}.`,
  };
};
