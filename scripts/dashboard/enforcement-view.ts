import type { FlagsReport } from '../lib/readers/flags';

/** The breaker's enforcement now, whatever day the page shows: flags and IAM keep no history to read. */
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
  const { enforcement } = flags;
  if (enforcement === null)
    return {
      refusing,
      configured: false,
      policy_name: null,
      roles: [],
      in_sync: null,
      note: 'No role listed (capEnforcementRoles): the cap is the allow_listed_only flag alone, which callers that ignore the flags do not obey.',
    };
  return {
    refusing,
    configured: true,
    policy_name: enforcement.policy_name,
    roles: enforcement.roles,
    in_sync: enforcement.in_sync,
    note: `The IAM deny ${enforcement.policy_name} ${enforcement.in_sync ? 'matches' : 'does NOT match'} allow_listed_only on every listed role.`,
  };
};
