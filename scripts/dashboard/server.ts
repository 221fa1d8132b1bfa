import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOfUtcDay, utcDay } from '../../functions/core/time';
import { type DashboardContext, readSections, SECTIONS } from './sections';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
// chart.js's exports map names only its ESM and CJS builds; the UMD build sits beside the CJS one.
const CHART_JS = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');

/** Everything the page loads, from this folder or node_modules: the machine may be offline. */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: join(PAGE_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/assets/app.js': { file: join(PAGE_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: join(PAGE_DIR, 'app.css'), type: 'text/css; charset=utf-8' },
  '/assets/chart.umd.min.js': { file: CHART_JS, type: 'text/javascript; charset=utf-8' },
};

export interface DashboardServerOptions {
  host: string;
  port: number;
  /** The day shown when the request names none; else the current UTC day. */
  day?: string;
}

class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

const send = (
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, {
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // Only this server's own scripts, styles and API: no inline script, nothing from elsewhere.
    'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    ...headers,
  });
  response.end(request.method === 'HEAD' ? undefined : body);
};

const sendJson = (
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
) =>
  send(
    request,
    response,
    status,
    'application/json; charset=utf-8',
    `${JSON.stringify(value, null, 2)}\n`,
    headers,
  );

const dayOf = (url: URL, fallback: string): string => {
  const day = url.searchParams.get('day') ?? fallback;
  try {
    startOfUtcDay(day);
  } catch (error) {
    throw new BadRequestError(`day must be a YYYY-MM-DD calendar day: ${(error as Error).message}`);
  }
  return day;
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * On a loopback address, a request must also name a loopback host: a page elsewhere whose name was
 * rebound to 127.0.0.1 (DNS rebinding) sends its own name, and must not read the API.
 */
const hostAllowed = (request: IncomingMessage, boundHost: string): boolean => {
  const bound = boundHost.includes(':') ? `[${boundHost}]` : boundHost;
  if (!LOOPBACK_HOSTS.has(bound)) return true;
  try {
    return LOOPBACK_HOSTS.has(new URL(`http://${request.headers.host ?? ''}`).hostname);
  } catch {
    return false;
  }
};

const route = async (
  context: DashboardContext,
  options: DashboardServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
) => {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendJson(request, response, 405, { error: 'read-only: GET and HEAD only' }, { allow: 'GET, HEAD' });
    return;
  }
  if (!hostAllowed(request, options.host)) {
    sendJson(request, response, 403, {
      error: 'the Host header must name this machine (127.0.0.1 or localhost)',
    });
    return;
  }
  const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
  const day = dayOf(url, options.day ?? utcDay(context.now()));
  const asset = ASSETS[url.pathname];
  if (asset !== undefined) {
    send(request, response, 200, asset.type, await readFile(asset.file));
    return;
  }
  if (url.pathname === '/api/dashboard') {
    sendJson(request, response, 200, await readSections(context, day));
    return;
  }
  const section = SECTIONS.find((s) => url.pathname === `/api/${s.id}`);
  if (section !== undefined) {
    const read = await readSections(context, day, [section]);
    sendJson(request, response, 200, { stage: read.stage, day, ...read.sections[section.id] });
    return;
  }
  sendJson(request, response, 404, {
    error: 'not found',
    endpoints: ['/api/dashboard', ...SECTIONS.map((s) => `/api/${s.id}`)],
  });
};

/** The dashboard's HTTP server: the page, its assets and a read-only JSON API; nothing it serves writes. */
export const createDashboardServer = (context: DashboardContext, options: DashboardServerOptions): Server =>
  createServer((request, response) => {
    route(context, options, request, response).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!response.headersSent)
        sendJson(request, response, error instanceof BadRequestError ? 400 : 500, { error: message });
      else response.destroy();
    });
  });

/** Listens and resolves the URL it serves at. */
export const listen = (server: Server, options: DashboardServerOptions): Promise<string> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve(`http://${host}:${port}/`);
    });
  });
