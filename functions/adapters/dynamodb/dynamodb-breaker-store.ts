import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { LedgerEntry } from '../../core/breaker/ledger';
import type { BreakerStore } from '../../core/breaker/ports';
import { type BreakerState, INITIAL_STATE } from '../../core/breaker/state';
import { rethrowTransient } from '../transient';

const STATE_KEY = { pk: 'BREAKER' };
const LEDGER_PK = 'LEDGER';

export const ledgerItem = (entry: LedgerEntry) => ({ pk: LEDGER_PK, sk: entry.entry_id, ...entry });

const isConditionFailure = (error: unknown): boolean =>
  (error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')) ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

/**
 * The breaker state item and the ledger. A transition is one TransactWriteItems: the state put,
 * conditional on the version it was planned from, and the ledger put, conditional on its id being
 * new. Ledger items are only ever put, never updated or deleted (the functions' IAM denies both).
 */
export class DynamoDbBreakerStore implements BreakerStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly stateTable: string,
    private readonly ledgerTable: string,
  ) {}

  async load(): Promise<BreakerState> {
    const { Item } = await this.client
      .send(new GetCommand({ TableName: this.stateTable, Key: STATE_KEY, ConsistentRead: true }))
      .catch(rethrowTransient);
    if (Item === undefined) return INITIAL_STATE;
    const { pk: _pk, ...state } = Item;
    return state as BreakerState;
  }

  async commit(
    expectedVersion: number,
    next: BreakerState,
    entry: LedgerEntry,
  ): Promise<'committed' | 'conflict'> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.stateTable,
                Item: { ...STATE_KEY, ...next },
                ConditionExpression:
                  expectedVersion === 0 ? 'attribute_not_exists(pk) OR version = :v' : 'version = :v',
                ExpressionAttributeValues: { ':v': expectedVersion },
              },
            },
            {
              Put: {
                TableName: this.ledgerTable,
                Item: ledgerItem(entry),
                ConditionExpression: 'attribute_not_exists(sk)',
              },
            },
          ],
        }),
      );
      return 'committed';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      return rethrowTransient(error);
    }
  }

  async append(entry: LedgerEntry): Promise<'appended' | 'exists'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.ledgerTable,
          Item: ledgerItem(entry),
          ConditionExpression: 'attribute_not_exists(sk)',
        }),
      );
      return 'appended';
    } catch (error) {
      if (isConditionFailure(error)) return 'exists';
      return rethrowTransient(error);
    }
  }
}
