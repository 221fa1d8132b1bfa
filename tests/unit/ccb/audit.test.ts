import { describe, expect, it } from '@jest/globals';
import type { LedgerEntry } from '../../../functions/core/breaker/ledger';
import { renderShadowComparison } from '../../../scripts/ccb/commands/audit';

const entry = (overrides: Partial<LedgerEntry>): LedgerEntry => ({
  entry_id: 'x',
  kind: 'transition',
  recorded_at: '2025-03-15T14:05:00.000Z',
  execution: 'x',
  actor: 'breaker',
  reason: 'r',
  ...overrides,
});

const trigger = (check: 'budget_ladder' | 'forecast', eventTime: string) => ({
  id: 't',
  check,
  metric: 'm',
  value: 1,
  threshold: 1,
  event_time: eventTime,
  day: '2025-03-15',
});

describe('ccb audit --shadow', () => {
  it("puts a shadow policy's would-be transitions beside the live ones, in event time", () => {
    const live = [
      entry({
        from_mode: 'normal',
        to_mode: 'cost_saving',
        trigger: trigger('forecast', '2025-03-15T14:02:59.000Z'),
      }),
      entry({ kind: 'notify_failed' }),
    ];
    const shadow = [
      entry({
        kind: 'shadow',
        from_mode: 'normal',
        to_mode: 'cache_aggressive',
        trigger: trigger('budget_ladder', '2025-03-15T15:30:24.000Z'),
      }),
    ];

    const text = renderShadowComparison('late', live, shadow);

    const lines = text.split('\n');
    expect(lines[2]).toContain('live');
    expect(lines[2]).toContain('normal -> cost_saving');
    expect(lines[3]).toContain('shadow:late');
    expect(lines[3]).toContain('normal -> cache_aggressive');
    expect(text).toContain(
      'live: 1 entries, 1 mode change(s), the first at 2025-03-15T14:02:59.000Z, highest mode cost_saving',
    );
    expect(text).toContain(
      'shadow late: 1 entries, 1 mode change(s), the first at 2025-03-15T15:30:24.000Z, highest mode cache_aggressive',
    );
  });

  it('says when a policy has no entries', () => {
    expect(renderShadowComparison('none', [], [])).toContain('No shadow entries for "none".');
  });
});
