/** The usual setting of a Chromium test file: a stack with background work and one browser, for every test in it. */
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { startStack, type Stack, type StackOptions } from './stack.js';
import { launchChromium } from './browser.js';

export function withBrowserStack(opts: StackOptions = { jobs: true, env: { LOG_LEVEL: 'warn' } }): { stack: Stack; browser: Browser } {
  const handle = {} as { stack: Stack; browser: Browser };
  beforeAll(async () => {
    [handle.stack, handle.browser] = await Promise.all([startStack(opts), launchChromium()]);
  });
  afterAll(async () => {
    await handle.browser?.close();
    await handle.stack?.close();
  });
  return handle;
}
