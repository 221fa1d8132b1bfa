import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_ACCOUNT_ID, localResources } from '../../lib/stack-context';
import { consoleLogger, type Logger } from '../log';
import { projectRoot } from '../paths';
import { closeWarehouseDb, loadArchivedEvents, warehouseDb } from '../warehouse/warehouse-db';
import { createCloudWatchService } from './cloudwatch';
import { createFirehoseService } from './firehose';
import { createIamService } from './iam';
import {
  AwsServiceError,
  escapeXml,
  parseJsonBody,
  readBody,
  sendJson,
  sendJsonError,
  sendXml,
} from './protocol';
import { createRedshiftDataService } from './redshift-data';
import { createSfnService } from './sfn';
import { createSnsService } from './sns';
import { createSsmService } from './ssm';

/** What the supervisor hands to the stand-ins process, as JSON in this environment variable. */
export const AWS_STAND_INS_CONFIG_ENV = 'CCB_AWS_STAND_INS_CONFIG';
export const AWS_STAND_INS_SCRIPT = fileURLToPath(import.meta.url);

export interface AwsStandInsConfig {
  home: string;
  stage: string;
  region?: string;
  accountId?: string;
  /** 0 or unset: any free port. */
  port?: number;
  /** Default `<repo>/statemachines`; relative paths are from the repository root. */
  stateMachinesDir?: string;
  /** Default `<repo>/functions`: `${BreakerApplyFunctionArn}` runs `<functionsDir>/breaker-apply.ts`. */
  functionsDir?: string;
  /** Multiplies every Wait's duration. Default 1. */
  waitScale?: number;
  /** Replaces every Retry interval. Default the ASL's own. */
  retryIntervalMs?: number;
  /** DefinitionSubstitutions other than `${<Name>FunctionArn}`. */
  substitutions?: Record<string, string>;
  /** The IAM roles that exist locally: the stage's capEnforcementRoles. */
  iamRoles?: string[];
}

/** Everything the stand-ins keep, under `<home>/aws/`. */
export const awsStandInPaths = (home: string) => ({
  root: join(home, 'aws'),
  ssm: join(home, 'aws', 'ssm.json'),
  sfn: join(home, 'aws', 'sfn'),
  snsTopics: join(home, 'aws', 'sns', 'topics.json'),
  snsMessages: join(home, 'aws', 'sns', 'messages.jsonl'),
  /** Inline policies of the local roles (the cap's deny), by role and policy name. */
  iam: join(home, 'aws', 'iam.json'),
  /** Delivered objects under `<stream>/<YYYY>/<MM>/<DD>/<HH>/`, and fault.json (scripts/local/aws/firehose.ts). */
  firehose: join(home, 'aws', 'firehose'),
  /** Every PutMetricData datum, one JSON line each (scripts/local/aws/cloudwatch.ts). */
  cloudwatch: join(home, 'aws', 'cloudwatch', 'datapoints.jsonl'),
});

const JSON_1_0 = 'application/x-amz-json-1.0';
const CLOUDWATCH_TARGET = 'GraniteServiceVersion20100801';
const JSON_1_1 = 'application/x-amz-json-1.1';
const SNS_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
/** The query-protocol API version the IAM client sends; SNS sends 2010-03-31. */
const IAM_VERSION = '2010-05-08';

const consoleLog = consoleLogger('aws-stand-ins');

const fromRoot = (path: string) => (isAbsolute(path) ? path : resolve(projectRoot, path));

export interface AwsStandIns {
  endpoint: string;
  port: number;
  /** Stops listening; running executions are left RUNNING on disk, so the next start fails them. */
  close(): Promise<void>;
}

/**
 * One HTTP server speaking the wire protocols the AWS SDK v3 uses for SSM (awsJson1_1), Step Functions
 * (awsJson1_0), SNS and IAM (query), Firehose (awsJson1_1) and CloudWatch metrics (awsJson1_0, query-compatible), so the adapters run unchanged with
 * AWS_ENDPOINT_URL_<SERVICE> pointing here. Requests are told apart by X-Amz-Target (JSON) or a form body's
 * Version (query: IAM's 2010-05-08, SNS's 2010-03-31). It owns the local warehouse (PGlite) the Firehose stand-in loads.
 */
