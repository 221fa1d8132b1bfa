import { DynamoDbShadowLedger } from '../../../functions/adapters/dynamodb/dynamodb-shadow-ledger';
import type { LedgerEntry } from '../../../functions/core/breaker/ledger';
import type { StageContext } from '../stage';

const ledgerOf = (context: StageContext) =>
  new DynamoDbShadowLedger(context.dynamodb, context.resources.ledgerTable);

/** One shadow policy's would-be transitions, oldest first by when they were recorded: `ccb audit --shadow`. */
export const readShadowEntries = (context: StageContext, policy: string): Promise<LedgerEntry[]> =>
  ledgerOf(context).entries(policy);

/** Every shadow policy that wrote an entry, by name, with its entries. */
export const readShadowPolicies = async (
  context: StageContext,
): Promise<{ name: string; entries: LedgerEntry[] }[]> => {
  const ledger = ledgerOf(context);
  const names = await ledger.policies();
  return Promise.all(names.map(async (name) => ({ name, entries: await ledger.entries(name) })));
};
