import { get, type Server } from 'node:http';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbSpendSnapshotSource } from '../../../functions/adapters/dynamodb/dynamodb-spend-snapshot';
import type { DashboardContext } from '../../../scripts/dashboard/sections';
import { createDashboardServer, listen } from '../../../scripts/dashboard/server';
import { localResources } from '../../../scripts/lib/stack-context';
import { defaultCheckConfig } from '../../helpers/check-config';

/** A stage whose every AWS call fails: the routes must answer all the same, each section with its error. */
const unreachable = () => {
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const options = { region: 'us-east-1', credentials };
  const clients = {
    dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient(options)),
    ssm: new SSMClient(options),
    sfn: new SFNClient(options),
    sns: new SNSClient(options),
    cloudwatch: new CloudWatchClient(options),
  };
  mockClient(clients.dynamodb).onAnyCommand().rejects('endpoint unreachable');
  mockClient(clients.ssm).onAnyCommand().rejects('endpoint unreachable');
  mockClient(clients.sfn).onAnyCommand().rejects('endpoint unreachable');
  mockClient(clients.sns).onAnyCommand().rejects('endpoint unreachable');
  mockClient(clients.cloudwatch).onAnyCommand().rejects('endpoint unreachable');
  return clients;
};

describe('the dashboard server', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const clients = unreachable();
    const context: DashboardContext = {
      stage: {
        stage: 'test',
        resources: localResources('test'),
        dynamodb: clients.dynamodb,
        ssm: () => clients.ssm,
        sfn: () => clients.sfn,
        sns: () => clients.sns,
        cloudwatch: () => clients.cloudwatch,
        iam: () => {
          throw new Error('not used');
        },
        stateMachineArn: () => Promise.reject(new Error('not used')),
      },
      config: defaultCheckConfig(100_000_000_000, {}),
      budgetSource: 'a test',
      snapshots: new DynamoDbSpendSnapshotSource(clients.dynamodb, 'spend'),
      baselines: new Map(),
      now: () => Date.parse('2025-03-15T12:00:00.000Z'),
    };
    const options = { host: '127.0.0.1', port: 0 };
    server = createDashboardServer(context, options);
    url = await listen(server, options);
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('refuses %s: it has no write endpoint', async (method) => {
    const response = await fetch(new URL('/api/dashboard', url), { method });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('serves the page and the charting library from this machine', async () => {
    const page = await fetch(url);
    const chart = await fetch(new URL('/assets/chart.umd.min.js', url));

    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<h1>Cost Circuit Breaker</h1>');
    expect(chart.status).toBe(200);
    expect(await chart.text()).toContain('Chart.js');
  });

  it('answers a bad ?day= with 400 and an unknown path with 404', async () => {
    const badDay = await fetch(new URL('/api/dashboard?day=15-03-2025', url));
    const impossibleDay = await fetch(new URL('/api/dashboard?day=2025-02-30', url));
    const unknown = await fetch(new URL('/api/nothing', url));

    expect(badDay.status).toBe(400);
    expect(impossibleDay.status).toBe(400);
    expect(((await impossibleDay.json()) as { error: string }).error).toContain(
      'not a calendar day: 2025-02-30',
    );
    expect(unknown.status).toBe(404);
  });

  it('reports a section it could not read in its own place, defaulting to the current UTC day', async () => {
    const response = await fetch(new URL('/api/dashboard', url));
    const body = (await response.json()) as { day: string; sections: Record<string, { error?: string }> };

    expect(response.status).toBe(200);
    expect(body.day).toBe('2025-03-15');
    expect(Object.keys(body.sections)).toEqual([
      'spend',
      'breaker',
      'flags',
      'enforcement',
      'incidents',
      'alerts',
      'audit',
      'shadow',
      'reconciliation',
      'quarantine',
    ]);
    for (const id of [
      'spend',
      'breaker',
      'flags',
      'enforcement',
      'incidents',
      'audit',
      'shadow',
      'reconciliation',
      'quarantine',
    ])
      expect(body.sections[id]?.error).toBe('endpoint unreachable');
    // Stage test keeps no copy of the alerts; that section says so instead of failing.
    expect(body.sections.alerts).toMatchObject({ data: { available: false } });
  });

  it('refuses a request naming another host, as a DNS-rebound page would', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = get(
        new URL('/api/dashboard', url),
        { headers: { host: 'attacker.example:80' } },
        (response) => {
          response.resume();
          resolve(response.statusCode);
        },
      );
      request.on('error', reject);
    });
    const local = await fetch(new URL('/api/flags', url.replace('127.0.0.1', 'localhost')));

    expect(status).toBe(403);
    expect(local.status).toBe(200);
  });

  it('answers HEAD without a body', async () => {
    const response = await fetch(new URL('/assets/app.js', url), { method: 'HEAD' });

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });
});
