import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Client options shared by every SDK client: bounded timeouts, a few retries before the workflow's own. */
export const sdkOptions = () => ({
  maxAttempts: 4,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 }),
});
