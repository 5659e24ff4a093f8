/**
 * Every form on every page a seller (or the owner) reaches, submitted untouched in Chromium: each of its
 * submit buttons clicked with nothing filled in or ticked. A form may refuse, but only by showing the form
 * again with why next to the field (or at its top); it must never lead to an error page. Script is off and the browser's own
 * checks of required fields are lifted, so what the server does with a bare submit is what is tested
 * (with script on, the grid's buttons say so without a round trip: see e2e-plugboard.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startStack, signUp, connectSonlet, uniqueEmail, type Stack } from './support/stack.js';
import { freshDatabase } from './support/database.js';
import { launchChromium } from './support/browser.js';
import { location, type HttpSession } from './support/http.js';
import { startPlugboardSandbox, DEMO_PLUGBOARD_TENANTS, type StartedPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import { itemCards, placeShopOrder, settingsFor, settled, type Tenant } from './support/shop.js';

const DEMO = DEMO_PLUGBOARD_TENANTS.find((t) => t.tenant === 'demo')! as Tenant;

let stack: Stack;
let plugboard: StartedPlugboardSandbox;
let browser: Browser;
let database: { url: string; drop(): Promise<void> };
let owner: HttpSession;
let published: number;
let unpublished: number;
let batchPath: string;
let otherSellerId: string;

beforeAll(async () => {
  database = await freshDatabase();
  [stack, plugboard, browser] = await Promise.all([
    startStack({ databaseUrl: database.url, jobs: true, env: { LOG_LEVEL: 'warn' } }),
    startPlugboardSandbox(),
    launchChromium(),
  ]);
  // The first account is the owner: the Team pages are theirs.
  owner = await signUp(stack.console.url);
  expect(location(await connectSonlet(owner))).toBe('/items');
  expect((await owner.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, DEMO))).status).toBe(303);
  const cards = (await itemCards(owner)).filter((c) => c.quantity > 0);
  [published, unpublished] = [cards[0]!.pk, cards[5]!.pk];
  // One item in the shop, two refused in one batch (so the results page has Retry and Retry all failed).
  expect((await settled(owner, location(await owner.submit('/items', '/publish', { scope: 'selected', pk: String(published) })))).includes('data-state="done"')).toBe(true);
  plugboard.sandbox.faults.refuseRemoteIds = [cards[1]!.pk, cards[2]!.pk].map((pk) => `sonlet-item-${pk}`);
  const body = new URLSearchParams([['scope', 'selected'], ['pk', String(cards[1]!.pk)], ['pk', String(cards[2]!.pk)], ['_csrf', (await owner.page('/items')).csrf!]]);
  const refused = await owner.request('POST', '/publish', { body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  batchPath = location(refused);
  expect(await settled(owner, batchPath)).toContain('Retry all failed');
  // An order to mark as processing, another seller to manage and an invitation to revoke.
  await placeShopOrder(plugboard.url, plugboard.sandbox.products('demo')[0]!.localId, 1);
  expect((await owner.submit('/orders', '/orders/check', {})).status).toBe(303);
  const otherEmail = uniqueEmail('other');
  await signUp(stack.console.url, otherEmail);
  otherSellerId = (await stack.console.app.prisma.user.findUniqueOrThrow({ where: { email: otherEmail } })).id;
  expect((await owner.submit('/admin', '/admin/invitations', { email: '' })).status).toBeLessThan(400);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await plugboard?.close();
  await database?.drop();
});

interface Outcome {
  page: string;
  button: string;
  status: number;
  url: string;
  /** The form came back saying what is wrong, next to a field or at the top of the form. */
  refusedNextToField: boolean;
}

/** A browser without script, signed in as the HTTP session is. */
async function noScriptAs(session: HttpSession | null): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1100, height: 900 } });
  if (session) await context.addCookies([...session.cookies].map(([name, value]) => ({ name, value, url: stack.console.url })));
  return { context, page: await context.newPage() };
}

