import { Command } from 'commander';
import { registerAlerts } from './commands/alerts';
import { registerAudit } from './commands/audit';
import { registerDashboard } from './commands/dashboard';
import { registerDemo } from './commands/demo';
import { registerDrain } from './commands/drain';
import { registerFlags } from './commands/flags';
import { registerLocal } from './commands/local';
import { registerOverride } from './commands/override';
import { registerPrice } from './commands/price';
import { registerProduce } from './commands/produce';
import { registerQuarantine } from './commands/quarantine';
import { registerReconcile } from './commands/reconcile';
import { registerReplay } from './commands/replay';
import { registerReport } from './commands/report';
import { registerSpend } from './commands/spend';
import { registerStatus } from './commands/status';

const program = new Command('ccb')
  .description('Cost Circuit Breaker: real-time spend guard for LLM applications')
  .showHelpAfterError();

for (const register of [
  registerLocal,
  registerProduce,
  registerDrain,
  registerSpend,
  registerPrice,
  registerReport,
  registerQuarantine,
  registerFlags,
  registerAudit,
  registerAlerts,
  registerReconcile,
  registerOverride,
  registerStatus,
  registerDashboard,
  registerReplay,
  registerDemo,
]) {
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`ccb: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
