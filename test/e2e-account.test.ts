/**
 * The account page as a seller uses it in Chromium: change the password (other devices signed out),
 * turn photo shrinking off (the next photo reaches Sonlet at full size), sign out of all devices, and
 * delete the account after a confirmation (its sessions, tokens, uploads and settings go with it).
 */
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startStack, uniqueEmail, type Stack } from './support/stack.js';
import { DESKTOP, launchChromium, PHONE, screenshot, signUpAndConnectInBrowser } from './support/browser.js';
import { jpeg } from './fixtures/uploads.js';
import { pictureAtSonlet, uploadOnPage } from './support/upload-page.js';

let stack: Stack;
let browser: Browser;
const PASSWORD = 'a long enough password';

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack({ jobs: true, env: { LOG_LEVEL: 'warn' } }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${stack.console.url}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function openAccount(page: Page) {
  await page.getByRole('link', { name: 'Account', exact: true }).click();
  await page.waitForURL(`${stack.console.url}/account`);
}

describe('the account page', () => {
  it('changes the password: the other device is signed out, this one stays, the new password works', async () => {
    const email = uniqueEmail('account-pw');
    const phone = await (await browser.newContext(PHONE)).newPage();
    await signUpAndConnectInBrowser(phone, stack.console.url, email);
    const laptop = await (await browser.newContext(DESKTOP)).newPage();
    await signIn(laptop, email, PASSWORD);
    await laptop.waitForURL(`${stack.console.url}/`);

    await openAccount(phone);
    // A wrong current password changes nothing and says so on the form.
    await phone.getByLabel('Current password').fill('not my password at all');
    await phone.getByLabel(/^New password \(/).fill('purple elephants dance quietly');
    await phone.getByLabel('New password again').fill('purple elephants dance quietly');
    await phone.getByRole('button', { name: 'Change password' }).click();
    expect(await phone.locator('#form-error').textContent()).toContain('That is not your current password');
    expect(await phone.getByLabel('Current password').getAttribute('aria-invalid')).toBe('true');

    await phone.getByLabel('Current password').fill(PASSWORD);
    await phone.getByLabel(/^New password \(/).fill('purple elephants dance quietly');
    await phone.getByLabel('New password again').fill('purple elephants dance quietly');
    await phone.getByRole('button', { name: 'Change password' }).click();
    await phone.waitForURL(`${stack.console.url}/account?done=password`);
    expect(await phone.getByRole('status').first().textContent()).toContain('Your password is changed');
    expect(await stack.console.app.prisma.auditEvent.count({ where: { kind: 'password-changed', actorEmail: email } })).toBe(1);
    await screenshot(phone, 'account-phone');

    // The laptop's next click finds it signed out; the old password no longer works, the new one does.
    await laptop.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Items' }).click();
    await laptop.waitForURL(/\/sign-in\?next=/);
    await signIn(laptop, email, PASSWORD);
    expect(await laptop.locator('#form-error').textContent()).toContain('do not match');
    await signIn(laptop, email, 'purple elephants dance quietly');
    await laptop.waitForURL(`${stack.console.url}/`);
    await phone.context().close();
    await laptop.context().close();
  });

  it('turns photo shrinking off: the next large photo reaches Sonlet at full size', async () => {
    const email = uniqueEmail('account-photos');
    const page = await (await browser.newContext(DESKTOP)).newPage();
    await signUpAndConnectInBrowser(page, stack.console.url, email, { username: 'demo2', password: 'demo2' });
    await openAccount(page);
    const box = page.getByLabel(/Make photos larger than 2,048 pixels smaller/);
    expect(await box.isChecked()).toBe(true);
    await box.uncheck();
    await page.getByRole('button', { name: 'Save photo setting' }).click();
    await page.waitForURL(/\/account\?done=photos/);
    expect(await page.getByLabel(/Make photos larger than 2,048 pixels smaller/).isChecked()).toBe(false);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upload', exact: true }).click();
    expect(await page.locator('#up-downscale-note').textContent()).toContain('Photos are sent at full size.');
    const big = await jpeg(950, { width: 2600, height: 1700 });
    const pk = await uploadOnPage(page, { name: big.name, mimeType: big.type, buffer: big.data });
    const meta = await pictureAtSonlet(stack, inject('databaseUrl'), email, pk);
    expect([meta.width, meta.height]).toEqual([2600, 1700]);
    await page.context().close();
  });

  it('signs out of all devices, this one included', async () => {
    const email = uniqueEmail('account-everywhere');
    const one = await (await browser.newContext(DESKTOP)).newPage();
    await signUpAndConnectInBrowser(one, stack.console.url, email);
    const two = await (await browser.newContext(PHONE)).newPage();
    await signIn(two, email, PASSWORD);
    await two.waitForURL(`${stack.console.url}/`);
    const userId = (await stack.console.app.prisma.user.findUniqueOrThrow({ where: { email } })).id;
    expect(await stack.console.app.prisma.session.count({ where: { userId } })).toBe(2);

    await openAccount(one);
    await one.getByRole('button', { name: 'Sign out of all devices' }).click();
    await one.waitForURL(`${stack.console.url}/sign-in`);
    expect(await stack.console.app.prisma.session.count({ where: { userId } })).toBe(0);
    expect(await stack.console.app.prisma.auditEvent.count({ where: { kind: 'sign-out-everywhere', actorId: userId } })).toBe(1);
    await two.reload();
    expect(await two.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await one.context().close();
    await two.context().close();
  });

  it('deletes the account after a second step that says what goes; everything of the seller’s goes with it', async () => {
    const email = uniqueEmail('account-delete');
    const page = await (await browser.newContext(PHONE)).newPage();
    await signUpAndConnectInBrowser(page, stack.console.url, email, { username: 'demo2', password: 'demo2' });
    const { prisma } = stack.console.app;
    const userId = (await prisma.user.findUniqueOrThrow({ where: { email } })).id;
    await prisma.sellerSettings.create({ data: { userId, downscalePhotos: false } });
    await page.goto(`${stack.console.url}/upload`);
    const photo = await jpeg(960);
    await uploadOnPage(page, { name: photo.name, mimeType: photo.type, buffer: photo.data });
    const token = await prisma.sonletConnection.findUniqueOrThrow({ where: { userId } });
    stack.sonlet.sandbox.resetStats();

    await openAccount(page);
    await page.getByRole('link', { name: 'Delete account…' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Delete your account?');
    expect(await page.locator('main ul').textContent()).toContain('deletes your uploads');
    // A wrong password deletes nothing.
    await page.getByLabel('Your password, to confirm').fill('not the password');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    expect(await page.locator('#form-error').textContent()).toContain('That is not your current password');
    expect(await prisma.user.count({ where: { id: userId } })).toBe(1);

    await page.getByLabel('Your password, to confirm').fill(PASSWORD);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your account is deleted');
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await screenshot(page, 'account-deleted');
    expect(await prisma.user.count({ where: { id: userId } })).toBe(0);
    expect(await prisma.auditEvent.count({ where: { kind: 'account-deleted', actorEmail: email } })).toBe(1);
    for (const count of [
      prisma.session.count({ where: { userId } }),
      prisma.sonletConnection.count({ where: { userId } }),
      prisma.upload.count({ where: { userId } }),
      prisma.sellerSettings.count({ where: { userId } }),
      prisma.inventoryItem.count({ where: { userId } }),
      prisma.catalogCache.count({ where: { userId } }),
    ]) expect(await count).toBe(0);
    // The tokens were revoked at Sonlet first.
    expect(stack.sonlet.sandbox.stats.byPath.get('/o/revoke_token/')).toBe(2);
    expect(token.userId).toBe(userId);
    // Signing in again is refused: the account is gone.
    await signIn(page, email, PASSWORD);
    expect(await page.locator('#form-error').textContent()).toContain('do not match');
    await page.context().close();
  });
});

describe('times in the seller’s own time zone', () => {
  for (const javaScript of [true, false]) {
    it(`an item’s creation time ${javaScript ? 'in the browser’s time zone' : 'says UTC without JavaScript'}`, async () => {
      const email = uniqueEmail('tz');
      const setup = await (await browser.newContext(DESKTOP)).newPage();
      await signUpAndConnectInBrowser(setup, stack.console.url, email, { username: 'demo2', password: 'demo2' });
      const cookies = await setup.context().cookies();
      await setup.context().close();
      const context = await browser.newContext({ ...DESKTOP, timezoneId: 'Pacific/Auckland', locale: 'en-NZ', javaScriptEnabled: javaScript });
      await context.addCookies(cookies);
      const page = await context.newPage();
      await page.goto(`${stack.console.url}/items`);
      await page.locator('.grid .card > a').first().click();
      const time = page.locator('.facts time');
      const iso = (await time.getAttribute('datetime'))!;
      const expected = new Intl.DateTimeFormat('en-NZ', { timeZone: 'Pacific/Auckland', year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
      if (javaScript) {
        await expect.poll(() => time.textContent()).toBe(expected);
        expect(await time.getAttribute('title')).toBe('Pacific/Auckland');
      } else {
        expect(await time.textContent()).toBe(`${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`);
      }
      await context.close();
    });
  }
});
