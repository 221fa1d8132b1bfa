import { describe, expect, it } from '@jest/globals';
import { createNotify } from '../../../../functions/core/breaker/alerts';
import { parsePolicy } from '../../../../functions/core/breaker/policy';
import { INITIAL_STATE } from '../../../../functions/core/breaker/state';
import { report } from '../../../../functions/core/breaker/transition';
import type { Trigger } from '../../../../functions/core/breaker/trigger';
import { InMemoryAlertPublisher } from '../../../helpers/in-memory-breaker';

const trigger = (severity: Trigger['severity']): Trigger => ({
  id: `t-${severity}`,
  check: 'spend_velocity',
  severity,
  metric: 'rolling_15min_spend_ratio',
  value: 3.2,
  threshold: 3,
  event_time: '2025-03-15T14:00:00.000Z',
  day: '2025-03-15',
  summary: 'fast',
});

describe('the notify task', () => {
  it("publishes only alerts at or above the policy's minimum severity", async () => {
    // Prepare
    const publisher = new InMemoryAlertPublisher();
    const policy = parsePolicy({ daily_budget_usd: 100, alerts: { min_severity: 'warning' } });
    const notify = createNotify({ publisher, stage: 'test', policy });
    const outcome = report('alert', INITIAL_STATE, INITIAL_STATE, null);

    // Act
    const info = await notify({ execution: 'e1', trigger: trigger('info'), outcome });
    const warning = await notify({ execution: 'e2', trigger: trigger('warning'), outcome });

    // Assess
    expect(info).toEqual({ message_id: null });
    expect(warning.message_id).not.toBeNull();
    expect(publisher.published.map((a) => a.body.alert_key)).toEqual(['t-warning']);
  });
});
