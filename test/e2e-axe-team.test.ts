/**
 * axe-core in Chromium on the pages of running a team and of one-time links, which e2e-axe.test.ts does not
 * reach: the Team page with a seller on it, a fresh invitation and a reset link (reached through their buttons),
 * the audit trail, a seller's delete confirmation, an invitation and a reset link as their recipient opens them,
 * a link that no longer works, sign-up on an invite-only console, Sonlet's answers to Connect that end the
 * connection, and the page after a seller deletes their own account. Desktop and a 390 px phone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startStack, signUp, uniqueEmail, type Stack } from './support/stack.js';
import { freshDatabase } from './support/database.js';
import { DESKTOP, launchChromium, PHONE, sellerContext } from './support/browser.js';
import { axeViolations } from './support/axe.js';
import { HttpSession } from './support/http.js';
import { rememberSecret } from './support/secrets.js';
import { joinThrough, oneTimeLinkFrom } from './support/team.js';

let stack: Stack;
let browser: Browser;
let database: { url: string; drop(): Promise<void> };
let owner: HttpSession;
const PASSWORD = 'a long enough password';

beforeAll(async () => {
  database = await freshDatabase();
  [stack, browser] = await Promise.all([startStack({ databaseUrl: database.url, env: { SIGNUP: 'invite' } }), launchChromium()]);
  rememberSecret(PASSWORD, 'a seller password');
  // The first account is the owner, whatever the sign-up mode.
  owner = await signUp(stack.console.url, uniqueEmail('owner'));
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await database?.drop();
});

/** The one-time link on the page an admin sees right after making it. */
async function linkOn(page: Page): Promise<string> {
  const link = await page.locator('input.one-time-link').inputValue();
  rememberSecret(link.split('/').pop()!, 'a one-time link token');
  return link;
}

/** A seller who joins through an invitation the owner made over HTTP. */
async function joinedSeller(): Promise<{ email: string; session: HttpSession }> {
  const email = uniqueEmail('seller');
  const link = await oneTimeLinkFrom(await owner.submit('/admin', '/admin/invitations', { email }));
  const { session, res } = await joinThrough(stack.console.url, link, email, PASSWORD);
  expect(res.status).toBe(302);
  return { email, session };
}

for (const [screen, options] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
  describe(`axe on the team pages and one-time links (${screen})`, () => {
    it('the owner: Team with a seller, a new invitation, a reset link, the audit trail, a delete confirmation, Connect answers', async () => {
      const seller = await joinedSeller();
      const context = await sellerContext(browser, stack.console.url, owner.cookies, options);
      const page = await context.newPage();
      const found: string[] = [];
      const check = async (label: string) => found.push(...(await axeViolations(page)).map((v) => `${label}: ${v}`));

      await page.goto(`${stack.console.url}/admin`);
      await check('/admin');
      await page.getByLabel(/Seller’s email/).fill(uniqueEmail('invited'));
      await page.getByRole('button', { name: 'Create invitation link' }).click();
      const invitation = await linkOn(page);
      await check('invitation link');
      await page.goto(`${stack.console.url}/admin`);
      await page.getByRole('button', { name: `Password-reset link ${seller.email}` }).click();
      const reset = await linkOn(page);
      await check('reset link');
      await page.goto(`${stack.console.url}/admin/audit`);
      await check('/admin/audit');
      await page.goto(`${stack.console.url}/admin`);
      await page.getByRole('link', { name: `Delete ${seller.email}` }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain(seller.email);
      await check('seller delete confirmation');
      for (const error of ['access_denied', 'server_error']) {
        await page.goto(`${stack.console.url}/cb?error=${error}`);
        await check(`/cb?error=${error}`);
      }
      await context.close();

      // The links as the people they were made for open them, in browsers of their own.
      const visitor = await browser.newContext(options);
      const anonymous = await visitor.newPage();
      for (const [label, link] of [['invitation, opened', invitation], ['reset link, opened', reset], ['a used-up link', `${stack.console.url}/join/${'B'.repeat(43)}`], ['invite-only sign-up', `${stack.console.url}/sign-up`]] as const) {
        await anonymous.goto(link);
        found.push(...(await axeViolations(anonymous)).map((v) => `${label}: ${v}`));
      }
      // What the recipient sees is the form they came for, not an error page.
      await anonymous.goto(invitation);
      expect(await anonymous.getByLabel(/^Password/).count()).toBe(1);
      await visitor.close();
      expect(found).toEqual([]);
    });

    it('a seller deletes their own account and sees the page that follows', async () => {
      const seller = await joinedSeller();
      const context = await sellerContext(browser, stack.console.url, seller.session.cookies, options);
      const page = await context.newPage();
      await page.goto(`${stack.console.url}/account/delete`);
      await page.getByLabel('Your password, to confirm').fill(PASSWORD);
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Your account is deleted');
      expect(await axeViolations(page)).toEqual([]);
      await context.close();
    });
  });
}
