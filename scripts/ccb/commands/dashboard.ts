import type { Command } from 'commander';
import { startOfUtcDay } from '../../../functions/core/time';
import { openDashboardContext } from '../../dashboard/sections';
import { createDashboardServer, listen } from '../../dashboard/server';
import { openStage } from '../../lib/stage';

interface DashboardOptions {
  port: string;
  host: string;
  stage: string;
  day?: string;
}

/** `ccb dashboard`: serves until interrupted; prints only its URL, so a script can read it. */
export const registerDashboard = (program: Command): void => {
  program
    .command('dashboard')
    .description("a read-only page and JSON API of the day's spend and the breaker, on the CLI's readers")
    .option('--port <n>', 'port to listen on (0: any free port)', '8787')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--stage <stage>', 'local, or a deployed stage', 'local')
    .option('--day <YYYY-MM-DD>', 'UTC day shown when the URL names none (default: today)')
    .action(async (options: DashboardOptions) => {
      if (options.day !== undefined) startOfUtcDay(options.day);
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new RangeError(`--port must be 0..65535, got ${options.port}`);
      const context = await openDashboardContext(await openStage(options.stage));
      const serverOptions = {
        host: options.host,
        port,
        ...(options.day !== undefined && { day: options.day }),
      };
      const server = createDashboardServer(context, serverOptions);
      console.log(`dashboard at ${await listen(server, serverOptions)}`);
      // Read-only: nothing to flush or finish, so an interrupt ends the process at once (waiting for
      // server.close would wait on whatever a browser tab or an SDK socket still holds open).
      const stop = () => process.exit(0);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
};
