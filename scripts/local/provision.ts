import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ResourceNotFoundException,
  ResourceInUseException as StreamInUseException,
} from '@aws-sdk/client-kinesis';
import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { parse } from 'yaml';
import { LOCAL_CREDENTIALS } from '../lib/local-clients';
import type { StackResources, StackState } from '../lib/stack-context';
import { projectRoot } from './paths';

export const TABLES_FILE = join(projectRoot, 'resources', 'dynamodb.yml');

/** A table from resources/dynamodb.yml with its `${self:custom.names.<key>}` name resolved. */
export interface TableDefinition {
  /** The key under custom.names, for example `spendTable`. */
  key: string;
  logicalId: string;
  input: CreateTableCommandInput;
  ttlAttribute: string | undefined;
}

const NAME_REFERENCE = /\$\{self:custom\.names\.([A-Za-z0-9_]+)\}/g;

/** spendTable -> ccb-local-spend: the same rule serverless.yml follows for its custom.names. */
export const localTableName = (key: string, resources: StackResources, stage = 'local'): string => {
  const known = (resources as unknown as Record<string, unknown>)[key];
  if (typeof known === 'string') return known;
  const base = key
    .replace(/Table$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
  return `ccb-${stage}-${base}`;
};

/** spendTable -> SPEND_TABLE_NAME, the variable the functions read the table name from. */
export const tableEnvironmentVariable = (key: string): string =>
  `${key
    .replace(/Table$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()}_TABLE_NAME`;

interface CloudFormationTable {
  Type?: string;
  Properties?: {
    TableName?: string;
    BillingMode?: string;
    AttributeDefinitions?: AttributeDefinition[];
    KeySchema?: CreateTableCommandInput['KeySchema'];
    GlobalSecondaryIndexes?: CreateTableCommandInput['GlobalSecondaryIndexes'];
    LocalSecondaryIndexes?: CreateTableCommandInput['LocalSecondaryIndexes'];
    ProvisionedThroughput?: CreateTableCommandInput['ProvisionedThroughput'];
    StreamSpecification?: { StreamViewType?: string };
    TimeToLiveSpecification?: { AttributeName?: string; Enabled?: boolean };
  };
}

/**
 * Reads the CloudFormation table definitions that serverless.yml deploys and turns them into CreateTable
 * inputs for DynamoDB Local. Settings DynamoDB Local has no use for (SSE, point-in-time recovery, tags)
 * are left out.
 */
export const loadTableDefinitions = async (
  resources: StackResources,
  options: { file?: string; stage?: string } = {},
): Promise<TableDefinition[]> => {
  const file = options.file ?? TABLES_FILE;
  const document = parse(await readFile(file, 'utf8'), { logLevel: 'error' }) as {
    Resources?: Record<string, CloudFormationTable>;
  };
  const definitions: TableDefinition[] = [];
  for (const [logicalId, resource] of Object.entries(document.Resources ?? {})) {
    if (resource.Type !== 'AWS::DynamoDB::Table') continue;
    const properties = resource.Properties ?? {};
    const rawName = properties.TableName ?? '';
    const key = [...rawName.matchAll(NAME_REFERENCE)][0]?.[1];
    const tableName = rawName.replace(NAME_REFERENCE, (_match, name: string) =>
      localTableName(name, resources, options.stage),
    );
    if (key === undefined || tableName.includes('${') || tableName.length < 3) {
      throw new Error(
        `${file}: ${logicalId}.TableName must be \${self:custom.names.<key>} (got ${JSON.stringify(rawName)})`,
      );
    }
    const ttl = properties.TimeToLiveSpecification;
    definitions.push({
      key,
      logicalId,
      ttlAttribute: ttl?.Enabled && ttl.AttributeName ? ttl.AttributeName : undefined,
      input: {
        TableName: tableName,
        AttributeDefinitions: properties.AttributeDefinitions,
        KeySchema: properties.KeySchema,
        BillingMode: properties.BillingMode === 'PROVISIONED' ? 'PROVISIONED' : 'PAY_PER_REQUEST',
        ...(properties.ProvisionedThroughput && { ProvisionedThroughput: properties.ProvisionedThroughput }),
        ...(properties.GlobalSecondaryIndexes && {
          GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes,
        }),
        ...(properties.LocalSecondaryIndexes && { LocalSecondaryIndexes: properties.LocalSecondaryIndexes }),
        ...(properties.StreamSpecification?.StreamViewType && {
          StreamSpecification: {
            StreamEnabled: true,
            StreamViewType: properties.StreamSpecification.StreamViewType as 'NEW_AND_OLD_IMAGES',
          },
        }),
      },
    });
  }
  return definitions;
};

export const localDynamoDbAdminClient = (state: Pick<StackState, 'region' | 'endpoints'>): DynamoDBClient =>
  new DynamoDBClient({
    region: state.region,
    endpoint: state.endpoints.dynamodb,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 30_000 }),
  });

/** Creates each table and its TTL setting unless it already exists; safe to run on every start. */
export const ensureTables = async (
  client: DynamoDBClient,
  definitions: readonly TableDefinition[],
): Promise<void> => {
  for (const definition of definitions) {
    const TableName = definition.input.TableName;
    try {
      await client.send(new CreateTableCommand(definition.input));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    for (let attempt = 0; ; attempt += 1) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName }));
      if (Table?.TableStatus === 'ACTIVE') break;
      if (attempt > 300) throw new Error(`table ${TableName} did not become ACTIVE`);
      await delay(100);
    }
    if (definition.ttlAttribute === undefined) continue;
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName }));
    const status = TimeToLiveDescription?.TimeToLiveStatus;
    if (
      (status === 'ENABLED' || status === 'ENABLING') &&
      TimeToLiveDescription?.AttributeName === definition.ttlAttribute
    ) {
      continue;
    }
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName,
        TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
      }),
    );
  }
};

export interface StreamInfo {
  arn: string;
  shardCount: number;
  /** True when this call created the stream, so any checkpoints on disk belong to an older one. */
  created: boolean;
}

/** Creates the stream when it does not exist and waits until it is ACTIVE. */
export const ensureStream = async (
  client: KinesisClient,
  streamName: string,
  shardCount: number,
): Promise<StreamInfo> => {
  let created = false;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const { StreamDescriptionSummary: summary } = await client.send(
        new DescribeStreamSummaryCommand({ StreamName: streamName }),
      );
      if (summary?.StreamStatus === 'ACTIVE' && summary.StreamARN !== undefined) {
        return { arn: summary.StreamARN, shardCount: summary.OpenShardCount ?? shardCount, created };
      }
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      try {
        await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
        created = true;
      } catch (createError) {
        if (!(createError instanceof StreamInUseException)) throw createError;
      }
    }
    if (attempt > 300) throw new Error(`stream ${streamName} did not become ACTIVE`);
    await delay(100);
  }
};

/** Creates the SNS topic (CreateTopic is idempotent) and returns its ARN. */
export const ensureTopic = async (client: SNSClient, name: string): Promise<string> => {
  const { TopicArn } = await client.send(new CreateTopicCommand({ Name: name }));
  if (TopicArn === undefined) throw new Error(`CreateTopic ${name} returned no TopicArn`);
  return TopicArn;
};
