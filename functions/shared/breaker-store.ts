import { DynamoDbBreakerStore } from '../adapters/dynamodb/dynamodb-breaker-store';
import { documentClient } from './aws-clients/dynamodb';
import { requireEnv } from './config';

/** The breaker state, read only: for the functions that run the checks. */
export const breakerStateReader = (): Pick<DynamoDbBreakerStore, 'load'> =>
  new DynamoDbBreakerStore(documentClient(), requireEnv('BREAKER_TABLE_NAME'), 'no-ledger-access');

/** The breaker state and ledger tables, for the task functions that change them. */
export const breakerStore = (): DynamoDbBreakerStore =>
  new DynamoDbBreakerStore(
    documentClient(),
    requireEnv('BREAKER_TABLE_NAME'),
    requireEnv('LEDGER_TABLE_NAME'),
  );
