import { decodeCostEvent } from '../events/decode';
import { eventPosition, splitRecord } from '../events/record-payloads';
import type { PriceTable } from '../pricing/price-table';
import type { Positioned, Quarantinable, StreamRecord } from './batch-model';

/** Splits records into their events and decodes each: valid events at their positions, the rest to quarantine. */
export const splitBatch = (
  records: readonly StreamRecord[],
  prices: PriceTable,
): { valid: Positioned[]; invalid: Quarantinable[] } => {
  const valid: Positioned[] = [];
  const invalid: Quarantinable[] = [];
  for (const record of records) {
    const payloads = splitRecord(record.data);
    if (!payloads.ok) {
      invalid.push({
        record,
        index: 0,
        data: record.data,
        reason: payloads.reason,
        detail: payloads.detail,
        version: null,
      });
      continue;
    }
    payloads.events.forEach((data, index) => {
      const position = eventPosition(record.sequenceNumber, index);
      const decoded = decodeCostEvent(data, prices);
      if (decoded.ok) {
        valid.push({ event: decoded.event, sequence: position, record });
      } else {
        const { reason, detail, schemaVersion: version } = decoded;
        invalid.push({ record, index, data, reason, detail, version });
      }
    });
  }
  return { valid, invalid };
};
