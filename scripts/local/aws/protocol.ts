import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';

/**
 * An AWS service error: `code` is the name the SDK turns into its exception class (`ParameterNotFound`
 * -> `ParameterNotFound` in @aws-sdk/client-ssm), `fault` says who is to blame in the query protocol.
 */
export class AwsServiceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fault: 'Sender' | 'Receiver';

  constructor(
    code: string,
    message: string,
    options: { status?: number; fault?: 'Sender' | 'Receiver' } = {},
  ) {
    super(message);
    this.name = 'AwsServiceError';
    this.code = code;
    this.status = options.status ?? 400;
    this.fault = options.fault ?? 'Sender';
  }
}

/** Large enough for any request the services accept: Firehose's 4 MiB of records, base64 in JSON. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The body as text; a gzip-encoded one (the CloudWatch client compresses PutMetricData above 10 KB) inflated. */
export const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES)
      throw new AwsServiceError('RequestEntityTooLarge', 'request body too large', { status: 413 });
    chunks.push(buffer);
  }
  const body = Buffer.concat(chunks);
  if (request.headers['content-encoding'] !== 'gzip') return body.toString('utf8');
  try {
    return gunzipSync(body, { maxOutputLength: MAX_BODY_BYTES }).toString('utf8');
  } catch {
    throw new AwsServiceError('SerializationException', 'the gzip request body does not inflate');
  }
};

/** An awsJson1_0 / awsJson1_1 operation body; an empty body is `{}`. */
export const parseJsonBody = (text: string): Record<string, unknown> => {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AwsServiceError('SerializationException', 'the request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new AwsServiceError('SerializationException', 'the request body must be a JSON object');
  return parsed as Record<string, unknown>;
};

export const sendJson = (
  response: ServerResponse,
  contentType: string,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
};

/** The awsJson error shape: the SDK reads the code from `x-amzn-errortype` or `__type`. */
export const sendJsonError = (
  response: ServerResponse,
  contentType: string,
  error: AwsServiceError,
  headers: Record<string, string> = {},
): void =>
  sendJson(
    response,
    contentType,
    error.status,
    { __type: error.code, message: error.message },
    { 'x-amzn-errortype': error.code, ...headers },
  );

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export const escapeXml = (value: string): string =>
  value.replace(/[&<>"']/g, (character) => XML_ESCAPES[character] ?? character);

export const sendXml = (response: ServerResponse, status: number, xml: string): void => {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  response.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(text) });
  response.end(text);
};

/** Epoch seconds with milliseconds: how awsJson carries timestamps. */
export const epochSeconds = (iso: string): number => Date.parse(iso) / 1000;

export const optionalString = (body: Record<string, unknown>, field: string): string | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new AwsServiceError('ValidationException', `${field} must be a string`);
  return value;
};

export const requiredString = (body: Record<string, unknown>, field: string): string => {
  const value = optionalString(body, field);
  if (value === undefined || value === '')
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: ${field} must not be null`,
    );
  return value;
};

export const optionalInteger = (
  body: Record<string, unknown>,
  field: string,
  range: { min: number; max: number },
): number | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: ${field} must be an integer from ${range.min} to ${range.max}`,
    );
  }
  return value;
};

/** Opaque page tokens: the key of the last item returned, base64url-encoded. */
export const encodeToken = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');

export const decodeToken = (token: string | undefined, code = 'InvalidNextToken'): string | undefined => {
  if (token === undefined) return undefined;
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (key === '' || encodeToken(key) !== token) throw new AwsServiceError(code, 'the NextToken is not valid');
  return key;
};

/** An AWS JSON-protocol operation of a stand-in: the request body in, the response body out. */
export type JsonOperation = (body: Record<string, unknown>) => unknown;

/**
 * Runs the operation a request names; one the stand-in does not implement is the client's mistake
 * (UnknownOperationException), so it is never mistaken for a service fault.
 */
export const dispatchJsonOperation =
  (serviceLabel: string, operations: Readonly<Record<string, JsonOperation>>) =>
  async (operation: string, body: Record<string, unknown>): Promise<unknown> => {
    const run = operations[operation];
    if (run === undefined) {
      throw new AwsServiceError(
        'UnknownOperationException',
        `the local ${serviceLabel} stand-in does not implement ${operation}`,
      );
    }
    return run(body);
  };
