import { utcDay } from '../time';
import { InvalidOverrideRequest } from './errors';
import { entryId, type LedgerEntry } from './ledger';
import type { OverrideRequest } from './override-request.v1.generated';
import { validateOverrideRequest } from './override-validator.generated';
import type { BreakerStore, Clock } from './ports';
import type { BreakerState, OverrideFlags } from './state';
import { type Plan, type TransitionReport, transition } from './transition';
import { executionName, type Trigger } from './trigger';

/** The override state machine's input, generated from schemas/override-request.v1.json. */
export type { OverrideRequest } from './override-request.v1.generated';

/** Every problem with a request as `field: reason`, or none. */
export const overrideRequestProblems = (request: unknown): string[] => {
  if (validateOverrideRequest(request)) return [];
  return (validateOverrideRequest.errors ?? []).map((error) => {
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    const extra = (error.params as { additionalProperty?: string }).additionalProperty;
    const field =
      missing ?? extra ?? (error.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'request');
    if (error.keyword === 'not') return 'flags, ttl_minutes: must be absent when action is clear';
    if (extra !== undefined) return `${field}: is not a known field`;
    return `${field}: ${error.message ?? 'is invalid'}`;
  });
};

export const parseOverrideRequest = (request: unknown): OverrideRequest => {
  if (validateOverrideRequest(request)) return request;
  throw new InvalidOverrideRequest(overrideRequestProblems(request));
};

export type OverrideOutcome = 'changed' | 'unchanged' | 'reverted' | 'superseded';

export interface OverrideReport extends TransitionReport<OverrideOutcome> {
  trigger: Trigger;
  ttl_seconds: number;
  clears: boolean;
}

const describeFlags = (flags: OverrideFlags | undefined): string =>
  Object.entries(flags ?? {})
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(', ');

/** Overrides reuse the alert and ledger shapes of a trigger, so FinOps sees them in the same feed. */
const overrideTrigger = (execution: string, summary: string, at: number, ids: string[]): Trigger => ({
  id: executionName(execution),
  check: 'override',
  severity: 'warning',
  metric: 'override',
  value: 0,
  threshold: 0,
  event_time: new Date(at).toISOString(),
  day: utcDay(at),
  ids,
  summary,
});

/**
 * The override workflow's two steps. `apply` validates the request and writes the override (or clears
 * the active one) with its ledger entry; `revert` removes it after the TTL only if it is still this
 * execution's, so a later override supersedes an earlier one instead of being undone by it.
 */
export const createOverride = (deps: { store: BreakerStore; clock: Clock }) => {
  const nowIso = () => new Date(deps.clock.now()).toISOString();

  const apply = async (raw: unknown, execution: string): Promise<OverrideReport> => {
    const request = parseOverrideRequest(raw);
    const clears = request.action === 'clear';
    const ttlSeconds = clears ? 0 : (request.ttl_minutes ?? 0) * 60;
    const id = entryId(execution, clears ? 'cleared' : 'applied');
    const summary = clears
      ? `${request.requested_by} cleared the override: ${request.reason}`
      : `${request.requested_by} set ${describeFlags(request.flags)} for ${request.ttl_minutes} min: ${request.reason}`;
    const base: Omit<LedgerEntry, 'kind'> = {
      entry_id: id,
      recorded_at: nowIso(),
      execution,
      actor: request.requested_by,
      reason: request.reason,
      ...(request.ticket === undefined ? {} : { ticket: request.ticket }),
      detail: { request },
    };
    const plan = (state: BreakerState): Plan<OverrideOutcome> => {
      if (clears) {
        if (state.override === undefined) return { kind: 'none', outcome: 'unchanged' };
        const { override: _cleared, ...rest } = state;
        return {
          kind: 'change',
          outcome: 'changed',
          next: rest,
          entry: { ...base, kind: 'override_cleared' },
        };
      }
      const now = deps.clock.now();
      const next: BreakerState = {
        ...state,
        override: {
          execution,
          flags: request.flags ?? {},
          reason: request.reason,
          requested_by: request.requested_by,
          ...(request.ticket === undefined ? {} : { ticket: request.ticket }),
          applied_at: new Date(now).toISOString(),
          expires_at: new Date(now + ttlSeconds * 1_000).toISOString(),
        },
      };
      return { kind: 'change', outcome: 'changed', next, entry: { ...base, kind: 'override_applied' } };
    };
    const result = await transition(deps.store, id, 'changed', plan);
    const ids = request.ticket === undefined ? [] : [request.ticket];
    return {
      ...result,
      trigger: overrideTrigger(execution, summary, deps.clock.now(), ids),
      ttl_seconds: ttlSeconds,
      clears,
    };
  };

  const revert = async (execution: string): Promise<OverrideReport> => {
    const id = entryId(execution, 'reverted');
    const plan = (state: BreakerState): Plan<OverrideOutcome> => {
      const entry = { recorded_at: nowIso(), execution, actor: 'breaker', reason: 'override TTL elapsed' };
      if (state.override?.execution !== execution) {
        return {
          kind: 'none',
          outcome: 'superseded',
          entry: {
            ...entry,
            kind: 'override_superseded',
            entry_id: entryId(execution, 'superseded'),
            detail: { active: state.override?.execution ?? null },
          },
        };
      }
      const { override: _expired, ...rest } = state;
      return {
        kind: 'change',
        outcome: 'reverted',
        next: rest,
        entry: { ...entry, kind: 'override_reverted', entry_id: id },
      };
    };
    const result = await transition(deps.store, id, 'reverted', plan);
    const summary =
      result.outcome === 'superseded'
        ? 'override TTL elapsed; a later override is active, nothing reverted'
        : `override TTL elapsed: flags back to the breaker's (${result.to})`;
    return {
      ...result,
      trigger: overrideTrigger(execution, summary, deps.clock.now(), []),
      ttl_seconds: 0,
      clears: false,
    };
  };

  return { apply, revert };
};
