import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { defaultPolicy } from '../../../functions/core/breaker/policy';
import { breakerRow, hardStop, PEERS } from '../../../scripts/bench/incidents';
import { readPolicyFile } from '../../../scripts/lib/policy-file';
import { projectRoot } from '../../../scripts/local/paths';
import { HOLIDAY_HOURS } from '../../../scripts/scenarios/incidents';

const OPTIONS = { day: '2025-03-15', scale: 0.005, seed: 1 };
const CAP = 25e9;

describe('a peer modelled as a hard stop at 100% of the cap', () => {
  it('lets through only the call that reached the cap when it acts at once', async () => {
    const row = await hardStop('runaway-day', OPTIONS, CAP, 14 * 3_600_000, {
      name: 'instant',
      lagMs: 0,
      documented: '',
    });

    expect(row.spentUsd).toBeGreaterThanOrEqual(25);
    // At most the one call that crossed: a runaway call (40x prompt on Sonnet) costs under $0.20.
    expect(row.overshootUsd).toBeLessThan(0.2);
    expect(row.callsRefused).toBeGreaterThan(0);
    expect(row.alertsSent).toBe(1);
  });

  it('overshoots more, and refuses fewer calls, the later it acts', async () => {
    const [quick, slow] = await Promise.all(
      [0, 15 * 60_000].map((lagMs) =>
        hardStop('runaway-day', OPTIONS, CAP, 14 * 3_600_000, { name: 'p', lagMs, documented: '' }),
      ),
    );

    expect(slow?.overshootUsd).toBeGreaterThan(quick?.overshootUsd ?? 0);
    expect(slow?.callsRefused).toBeLessThan(quick?.callsRefused ?? 0);
    expect((slow?.onsetToActionMinutes ?? 0) - (quick?.onsetToActionMinutes ?? 0)).toBeCloseTo(15, 5);
  });

  it('never acts on a day that stays under the cap', async () => {
    const row = await hardStop(
      'default-day',
      OPTIONS,
      CAP,
      0,
      PEERS[0] ?? { name: '', lagMs: 0, documented: '' },
    );

    expect(row).toMatchObject({
      overshootUsd: 0,
      callsRefused: 0,
      onsetToActionMinutes: null,
      alertsSent: 0,
    });
  });
});

describe('a breaker policy row', () => {
  const holidayOnset = HOLIDAY_HOURS.fromHour * 3_600_000;

  it('shows the trade a candidate policy makes against the default on the same day and cap', async () => {
    const patient = await readPolicyFile(join(projectRoot, 'config/policies/patient-forecast.json'));
    const [byDefault, byCandidate] = await Promise.all([
      breakerRow('ccb default', defaultPolicy(25), 'holiday-surge', holidayOnset, OPTIONS),
      breakerRow('ccb patient', { ...patient, daily_budget_usd: 25 }, 'holiday-surge', holidayOnset, OPTIONS),
    ]);

    // The surge alone never reaches the cap: the default's forecast degrades for it, the candidate's does not.
    expect(byDefault?.degradedMinutes).toBeGreaterThan(60);
    expect(byCandidate?.degradedMinutes).toBe(0);
    expect(byCandidate?.overshootUsd).toBe(0);
    expect(byCandidate?.spentUsd).toBeGreaterThan(byDefault?.spentUsd ?? 0);
  });
});
