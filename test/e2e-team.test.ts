import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startStack, uniqueEmail, type Stack } from './support/stack.js';
import { freshDatabase } from './support/database.js';
import { launchChromium, screenshot, watchPageErrors } from './support/browser.js';
import { rememberSecret } from './support/secrets.js';

let stack: Stack;
let browser: Browser;
let database: { url: string; drop(): Promise<void> };

beforeAll(async () => {
  database = await freshDatabase();
  [stack, browser] = await Promise.all([startStack({ databaseUrl: database.url, env: { SIGNUP: 'invite' } }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await database?.drop();
});

const OWNER_PASSWORD = 'the owner password';
const SELLER_PASSWORD = 'the seller password';

/** A separate browser profile per person: their own cookies, as on their own machine. */
async function person(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  return { page, errors: watchPageErrors(page) };
}

describe('running the console for a team, in a real browser', () => {
  it('the owner signs up, invites a seller who joins; strangers cannot sign up; a disabled seller is signed out on the next click; the audit page lists it all', async () => {
    rememberSecret(OWNER_PASSWORD, 'the owner password');
    rememberSecret(SELLER_PASSWORD, 'the seller password');
    const ownerEmail = uniqueEmail('owner');
    const sellerEmail = uniqueEmail('seller');

    // The owner, first on a fresh console.
    const owner = await person();
    await owner.page.goto(stack.console.url);
    await owner.page.getByRole('link', { name: 'Create an account' }).first().click();
    await expect.poll(() => owner.page.getByRole('heading', { level: 1 }).textContent()).toBe('Create the owner account');
    await owner.page.getByLabel('Email').fill(ownerEmail);
    await owner.page.getByLabel(/^Password/).fill(OWNER_PASSWORD);
    await owner.page.getByRole('button', { name: 'Create account' }).click();
    await owner.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
    await owner.page.getByLabel(/Seller’s email/).fill(sellerEmail);
    await owner.page.getByRole('button', { name: 'Create invitation link' }).click();
    const link = await owner.page.getByLabel('Link').inputValue();
    expect(link).toMatch(new RegExp(`^${stack.console.url}/join/[A-Za-z0-9_-]{43}$`));
    rememberSecret(link.split('/').pop()!, 'the invitation token');
    await screenshot(owner.page, 'team-invitation-link');

    // The seller opens the link on their own machine.
    const seller = await person();
    await seller.page.goto(link);
    await expect.poll(() => seller.page.getByLabel('Email').inputValue()).toBe(sellerEmail);
    await seller.page.getByLabel(/^Password/).fill(SELLER_PASSWORD);
    await seller.page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => seller.page.getByRole('link', { name: 'Connect Sonlet' }).count()).toBeGreaterThan(0);
    expect(await seller.page.getByRole('link', { name: 'Team' }).count()).toBe(0);

    // A stranger finds the console and tries to sign up.
    const stranger = await person();
    await stranger.page.goto(stack.console.url);
    await stranger.page.getByRole('link', { name: 'Create an account' }).first().click();
    await expect.poll(() => stranger.page.getByRole('status').textContent()).toContain('invite-only');
    expect(await stranger.page.getByLabel(/^Password/).count()).toBe(0);
    await screenshot(stranger.page, 'team-sign-up-invite-only');

    // The owner disables the seller; the seller's next click finds them signed out.
    await owner.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
    const sellers = owner.page.getByRole('table', { name: 'Sellers' });
    const row = sellers.getByRole('row').filter({ hasText: sellerEmail });
    await expect.poll(() => row.locator('td').first().textContent()).toBe('Active');
    await row.getByRole('button', { name: `Disable ${sellerEmail}` }).click();
    await expect.poll(() => row.locator('td').first().textContent()).toBe('Disabled');
    await screenshot(owner.page, 'team-admin-page');

    await seller.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Items' }).click();
    await expect.poll(() => seller.page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    await seller.page.getByLabel('Email').fill(sellerEmail);
    await seller.page.getByLabel(/^Password/).fill(SELLER_PASSWORD);
    await seller.page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => seller.page.getByRole('alert').textContent()).toContain('disabled');

    // The audit trail shows what happened, newest first.
    await owner.page.getByRole('link', { name: 'Audit trail' }).click();
    const events = await owner.page.locator('table.audit tbody tr td:nth-child(2)').allTextContents();
    expect(events.map((e) => e.trim())).toEqual(['Failed sign-in', 'Seller disabled', 'Invitation used', 'Invitation issued', 'Owner account created']);
    const failed = owner.page.locator('table.audit tbody tr').first();
    expect(await failed.locator('td').nth(3).textContent()).toBe(sellerEmail);
    await screenshot(owner.page, 'team-audit-trail');

    // The refused sign-in page comes with its 403, which Chromium reports as a failed load; nothing else.
    expect(seller.errors).toEqual(['Failed to load resource: the server responded with a status of 403 (Forbidden)']);
    expect([...owner.errors, ...stranger.errors]).toEqual([]);
  });
});
