import { type OverrideRequest, overrideRequestProblems } from '../../functions/core/breaker/override';
import { validateOverrideRequest } from '../../functions/core/breaker/override-validator.generated';

/** A request the CLI refused before starting anything: every field with its reason. */
export class OverrideRejectedError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`override rejected:\n  ${problems.join('\n  ')}`);
    this.name = 'OverrideRejectedError';
  }
}

export interface OverrideOptions {
  set?: string[];
  clear?: boolean;
  reason?: string;
  ttl?: string;
  requestedBy?: string;
  ticket?: string;
}

const MINUTES_PER_UNIT: Record<string, number> = { m: 1, min: 1, h: 60, d: 1_440 };

/** `30m`, `2h`, `1d` or a bare number of minutes; anything else is passed on for the schema to reject. */
export const parseTtlMinutes = (ttl: string): number | string => {
  const match = /^(\d+)\s*(m|min|h|d)?$/.exec(ttl.trim());
  if (match === null) return ttl;
  return Number(match[1]) * (MINUTES_PER_UNIT[match[2] ?? 'm'] ?? 1);
};

const parseValue = (value: string): boolean | string =>
  value === 'true' ? true : value === 'false' ? false : value;

/** The override request the options describe; not validated here (the schema does that, once). */
export const overrideRequestFrom = (options: OverrideOptions): Record<string, unknown> => {
  const flags: Record<string, boolean | string> = {};
  for (const assignment of options.set ?? []) {
    const [name, ...value] = assignment.split('=');
    flags[name ?? ''] = parseValue(value.join('='));
  }
  return {
    ...(options.clear
      ? { action: 'clear' }
      : { flags, ttl_minutes: options.ttl === undefined ? undefined : parseTtlMinutes(options.ttl) }),
    reason: options.reason,
    requested_by: options.requestedBy,
    ...(options.ticket === undefined ? {} : { ticket: options.ticket }),
  };
};

export const validOverrideRequest = (options: OverrideOptions): OverrideRequest => {
  const request: unknown = JSON.parse(JSON.stringify(overrideRequestFrom(options)));
  if (validateOverrideRequest(request)) return request;
  throw new OverrideRejectedError(overrideRequestProblems(request));
};
