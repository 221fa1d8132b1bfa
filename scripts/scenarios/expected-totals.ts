import { decodeCostEvent } from '../../functions/core/events/decode';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';

export interface ExpectedTotals {
  /** Distinct valid events: one per (session, event_id). */
  events: number;
  costNano: number;
  /** Lines the consumer must quarantine. */
  invalid: number;
}

const encoder = new TextEncoder();
const bytesOf = (line: unknown): Uint8Array =>
  line instanceof Uint8Array ? line : encoder.encode(typeof line === 'string' ? line : JSON.stringify(line));

/**
 * The reference answer for exactly-once: what the stored spend must be after ingesting these lines,
 * whatever retries, crashes or duplicates the delivery went through. For the demo's self-check and tests.
 */
export const expectedTotals = (lines: Iterable<unknown>): ExpectedTotals => {
  const seen = new Set<string>();
  let costNano = 0;
  let invalid = 0;
  for (const line of lines) {
    const decoded = decodeCostEvent(bytesOf(line), DEFAULT_PRICE_TABLE);
    if (!decoded.ok) {
      invalid += 1;
      continue;
    }
    const id = `${decoded.event.sessionId}|${decoded.event.eventId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    costNano += decoded.event.costNano;
  }
  return { events: seen.size, costNano, invalid };
};
