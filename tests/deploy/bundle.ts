import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { referencedId } from './cfn';
import { type CfnTemplate, type PackagedService, STAGE } from './packaged-service';
import { readZip, type ZipEntry } from './zip';

/** A runner script: imports the handler module named by its first argument and prints `HANDLER <typeof handler>`. */
export const LOAD_HANDLER = `
const module = await import(process.argv[2]);
process.stdout.write('HANDLER ' + typeof module.handler + '\\n');
`;

/** A runner script: calls the handler with an empty stream batch and prints `RESPONSE <json>`. */
export const INVOKE_EMPTY_BATCH = `
const { handler } = await import(process.argv[2]);
const context = {
  functionName: 'ccb-test', awsRequestId: 'request-1',
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ccb-test',
  getRemainingTimeInMillis: () => 60000,
};
const response = await handler({ Records: [] }, context);
process.stdout.write('RESPONSE ' + JSON.stringify(response) + '\\n');
`;

/** The response a runner printed as `RESPONSE <json>`, or null. */
export const responseIn = (stdout: string): unknown => {
  const response = stdout.split('\n').find((line) => line.startsWith('RESPONSE '));
  return JSON.parse(response?.slice('RESPONSE '.length) ?? 'null');
};

/** The path of a function's zip in the packaged service. */
export const zipOfFunction = (service: PackagedService, properties: Record<string, unknown>): string =>
  join(service.dir, basename((properties.Code as { S3Key: string }).S3Key));

export const entriesOfFunction = async (
  service: PackagedService,
  properties: Record<string, unknown>,
): Promise<ZipEntry[]> => readZip(await readFile(zipOfFunction(service, properties)));

/** Bytes of the unzipped bundle. */
export const bundleBytes = (entries: ZipEntry[]): number =>
  entries.reduce((sum, entry) => sum + entry.data.length, 0);

const ARN_SHAPES: Record<string, (name: string) => string> = {
  'AWS::StepFunctions::StateMachine': (name) => `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`,
  'AWS::SNS::Topic': (name) => `arn:aws:sns:us-east-1:123456789012:${name}`,
};

/**
 * The function's environment as Lambda would see it, references replaced by values of the right shape,
 * with tracing on so the X-Ray SDK's CommonJS code is loaded as on AWS; no AWS endpoint answers.
 */
export const lambdaEnvironment = (
  template: CfnTemplate,
  properties: Record<string, unknown>,
): NodeJS.ProcessEnv => {
  const variables = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
  const plain = Object.entries(variables).map(([name, value]) => {
    if (typeof value === 'string') return [name, value];
    const target = referencedId(value) ?? name;
    const shape = ARN_SHAPES[template.Resources[target]?.Type ?? ''];
    return [name, shape ? shape(`ccb-${STAGE}-${target}`) : `ccb-${STAGE}-${target}`];
  });
  return {
    PATH: process.env.PATH,
    ...Object.fromEntries(plain),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_LAMBDA_FUNCTION_NAME: String(properties.FunctionName),
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(properties.MemorySize),
    AWS_EXECUTION_ENV: `AWS_Lambda_${String(properties.Runtime)}`,
    _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  };
};

/**
 * Unpacks the function's zip into a temporary folder and runs `script` with Node in the function's
 * Lambda-like environment, passing the URL of its handler module; returns what the script printed.
 */
export const runBundle = async (
  template: CfnTemplate,
  entries: ZipEntry[],
  properties: Record<string, unknown>,
  script: string,
): Promise<string> => {
  const root = await mkdtemp(join(tmpdir(), 'ccb-bundle-'));
  try {
    for (const entry of entries) {
      await mkdir(join(root, dirname(entry.name)), { recursive: true });
      await writeFile(join(root, entry.name), entry.data);
    }
    const runner = join(root, 'runner.mjs');
    await writeFile(runner, script);
    const handlerModule = join(root, `${String(properties.Handler).replace(/\.[^.]+$/, '')}.mjs`);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--no-warnings', runner, pathToFileURL(handlerModule).href],
      { env: lambdaEnvironment(template, properties), timeout: 60_000 },
    );
    return stdout;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
};
