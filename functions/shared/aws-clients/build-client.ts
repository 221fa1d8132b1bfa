import { NodeHttpHandler } from '@smithy/node-http-handler';
import { once } from '../once';
import { tracer } from '../powertools';

/*
 * Every SDK client a function calls is built here, one module per client: a bundle then holds only the
 * clients its handler imports, whatever each SDK package says of its side effects (lib-dynamodb says
 * nothing, so a module naming it pulls DynamoDB into every bundle that imports it, ~70 KB of the 500 KB
 * floor). Endpoints come from the SDK's own AWS_ENDPOINT_URL_<SERVICE> variables, which is all that
 * differs between AWS and the local stack.
 */

export interface SdkOptions {
  maxAttempts: number;
  requestHandler: NodeHttpHandler;
}

/** Bounded timeouts, a few retries before the workflow's own. */
export const sdkOptions = (): SdkOptions => ({
  maxAttempts: 4,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 }),
});

/** A client built on its first use with the shared options, traced by X-Ray, then kept for the container's life. */
export const tracedClient = <Client>(create: (options: SdkOptions) => Client): (() => Client) =>
  once(() => tracer.captureAWSv3Client(create(sdkOptions())));
