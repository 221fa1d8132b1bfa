import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { tracer } from './powertools';

/**
 * Built once per cold start. Endpoints come from the SDK's own AWS_ENDPOINT_URL_<SERVICE> variables,
 * which is all that differs between AWS and the local stack.
 */
export const documentClient = DynamoDBDocumentClient.from(
  tracer.captureAWSv3Client(
    new DynamoDBClient({
      maxAttempts: 6,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 }),
    }),
  ),
  { marshallOptions: { removeUndefinedValues: true } },
);
