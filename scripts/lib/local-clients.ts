import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { StackState } from './stack-context';

/** The emulators accept any credentials; real ones would only leak into local logs. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * Environment for code that runs the real Lambda handlers against the local stack: the SDK reads
 * AWS_ENDPOINT_URL_<SERVICE>, so the handlers build their clients exactly as on AWS.
 */
export const localAwsEnvironment = (
  state: Pick<StackState, 'region' | 'endpoints'>,
): Record<string, string> => ({
  AWS_REGION: state.region,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_ENDPOINT_URL_KINESIS: state.endpoints.kinesis,
  AWS_ENDPOINT_URL_DYNAMODB: state.endpoints.dynamodb,
});

// HTTP/1.1 on purpose: kinesis-local fails large PutRecords over the SDK's default HTTP/2 handler.
const http1 = () => new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 30_000 });

export const localKinesisClient = (state: Pick<StackState, 'region' | 'endpoints'>): KinesisClient =>
  new KinesisClient({
    region: state.region,
    endpoint: state.endpoints.kinesis,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: http1(),
  });

export const localDynamoDbClient = (
  state: Pick<StackState, 'region' | 'endpoints'>,
): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: state.region,
      endpoint: state.endpoints.dynamodb,
      credentials: LOCAL_CREDENTIALS,
      requestHandler: http1(),
    }),
  );
