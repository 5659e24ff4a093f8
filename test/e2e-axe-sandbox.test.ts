/**
 * axe in sandbox mode, where every page shows the sandbox banner: a real console process started as a
 * newcomer starts it (no Sonlet settings), checked on a desktop and on a 390 px phone, signed out and then
 * signed up and connected through the sandbox in the browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DESKTOP, launchChromium, PHONE, signUpAndConnectInBrowser } from './support/browser.js';
import { axeViolations } from './support/axe.js';
import { startConsoleProcess, type ConsoleProcess } from './support/console-process.js';
import { uniqueEmail } from './support/stack.js';

let sandboxConsole: ConsoleProcess;
let browser: Browser;

beforeAll(async () => {
  [sandboxConsole, browser] = await Promise.all([startConsoleProcess({}), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await sandboxConsole?.stop();
});

describe('axe in sandbox mode, where every page shows the sandbox banner', () => {
  for (const [screen, options] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    it(`on a ${screen}: the banner sits inside a landmark, and the pages have no violations`, async () => {
      const context = await browser.newContext(options);
      const page = await context.newPage();
      const found: string[] = [];
      for (const path of ['/', '/sign-in', '/sign-up']) {
        await page.goto(`${sandboxConsole.url}${path}`);
        found.push(...(await axeViolations(page)).map((v) => `sandbox ${path}: ${v}`));
      }
      expect(await page.locator('.banner').evaluate((banner) => banner.closest('header, main, nav, aside, footer') !== null)).toBe(true);
      await signUpAndConnectInBrowser(page, sandboxConsole.url, uniqueEmail(`axe-sandbox-${screen}`));
      for (const path of ['/', '/items', '/upload', '/uploads', '/account']) {
        await page.goto(`${sandboxConsole.url}${path}`);
        found.push(...(await axeViolations(page)).map((v) => `sandbox ${path}: ${v}`));
      }
      expect(found).toEqual([]);
      await context.close();
    });
  }
});