/**
 * Opens `path` afresh for each submit button of each form (but `skip`), lifts the browser's required-field
 * checks, clicks the button and records where it led.
 */
async function submitEveryForm(page: Page, path: string, skip: (action: string) => boolean = () => false): Promise<Outcome[]> {
  await page.goto(`${stack.console.url}${path}`);
  const forms = await page.locator('form').evaluateAll((all) => all.map((f) => ({ action: f.getAttribute('action') ?? '', buttons: f.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]').length })));
  const outcomes: Outcome[] = [];
  for (const [i, form] of forms.entries()) {
    if (skip(form.action)) continue;
    for (let b = 0; b < form.buttons; b++) {
      const opened = await page.goto(`${stack.console.url}${path}`);
      expect(opened!.status(), `${path} opens`).toBeLessThan(400);
      const target = page.locator('form').nth(i);
      await target.evaluate((f: HTMLFormElement) => void (f.noValidate = true));
      const button = target.locator('button[type="submit"], button:not([type]), input[type="submit"]').nth(b);
      const label = ((await button.textContent()) || (await button.getAttribute('value')) || '').trim();
      const [response] = await Promise.all([page.waitForNavigation({ timeout: 20_000 }), button.click()]);
      outcomes.push({
        page: path,
        button: `${form.action} “${label}”`,
        status: response!.status(),
        url: page.url().replace(stack.console.url, ''),
        // The form shown again, with what is wrong at a field or at the top of the form (never the error page's notice).
        refusedNextToField: (await page.locator('section.notice').count()) === 0 && (await page.locator('[aria-invalid="true"], .panel > p.error[role="alert"]:visible').count()) > 0,
      });
    }
  }
  return outcomes;
}

/** Outcomes that are error pages: a status of 400 or more that did not come back as the form with its message. */
function deadEnds(outcomes: Outcome[]): string[] {
  return outcomes.filter((o) => o.status >= 400 && !o.refusedNextToField).map((o) => `${o.page}: ${o.button} → ${o.status} at ${o.url}`);
}

describe('every form, submitted untouched', () => {
  it('on every page a signed-in owner reaches: no error page, only messages next to the field', async () => {
    const { context, page } = await noScriptAs(owner);
    const signOut = (action: string) => action === '/sign-out';
    const outcomes: Outcome[] = [];
    for (const path of ['/', '/items', `/items/${published}`, `/items/${unpublished}`, '/upload', '/uploads', '/images', '/settings/plugboard', '/orders', batchPath, '/admin', '/admin/audit', `/admin/sellers/${otherSellerId}/delete`, '/account/delete']) {
      outcomes.push(...(await submitEveryForm(page, path, signOut)));
    }
    // Last, as its final form signs out everywhere.
    outcomes.push(...(await submitEveryForm(page, '/account', signOut)));
    await context.close();
    expect(deadEnds(outcomes)).toEqual([]);
    // Each page's forms were all reached (a page that lost its forms would pass silently otherwise).
    expect(outcomes.length).toBeGreaterThanOrEqual(25);
    expect(outcomes.filter((o) => o.refusedNextToField).map((o) => o.button)).toEqual(expect.arrayContaining([expect.stringContaining('/account/password'), expect.stringContaining('/account/delete')]));
  }, 300_000);

  it('signing out, and the forms of visitors who are not signed in', async () => {
    const seller = await signUp(stack.console.url);
    const { context, page } = await noScriptAs(seller);
    const outcomes = await submitEveryForm(page, '/', (action) => action !== '/sign-out');
    await context.close();
    expect(outcomes).toHaveLength(1);
    const visitor = await noScriptAs(null);
    for (const path of ['/sign-in', '/sign-up']) outcomes.push(...(await submitEveryForm(visitor.page, path)));
    await visitor.context.close();
    expect(deadEnds(outcomes)).toEqual([]);
    expect(outcomes.filter((o) => o.refusedNextToField)).toHaveLength(2);
  }, 120_000);
});
