import { describe, expect, it } from '@jest/globals';
import {
  type QuarantineItem,
  quarantineDay,
  quarantineView,
} from '../../../scripts/dashboard/quarantine-view';

const DAY = '2025-03-15';
const ARRIVED = Date.parse('2026-12-04T04:00:00.000Z');

const item = (reason: string, payload: string | object): QuarantineItem => ({
  reason,
  arrived_at: ARRIVED,
  payload_base64: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)).toString(
    'base64',
  ),
});

describe('quarantineView', () => {
  it("files a reject under its event's time when the payload says it (v2 occurred_at in epoch ms, v1 timestamp), else its arrival", () => {
    expect(
      quarantineDay(item('unknown_field', { occurred_at: Date.parse(`${DAY}T23:59:59.999Z`), x: 1 })),
    ).toEqual({
      day: DAY,
      byEventTime: true,
    });
    expect(quarantineDay(item('schema_violation', { timestamp: `${DAY}T01:00:00Z` })).day).toBe(DAY);
    expect(quarantineDay(item('malformed_json', '{"occurred_at": 1742000000000'))).toEqual({
      day: '2026-12-04',
      byEventTime: false,
    });
    expect(quarantineDay(item('invalid_timestamp', { occurred_at: 'yesterday' })).day).toBe('2026-12-04');
    expect(quarantineDay(item('schema_violation', { occurred_at: 1e20 })).day).toBe('2026-12-04');
    expect(quarantineDay(item('not_an_object', '[1,2]')).day).toBe('2026-12-04');
  });

  it('counts only the chosen day, by reason, and says how many other days hold', () => {
    const items = [
      item('unknown_field', { occurred_at: Date.parse(`${DAY}T10:00:00Z`) }),
      item('unknown_field', { occurred_at: Date.parse(`${DAY}T11:00:00Z`) }),
      item('schema_violation', { occurred_at: Date.parse('2025-03-14T11:00:00Z') }),
      item('malformed_json', 'not json'),
    ];

    expect(quarantineView(items, DAY)).toEqual({
      day: DAY,
      total: 2,
      by_reason: [{ reason: 'unknown_field', count: 2, by_event_time: 2 }],
      other_days: 2,
    });
    expect(quarantineView(items, '2026-12-04').by_reason).toEqual([
      { reason: 'malformed_json', count: 1, by_event_time: 0 },
    ]);
  });
});
