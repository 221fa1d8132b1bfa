import { describe, expect, it } from '@jest/globals';
import { alertFor } from '../../../functions/core/breaker/alerts';
import { eventTriggers } from '../../../functions/core/breaker/event-checks';
import { effectiveFlags, INITIAL_STATE } from '../../../functions/core/breaker/state';
import type { Trigger } from '../../../functions/core/breaker/trigger';
import type { PricedCostEvent } from '../../../functions/core/events/cost-event';
import { alertDay, alertsView } from '../../../scripts/dashboard/alerts-view';
import type { ReceivedAlert } from '../../../scripts/lib/readers/published-alerts';
import { defaultCheckConfig } from '../../helpers/check-config';

const DAY = '2025-03-15';
const t0 = Date.parse(`${DAY}T14:01:00.000Z`);
const config = defaultCheckConfig(5_000e9, {});

const anEvent = (eventId: string, modelId: string, costNano: number): PricedCostEvent => ({
  schemaVersion: '2.0',
  eventId,
  occurredAt: t0,
  requestId: eventId,
  sessionId: eventId,
  intent: 'faq',
  modelId,
  component: 'llm',
  language: 'en',
  inputTokens: 500,
  outputTokens: 200,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  cacheWrite1hTokens: 0,
  cacheHit: false,
  region: 'us-east-1',
  reportedCostNano: null,
  producer: null,
  costNano,
  priceTable: '2026-11-01',
  estimated: true,
  estimateReason: 'unknown_model',
  droppedFields: 0,
});

let sequence = 0;
/** An alert as the SNS stand-in keeps it: the body notify publishes for the trigger. */
const received = (trigger: Trigger, publishedAt = '2026-12-04T04:00:00.000Z'): ReceivedAlert => {
  const message = alertFor(
    {
      execution: trigger.id,
      trigger,
      outcome: {
        outcome: 'unchanged',
        from: 'normal',
        to: 'normal',
        flags_before: effectiveFlags(INITIAL_STATE),
        flags_after: effectiveFlags(INITIAL_STATE),
        entry_id: 'e',
      },
    },
    'local',
  );
  sequence += 1;
  return {
    message_id: `m${sequence}`,
    published_at: publishedAt,
    severity: trigger.severity,
    check: trigger.check,
    alert_key: trigger.id,
    subject: message.subject,
    body: JSON.parse(JSON.stringify(message.body)) as unknown,
  };
};

const ladder = (day: string): Trigger => ({
  id: `ladder-${day}`,
  check: 'budget_ladder',
  severity: 'warning',
  to_mode: 'cache_aggressive',
  metric: 'daily_spend_pct',
  value: 71,
  threshold: 70,
  event_time: `${day}T10:00:00.000Z`,
  day,
  summary: 'spend at 71% of the budget',
});

describe('alertsView', () => {
  it("files an alert under its trigger's day, not the day SNS accepted it, and shows only the chosen day", () => {
    const alerts = [received(ladder('2025-03-14')), received(ladder(DAY)), received(ladder(DAY))];

    const view = alertsView(alerts, DAY);

    expect(alerts.map(alertDay)).toEqual(['2025-03-14', DAY, DAY]);
    expect(view.alerts.map((a) => a.message_id)).toEqual([alerts[2]?.message_id, alerts[1]?.message_id]);
    expect(view.other_days).toBe(1);
    expect(alertsView(alerts, '2026-12-04').alerts).toEqual([]);
  });

  it('falls back to the day SNS accepted an alert whose body names no trigger day', () => {
    const bare: ReceivedAlert = {
      message_id: 'x',
      published_at: '2026-12-04T04:00:00.000Z',
      severity: 'info',
      check: 'restore',
      alert_key: 'k',
      subject: 's',
      body: { summary: 'no trigger' },
    };
    expect(alertDay(bare)).toBe('2026-12-04');
  });

  it('picks out unpriced_model alerts with the model, the events and the estimate the check computed', () => {
    const triggers = eventTriggers(
      [
        anEvent('a', 'acme.unheard-of-v1:0', 3_000_000),
        anEvent('b', 'acme.unheard-of-v1:0', 2_000_000),
        anEvent('c', 'acme.other-v2:0', 7_000_000),
      ],
      [],
      config,
    ).filter((t) => t.check === 'unpriced_model');
    expect(triggers).toHaveLength(2);

    const view = alertsView([...triggers.map((t) => received(t)), received(ladder(DAY))], DAY);

    expect(
      view.unpriced
        .map((u) => [u.subject, u.events, u.estimate.nano, u.estimate.usd, u.first_event_time])
        .sort(),
    ).toEqual([
      ['acme.other-v2:0', 1, 7_000_000, '$0.00', `${DAY}T14:01:00.000Z`],
      ['acme.unheard-of-v1:0', 2, 5_000_000, '$0.00', `${DAY}T14:01:00.000Z`],
    ]);
    expect(view.alerts).toHaveLength(3);
  });
});
