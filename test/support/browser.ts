import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const ARTIFACTS = path.resolve('test/artifacts');

/** Debian's Chromium, headless; the flags keep it off the network this machine does not have. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Fails the test on any console error or uncaught exception in the page (CSP violations included). */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/** A new seller's first visit, as they would click it: sign up, Connect Sonlet, sign in at the sandbox, Authorize. */
export async function signUpAndConnectInBrowser(page: Page, consoleUrl: string, email: string, seller = { username: 'demo', password: 'demo' }): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByRole('link', { name: 'Create an account' }).first().click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('link', { name: 'Connect Sonlet' }).click();
  // Now at the Sonlet sandbox's authorize page.
  await page.waitForURL(/\/o\/authorize\//);
  await page.locator('input[name="username"]').fill(seller.username);
  await page.locator('input[name="password"]').fill(seller.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Authorize' }).click();
  await page.waitForURL(`${consoleUrl}/items`);
}

/** A phone-sized screen (an iPhone 14's CSS pixels), touch and all. */
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1100, height: 900 } };

/** A browser context already signed in with an HTTP-level seller's cookies. */
export async function sellerContext(browser: Browser, consoleUrl: string, cookies: Map<string, string>, opts: BrowserContextOptions = DESKTOP): Promise<BrowserContext> {
  const context = await browser.newContext(opts);
  await context.addCookies([...cookies].map(([name, value]) => ({ name, value, url: consoleUrl })));
  return context;
}
