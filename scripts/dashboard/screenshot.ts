import { join } from 'node:path';
import { openStage } from '../lib/stage';
import { projectRoot } from '../local/paths';
import { launchChromium } from './browser';
import { openDashboardContext } from './sections';
import { createDashboardServer, listen } from './server';

/**
 * `npm run docs:screenshot`: the dashboard of the running local stack (after `npm start`) in headless
 * Chromium, saved as docs/dashboard.png for the README. Not a test: it writes into the tree.
 */
// As bin/ccb.mjs does: Node 20 is this machine's on purpose; the SDK's notice would only add noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const day = process.argv[2] ?? '2025-03-15';
const output = join(projectRoot, 'docs', 'dashboard.png');
const context = await openDashboardContext(await openStage('local'));
const options = { host: '127.0.0.1', port: 0, day };
const server = createDashboardServer(context, options);
const url = await listen(server, options);
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-updated]');
  await page.screenshot({ path: output, fullPage: true });
  console.log(`wrote ${output} (${url}?day=${day})`);
} finally {
  await browser.close();
  server.closeAllConnections();
  server.close();
  context.stage.dynamodb.destroy();
}
