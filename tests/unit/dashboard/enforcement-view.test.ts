import { describe, expect, it } from '@jest/globals';
import { enforcementView } from '../../../scripts/dashboard/enforcement-view';
import type { FlagsReport, PublishedFlag } from '../../../scripts/lib/readers/flags';

const flag = (name: string, value: string): PublishedFlag => ({
  name,
  value,
  version: 1,
  set_at: null,
  set_by_execution: null,
  reason: null,
});

const report = (allowListedOnly: boolean, enforcement: FlagsReport['enforcement']) => ({
  flags: [flag('allow_listed_only', String(allowListedOnly)), flag('breaker_mode', 'cap')],
  enforcement,
});

describe('enforcementView', () => {
  it('shows calls refused and the deny on each listed role', () => {
    // Prepare
    const enforcement = {
      policy_name: 'ccb-local-cap-deny-model-calls',
      roles: [
        { role: 'chatbot', denied: true },
        { role: 'batch', denied: false },
      ],
      in_sync: false,
    };

    // Act
    const view = enforcementView(report(true, enforcement));

    // Assess
    expect(view).toMatchObject({
      refusing: true,
      configured: true,
      roles: enforcement.roles,
      in_sync: false,
    });
    expect(view.note).toBe(
      'The IAM deny ccb-local-cap-deny-model-calls does NOT match allow_listed_only on every listed role.',
    );
  });

  it('says not configured when no role is listed, the cap being the flag alone', () => {
    const view = enforcementView(report(false, null));

    expect(view).toMatchObject({ refusing: false, configured: false, roles: [], in_sync: null });
    expect(view.note).toMatch(
      /^No role listed \(capEnforcementRoles\): the cap is the allow_listed_only flag alone/,
    );
  });

  it('does not call refusal on when the flag was never published', () => {
    expect(enforcementView({ flags: [], enforcement: null }).refusing).toBe(false);
  });
});
