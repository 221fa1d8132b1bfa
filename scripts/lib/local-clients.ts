import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { IAMClient } from '@aws-sdk/client-iam';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { StackState } from './stack-context';

/** The emulators accept any credentials; real ones would only leak into local logs. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

type LocalState = Pick<StackState, 'region' | 'endpoints'>;

/**
 * Environment for code that runs the real Lambda handlers against the local stack: the SDK reads
 * AWS_ENDPOINT_URL_<SERVICE>, so the handlers build their clients exactly as on AWS.
 */
export const localAwsEnvironment = (state: LocalState): Record<string, string> => ({
  AWS_REGION: state.region,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_ENDPOINT_URL_KINESIS: state.endpoints.kinesis,
  AWS_ENDPOINT_URL_DYNAMODB: state.endpoints.dynamodb,
  ...(state.endpoints.ssm !== undefined && { AWS_ENDPOINT_URL_SSM: state.endpoints.ssm }),
  ...(state.endpoints.sfn !== undefined && { AWS_ENDPOINT_URL_SFN: state.endpoints.sfn }),
  ...(state.endpoints.sns !== undefined && { AWS_ENDPOINT_URL_SNS: state.endpoints.sns }),
  ...(state.endpoints.firehose !== undefined && { AWS_ENDPOINT_URL_FIREHOSE: state.endpoints.firehose }),
  ...(state.endpoints.iam !== undefined && { AWS_ENDPOINT_URL_IAM: state.endpoints.iam }),
  // The Redshift Data API stand-in is part of the same server as the SSM one.
  ...(state.endpoints.ssm !== undefined && {
    AWS_ENDPOINT_URL_REDSHIFT_DATA: state.endpoints.redshiftData ?? state.endpoints.ssm,
  }),
  ...(state.endpoints.cloudwatch !== undefined && {
    AWS_ENDPOINT_URL_CLOUDWATCH: state.endpoints.cloudwatch,
  }),
});

// HTTP/1.1 on purpose: kinesis-local fails large PutRecords over the SDK's default HTTP/2 handler.
const http1 = () => new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 30_000 });

export class StandInMissingError extends Error {
  constructor(service: string, options?: ErrorOptions) {
    super(
      `the running local stack has no ${service} endpoint (it was started before the stand-ins existed); ` +
        'restart it with: npx ccb local down && npx ccb local up',
      options,
    );
    this.name = 'StandInMissingError';
  }
}

const endpointOf = (
  state: LocalState,
  service: 'ssm' | 'sfn' | 'sns' | 'firehose' | 'cloudwatch' | 'iam',
): string => {
  const endpoint = state.endpoints[service];
  if (endpoint === undefined) throw new StandInMissingError(service);
  return endpoint;
};

export const localKinesisClient = (state: LocalState): KinesisClient =>
  new KinesisClient({
    region: state.region,
    endpoint: state.endpoints.kinesis,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: http1(),
  });

export const localDynamoDbClient = (state: LocalState): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: state.region,
      endpoint: state.endpoints.dynamodb,
      credentials: LOCAL_CREDENTIALS,
      requestHandler: http1(),
    }),
  );

/** SSM Parameter Store of the local stack (scripts/local/aws/ssm.ts). */
export const localSsmClient = (state: LocalState): SSMClient =>
  new SSMClient({
    region: state.region,
    endpoint: endpointOf(state, 'ssm'),
    credentials: LOCAL_CREDENTIALS,
    requestHandler: http1(),
  });

/** Step Functions of the local stack (scripts/local/aws/sfn.ts), running statemachines/*.asl.json. */
export const localSfnClient = (state: LocalState): SFNClient =>
  new SFNClient({
    region: state.region,
    endpoint: endpointOf(state, 'sfn'),
    credentials: LOCAL_CREDENTIALS,
    requestHandler: http1(),
  });

/** SNS of the local stack (scripts/local/aws/sns.ts); published messages are kept in a file. */
export const localSnsClient = (state: LocalState): SNSClient =>
  new SNSClient({
    region: state.region,
    endpoint: endpointOf(state, 'sns'),
    credentials: LOCAL_CREDENTIALS,
    requestHandler: http1(),
  });

/** Firehose of the local stack (scripts/local/aws/firehose.ts): delivers to files and the local warehouse. */
export const localFirehoseClient = (state: LocalState): FirehoseClient =>
  new FirehoseClient({
    region: state.region,
    endpoint: endpointOf(state, 'firehose'),
    credentials: LOCAL_CREDENTIALS,
    requestHandler: http1(),
  });

/**
 * The Redshift Data API of the local stack (scripts/local/aws/redshift-data.ts), running the warehouse
 * queries on PGlite; it is served by the same stand-ins server as SSM.
 */
export const localRedshiftDataClient = (state: LocalState): RedshiftDataClient =>
  new RedshiftDataClient({
    region: state.region,
    endpoint: endpointOf(state, 'ssm'),
    credentials: LOCAL_CREDENTIALS,
    requestHandler: http1(),
  });

/** CloudWatch metrics of the local stack (scripts/local/aws/cloudwatch.ts): where scenarios publish Bedrock's truth. */
export const localCloudWatchClient = (state: LocalState): CloudWatchClient =>
  new CloudWatchClient({
    region: state.region,
    endpoint: endpointOf(state, 'cloudwatch'),
    credentials: LOCAL_CREDENTIALS,
    requestHandler: http1(),
  });

/** IAM of the local stack (scripts/local/aws/iam.ts): the inline policies of the cap's roles. */
export const localIamClient = (state: LocalState): IAMClient =>
  new IAMClient({
    region: state.region,
    endpoint: endpointOf(state, 'iam'),
    credentials: LOCAL_CREDENTIALS,
    requestHandler: http1(),
  });
