import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium, installed by .ci/run with apt (playwright-core downloads no browser). */
export const CHROMIUM = process.env.CCB_CHROMIUM ?? '/usr/bin/chromium';

/** DESIGN 13's flags: headless, no sandbox (root in CI), and nothing that reaches for the network. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export class ChromiumMissingError extends Error {
  constructor(path: string, options?: ErrorOptions) {
    super(
      `no Chromium at ${path}: install it with apt-get install -y --no-install-recommends chromium`,
      options,
    );
    this.name = 'ChromiumMissingError';
  }
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile (Playwright passes it as --user-data-dir), removed on close. */
export const launchChromium = async (): Promise<Browser> => {
  try {
    await access(CHROMIUM);
  } catch (error) {
    throw new ChromiumMissingError(CHROMIUM, { cause: error });
  }
  const profile = await mkdtemp(join(tmpdir(), 'ccb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
};
