import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { ScheduledEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from '../../lib/stack-context';
import { loadHandler, resolveHandlerModule } from '../consumer';
import { lambdaContext } from '../lambda-context';
import { DEFAULT_CHECK_INTERVAL_MS, type SupervisorConfig } from './config';
import { supervisorLog as log } from './supervised';

/**
 * Invokes the check function's handler every `checkIntervalMs` with a scheduled event, in this process
 * (like the aggregate, with the same environment). An invocation still running when the next is due
 * makes that tick skip, as the function's single retry-free schedule would only overlap it. Returns
 * undefined, and logs why, when the module does not exist or the interval is 0.
 */
export const startCheckTimer = async (
  config: SupervisorConfig,
  region: string,
  checkModule: string,
): Promise<NodeJS.Timeout | undefined> => {
  const intervalMs = config.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
  if (intervalMs <= 0) {
    log('info', 'the check timer is off (interval 0)');
    return undefined;
  }
  if (!existsSync(resolveHandlerModule(checkModule))) {
    log('info', `the check timer is off: ${checkModule} does not exist`);
    return undefined;
  }
  const check = await loadHandler<ScheduledEvent>(checkModule);
  const functionName = `ccb-${config.stage}-${basename(checkModule).replace(/\.ts$/, '')}`;
  const ruleArn = `arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${functionName}-schedule`;
  let running = false;
  const tick = async () => {
    if (running) {
      log('warn', 'the previous check is still running; skipping this one');
      return;
    }
    running = true;
    const requestId = randomUUID();
    try {
      await check(
        {
          version: '0',
          id: randomUUID(),
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: LOCAL_ACCOUNT_ID,
          time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region,
          resources: [ruleArn],
          detail: {},
        },
        lambdaContext({
          functionName,
          region,
          accountId: LOCAL_ACCOUNT_ID,
          requestId,
          timeoutMs: 30_000,
          memoryLimitInMB: 256,
        }),
      );
    } catch (error) {
      log('warn', 'the check failed', {
        requestId,
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      running = false;
    }
  };
  log('info', `invoking ${checkModule} every ${intervalMs / 1000} s`);
  return setInterval(() => void tick(), intervalMs);
};
