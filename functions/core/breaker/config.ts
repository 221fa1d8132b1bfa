import { DEFAULT_LADDER, type Ladder } from './ladder';

/** The thresholds of DESIGN 5, all overridable per stage. */
export interface CheckConfig {
  capNano: number;
  ladder: Ladder;
  /** Rolling 15-minute spend above this many times its baseline is a velocity spike. */
  velocityFactor: number;
  /** Earlier days whose same hour forms the velocity baseline. */
  historyDays: number;
  /** A session costing more than this many times its intent's average conversation is a spike. */
  spikeFactor: number;
  /** Average cost of one conversation per intent, nano-dollars; intents not listed are not checked. */
  intentConversationNano: Readonly<Record<string, number>>;
  /** Prompt tokens (input + cache read + cache write) above which one request is an explosion. */
  tokenExplosionTokens: number;
  /** Reported cost differing from ours by more than this (basis points of ours) is a mismatch. */
  mismatchBp: number;
}

export const defaultCheckConfig = (
  capNano: number,
  intentConversationNano: Readonly<Record<string, number>>,
): CheckConfig => ({
  capNano,
  ladder: DEFAULT_LADDER,
  velocityFactor: 3,
  historyDays: 7,
  spikeFactor: 10,
  intentConversationNano,
  tokenExplosionTokens: 10_000,
  mismatchBp: 100,
});
