import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface LambdaContextOptions {
  functionName: string;
  region: string;
  accountId: string;
  requestId: string;
  timeoutMs: number;
  memoryLimitInMB: number;
}

const unsupported = (): never => {
  throw new Error('callback-style Lambda context methods are not supported; return a promise instead');
};

/** A Lambda context as the runtime passes it, with the clock of this invocation. */
export const lambdaContext = (options: LambdaContextOptions): Context => {
  const deadline = Date.now() + options.timeoutMs;
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region}:${options.accountId}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB),
    awsRequestId: options.requestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
};
