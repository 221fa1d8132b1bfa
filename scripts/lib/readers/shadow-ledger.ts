import { DynamoDbShadowLedger } from '../../../functions/adapters/dynamodb/dynamodb-shadow-ledger';
import type { LedgerEntry } from '../../../functions/core/breaker/ledger';
import type { StageContext } from '../stage';

const ledgerOf = (context: StageContext) =>
  new DynamoDbShadowLedger(context.dynamodb, context.resources.ledgerTable);

/** One shadow policy's would-be transitions, oldest first by when they were recorded: `ccb audit --shadow`. */
export const readShadowEntries = (context: StageContext, policy: string): Promise<LedgerEntry[]> =>
  ledgerOf(context).entries(policy);

/** Every shadow policy that wrote an entry, by name, with its entries (one read of the shadow partition). */
export const readShadowPolicies = (
  context: StageContext,
): Promise<{ name: string; entries: LedgerEntry[] }[]> => ledgerOf(context).byPolicy();
