import { decodeCostEvent, type QuarantineReason } from '../../../functions/core/events/decode';
import { DEFAULT_PRICE_TABLE } from '../../../functions/core/pricing/price-table';
import { type Defect, SCENARIOS, scenarioItems } from '../../../scripts/scenarios';

const encoder = new TextEncoder();
const bytesOf = (line: unknown): Uint8Array =>
  encoder.encode(typeof line === 'string' ? line : JSON.stringify(line));

const EXPECTED_QUARANTINE: Record<Defect, QuarantineReason> = {
  not_json: 'malformed_json',
  unknown_field: 'unknown_field',
  unsupported_major_version: 'unsupported_schema_version',
  negative_tokens: 'schema_violation',
  wrong_type: 'schema_violation',
};

describe.each(Object.keys(SCENARIOS))('the %s scenario against the consumer decoder', (name) => {
  const items = [...scenarioItems(name, { scale: 0.004, seed: 3 })];

  it('decodes every event and duplicate, at the cost the producer reported', () => {
    const failures = items.flatMap((item): unknown[] => {
      if (item.kind === 'bad') return [];
      const decoded = decodeCostEvent(bytesOf(item.line), DEFAULT_PRICE_TABLE);
      if (!decoded.ok) return [{ line: item.line, reason: decoded.reason, detail: decoded.detail }];
      const { reportedCostNano, costNano, schemaVersion, estimated } = decoded.event;
      // A v2 producer reports no figure for what the catalog can only estimate (v1's logger always does).
      if (estimated)
        return schemaVersion === '1' || reportedCostNano === null
          ? []
          : [{ line: item.line, reportedCostNano }];
      // v2 reports the exact cost; v1 rounds its dollars to 6 places, well inside the 1% mismatch check
      const tolerance = schemaVersion === '1' ? Math.max(costNano * 0.01, 1_500) : 0;
      const agrees = reportedCostNano !== null && Math.abs(reportedCostNano - costNano) <= tolerance;
      return agrees ? [] : [{ line: item.line, reportedCostNano, costNano }];
    });
    expect(failures).toEqual([]);
  });

  it('has its bad lines quarantined for the reason each was built for', () => {
    const bad = items.flatMap((item) => (item.kind === 'bad' ? [item] : []));
    expect(bad.length).toBeGreaterThan(0);
    for (const item of bad) {
      const decoded = decodeCostEvent(bytesOf(item.line), DEFAULT_PRICE_TABLE);
      expect({ defect: item.defect, reason: decoded.ok ? 'accepted' : decoded.reason }).toEqual({
        defect: item.defect,
        reason: EXPECTED_QUARANTINE[item.defect],
      });
    }
  });
});
