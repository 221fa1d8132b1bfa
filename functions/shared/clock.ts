import type { Clock } from '../core/time';

/** The wall clock: the one place functions read it, handed to the use cases by their handlers. */
export const systemClock: Clock = { now: () => Date.now() };
