import type { LedgerEntry } from '../../../functions/core/breaker/ledger';
import type { StageContext } from '../stage';
import { DynamoDbLedgerReader } from './dynamodb-ledger-reader';

/** The ledger oldest first, or only its last `limit` entries: what `ccb audit` prints. */
export const readAudit = async (context: StageContext, limit?: number): Promise<LedgerEntry[]> => {
  const all = await new DynamoDbLedgerReader(context.dynamodb, context.resources.ledgerTable).entries();
  return limit === undefined ? all : all.slice(-limit);
};
