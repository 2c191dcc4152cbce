import { existsSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { describe } from 'vitest';
import type { Browser, LaunchOptions } from 'playwright-core';

/** Debian's Chromium; CI installs it (`.ci/run`). */
export const CHROMIUM = '/usr/bin/chromium';

const LAUNCH: LaunchOptions = {
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // Realm hosts and test sites are `*.localhost`: never ask a resolver about them.
    '--host-resolver-rules=MAP *.localhost 127.0.0.1, MAP localhost 127.0.0.1',
  ],
};

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch(LAUNCH);
}

/**
 * `describe` for suites that drive Chromium: skipped with a loud message on a machine without
 * it, but failing when OPENRAIN_REQUIRE_ALL=1 (CI) so that a missing browser is never silent.
 */
export function describeWithBrowser(title: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(title, body);
    return;
  }
  if (process.env.OPENRAIN_REQUIRE_ALL === '1') {
    describe(title, () => {
      throw new Error(`${CHROMIUM} is missing and OPENRAIN_REQUIRE_ALL=1: install Debian's chromium package`);
    });
    return;
  }
  process.stderr.write(`\n!!! SKIPPING browser suite "${title}": ${CHROMIUM} is not installed (apt-get install chromium) !!!\n\n`);
  describe.skip(title, body);
}

/** A TCP port nobody listens on right now, for servers whose URL must be known before they start. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