export const serveAwsStandIns = async (
  config: AwsStandInsConfig,
  log: Logger = consoleLog,
): Promise<AwsStandIns> => {
  const region = config.region ?? 'us-east-1';
  const accountId = config.accountId ?? LOCAL_ACCOUNT_ID;
  const paths = awsStandInPaths(config.home);
  const ssm = await createSsmService({ file: paths.ssm, region, accountId });
  const sns = await createSnsService({
    files: { topics: paths.snsTopics, messages: paths.snsMessages },
    region,
    accountId,
  });
  const iam = await createIamService({ file: paths.iam, roles: config.iamRoles ?? [] });
  const firehose = createFirehoseService({
    root: paths.firehose,
    region,
    accountId,
    deliveryStreams: [localResources(config.stage).archiveDeliveryStream],
    load: async (rows) => loadArchivedEvents(await warehouseDb(config.home), rows),
    log,
  });
  // Runs the warehouse queries of RedshiftDataWarehouse (ccb report, the baselines function) on the same PGlite.
  const redshiftData = createRedshiftDataService({ db: () => warehouseDb(config.home), log });
  const cloudwatch = await createCloudWatchService({ file: paths.cloudwatch });
  const sfn = await createSfnService({
    dataDir: paths.sfn,
    stage: config.stage,
    region,
    accountId,
    stateMachinesDir: fromRoot(config.stateMachinesDir ?? 'statemachines'),
    functionsDir: fromRoot(config.functionsDir ?? 'functions'),
    waitScale: config.waitScale ?? 1,
    retryIntervalMs: config.retryIntervalMs,
    substitutions: config.substitutions,
    log,
  });

  const handleJson = async (response: ServerResponse, target: string, text: string) => {
    const dot = target.indexOf('.');
    const prefix = target.slice(0, dot);
    const operation = target.slice(dot + 1);
    const service =
      prefix === 'AmazonSSM'
        ? ssm
        : prefix === 'AWSStepFunctions'
          ? sfn
          : prefix === 'Firehose_20150804'
            ? firehose
            : prefix === 'RedshiftData'
              ? redshiftData
              : prefix === CLOUDWATCH_TARGET
                ? cloudwatch
                : undefined;
    const contentType = prefix === 'AWSStepFunctions' || prefix === CLOUDWATCH_TARGET ? JSON_1_0 : JSON_1_1;
    try {
      if (service === undefined)
        throw new AwsServiceError('UnknownOperationException', `unknown service ${prefix}`);
      const result = await service.handle(operation, parseJsonBody(text));
      sendJson(response, contentType, 200, result, { 'x-amzn-requestid': randomUUID() });
    } catch (error) {
      if (!(error instanceof AwsServiceError))
        log('error', `${target} failed`, { error: String((error as Error).stack ?? error) });
      const serviceError =
        error instanceof AwsServiceError
          ? error
          : new AwsServiceError('InternalServerError', String(error), { status: 500, fault: 'Receiver' });
      // CloudWatch's JSON protocol is query-compatible: the SDK takes the error code from this header.
      const queryError: Record<string, string> =
        prefix === CLOUDWATCH_TARGET
          ? { 'x-amzn-query-error': `${serviceError.code};${serviceError.fault}` }
          : {};
      sendJsonError(response, contentType, serviceError, queryError);
    }
  };

  const handleQuery = async (response: ServerResponse, text: string) => {
    const form = new URLSearchParams(text);
    const action = form.get('Action') ?? '';
    const isIam = form.get('Version') === IAM_VERSION;
    const [service, namespace, label] = isIam ? [iam, IAM_NAMESPACE, 'IAM'] : [sns, SNS_NAMESPACE, 'SNS'];
    const requestId = randomUUID();
    try {
      if (!/^[A-Za-z]+$/.test(action))
        throw new AwsServiceError('MissingAction', 'the request has no Action');
      const result = await service.handle(action, form);
      // An action with no result (IAM's PutRolePolicy, DeleteRolePolicy) has no <Action>Result element.
      const body = result.xml === '' ? '' : `<${action}Result>${result.xml}</${action}Result>`;
      sendXml(
        response,
        200,
        `<${action}Response xmlns="${namespace}">${body}` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
      );
    } catch (caught) {
      if (!(caught instanceof AwsServiceError))
        log('error', `${label} ${action} failed`, { error: String((caught as Error).stack ?? caught) });
      const error =
        caught instanceof AwsServiceError
          ? caught
          : new AwsServiceError('InternalError', String(caught), { status: 500, fault: 'Receiver' });
      sendXml(
        response,
        error.status,
        `<ErrorResponse xmlns="${namespace}"><Error><Type>${error.fault}</Type><Code>${escapeXml(error.code)}</Code>` +
          `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
  };

  const route = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method === 'GET' && request.url === '/health') {
      sendJson(response, 'application/json', 200, { status: 'ok', pid: process.pid });
      return;
    }
    if (request.method !== 'POST') {
      sendJson(response, 'application/json', 405, { message: 'only POST' });
      return;
    }
    let text: string;
    try {
      text = await readBody(request);
    } catch (error) {
      sendJsonError(
        response,
        JSON_1_0,
        error instanceof AwsServiceError ? error : new AwsServiceError('BadRequest', String(error)),
      );
      return;
    }
    const target = request.headers['x-amz-target'];
    if (typeof target === 'string') await handleJson(response, target, text);
    else await handleQuery(response, text);
  };

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      log('error', 'request failed', { error: String(error) });
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(config.port ?? 0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  const inventory = await sfn.inventory();
  for (const error of inventory.errors) log('warn', 'a state machine cannot run locally', { error });
  log('info', 'listening', { port, stateMachines: inventory.machines });
  void sfn.warm();
  // A fresh PGlite database takes seconds to create: open it now, not on the first delivery.
  warehouseDb(config.home).catch((error: unknown) =>
    log('error', 'the local warehouse could not be opened', { error: String(error) }),
  );

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await Promise.all([
        sfn.close(),
        ssm.flush(),
        sns.flush(),
        cloudwatch.flush(),
        iam.flush(),
        closeWarehouseDb(config.home),
      ]);
    },
  };
};

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === AWS_STAND_INS_SCRIPT;

if (isMain) {
  const raw = process.env[AWS_STAND_INS_CONFIG_ENV];
  if (raw === undefined) {
    console.error(
      `the AWS stand-ins are started by the local stack's supervisor; ${AWS_STAND_INS_CONFIG_ENV} is not set`,
    );
    process.exit(2);
  }
  const standIns = await serveAwsStandIns(JSON.parse(raw) as AwsStandInsConfig);
  const stop = (signal: string) => {
    consoleLog('info', `stopping: ${signal}`);
    standIns.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
