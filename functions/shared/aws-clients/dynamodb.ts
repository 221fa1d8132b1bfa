import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { once } from '../once';
import { tracedClient } from './build-client';

/*
 * Six attempts rather than four: a write that gives up fails its record, and the stream redelivers the
 * batch from there.
 */
const dynamoDbClient = tracedClient((options) => new DynamoDBClient({ ...options, maxAttempts: 6 }));

/** DynamoDB through the document client, undefined attributes left out. */
export const documentClient = once(() =>
  DynamoDBDocumentClient.from(dynamoDbClient(), { marshallOptions: { removeUndefinedValues: true } }),
);
