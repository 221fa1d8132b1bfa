import type { EnforceCapResult } from './cap-enforcement';
import { type Policy, policyAlerts } from './policy';
import type { AlertMessage, AlertPublisher } from './ports';
import type { TransitionReport } from './transition';
import type { Trigger } from './trigger';

const SUBJECT_LIMIT = 100;

export interface NotifyInput {
  execution: string;
  trigger: Trigger;
  /** The workflow's outcome; at the cap (or leaving it) with what the IAM step did or the error it caught. */
  outcome: TransitionReport<string> & { enforcement?: EnforceCapResult; enforcement_error?: unknown };
}

const headline = ({ trigger, outcome }: NotifyInput): string => {
  if (outcome.outcome === 'disabled') return `breaker disabled, would have acted: ${trigger.summary}`;
  // Restore summaries name their step already; overrides and raised flags leave the mode as it was.
  const modeChanged = outcome.from !== outcome.to && trigger.check !== 'restore';
  return modeChanged ? `${outcome.from} -> ${outcome.to}: ${trigger.summary}` : trigger.summary;
};

/**
 * The alert for one workflow outcome: a subject line for people, a JSON body for tools, and message
 * attributes for SNS subscription filters (severity, check, stage). The alert key is the trigger id,
 * which already carries the level and window, so the same finding alerts once.
 */
export const alertFor = (input: NotifyInput, stage: string): AlertMessage => {
  const { trigger, outcome, execution } = input;
  const line = `[${trigger.severity.toUpperCase()}] ccb ${stage}: ${headline(input)}`;
  return {
    subject: line.length > SUBJECT_LIMIT ? `${line.slice(0, SUBJECT_LIMIT - 3)}...` : line,
    body: {
      alert_key: trigger.id,
      stage,
      severity: trigger.severity,
      check: trigger.check,
      summary: line,
      outcome: outcome.outcome,
      from_mode: outcome.from,
      to_mode: outcome.to,
      flags: outcome.flags_after,
      trigger,
      execution,
      ledger_entry: outcome.entry_id,
      ...(trigger.incident !== undefined && { incident: trigger.incident }),
      ...(outcome.enforcement !== undefined && { enforcement: outcome.enforcement }),
      ...(outcome.enforcement_error !== undefined && { enforcement_error: outcome.enforcement_error }),
    },
    attributes: {
      severity: trigger.severity,
      check: trigger.check,
      stage,
      alert_key: trigger.id,
      // Subscription filters can keep onsets and resolutions and drop the digests in between.
      ...(trigger.incident !== undefined && { incident: trigger.incident.kind }),
    },
  };
};

/**
 * Publishes the alert of a workflow outcome, unless the policy's alert settings leave its severity out
 * (`message_id` null then: the ledger still holds the transition).
 */
export const createNotify =
  (deps: { publisher: AlertPublisher; stage: string; policy: Pick<Policy, 'alerts'> }) =>
  async (input: NotifyInput): Promise<{ message_id: string | null }> => ({
    message_id: policyAlerts(deps.policy, input.trigger.severity)
      ? await deps.publisher.publish(alertFor(input, deps.stage))
      : null,
  });
