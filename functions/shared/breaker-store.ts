import { DynamoDbBreakerStore } from '../adapters/dynamodb/dynamodb-breaker-store';
import { documentClient } from './aws-clients';
import { requireEnv } from './config';

/** The breaker state and ledger tables, for the task functions that change them. */
export const breakerStore = (): DynamoDbBreakerStore =>
  new DynamoDbBreakerStore(documentClient, requireEnv('BREAKER_TABLE_NAME'), requireEnv('LEDGER_TABLE_NAME'));
