import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const ARTIFACTS = path.resolve('test/artifacts');

/**
 * Features switched off in the test browser. Chromium keeps only the last `--disable-features`, so this
 * repeats Playwright's own list (HTTP stays HTTP, no paint holding, no calls to Google at start-up) and adds
 * the address bar's WebUI popups: headless Chromium 156 preloads them in a renderer that never shows and
 * keeps busy, 0.2 CPU-seconds a second for as long as the browser is open (a third of the suite's CPU).
 */
const DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'WebUIOmniboxPopup',
  'WebUIOmniboxAimPopup',
];

/** Debian's Chromium, headless; the flags keep it off the network this machine does not have. */
function startChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
      `--disable-features=${DISABLED_FEATURES.join(',')}`,
    ],
  });
}

let running: Promise<Browser> | undefined;

/**
 * The worker's Chromium, for one test file. Workers keep their modules between files (vitest.config.ts),
 * so one browser serves every file a worker runs instead of a launch per file (about 1.7 CPU-seconds
 * each). Files stay apart: every context is new (cookies, storage), and this handle's close() closes
 * only the contexts the file opened. A browser that crashed or was closed is replaced at the next launch.
 */
export async function launchChromium(): Promise<Browser> {
  let browser = running ? await running.catch(() => undefined) : undefined;
  if (!browser?.isConnected()) {
    running = startChromium();
    browser = await running;
  }
  const shared = browser;
  const opened = new Set<BrowserContext>();
  const newContext = async (opts?: BrowserContextOptions): Promise<BrowserContext> => {
    const context = await shared.newContext(opts);
    opened.add(context);
    context.once('close', () => opened.delete(context));
    return context;
  };
  const handle: Partial<Browser> = {
    newContext,
    // Browser.newPage's context closes with its page; this one closes with the file, which is as clean.
    newPage: async (opts?: BrowserContextOptions) => (await newContext(opts)).newPage(),
    close: async () => {
      await Promise.all([...opened].map((context) => context.close().catch(() => undefined)));
    },
  };
  return new Proxy(shared, {
    get(target, prop) {
      if (Object.prototype.hasOwnProperty.call(handle, prop)) return handle[prop as keyof Browser];
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
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

/**
 * A phone-sized screen (an iPhone 14's CSS pixels), touch and all. At one device pixel per CSS pixel:
 * layout, media queries and touch are the same, and nothing in the console depends on the pixel ratio,
 * while rasterising and screenshots cost a quarter of what the phone's own ratio would.
 */
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1100, height: 900 } };

/** A browser context already signed in with an HTTP-level seller's cookies. */
export async function sellerContext(browser: Browser, consoleUrl: string, cookies: Map<string, string>, opts: BrowserContextOptions = DESKTOP): Promise<BrowserContext> {
  const context = await browser.newContext(opts);
  await context.addCookies([...cookies].map(([name, value]) => ({ name, value, url: consoleUrl })));
  return context;
}
