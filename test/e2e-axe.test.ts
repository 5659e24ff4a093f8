/**
 * axe-core finds no accessibility violations on any page a seller can reach, signed in or not, on a
 * desktop and on a 390 px phone: each page is opened (or reached through its button, for the second
 * steps) in Chromium and checked as it stands. Sandbox mode, with its banner, is e2e-axe-sandbox.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startStack, signUp, connectSonlet, uniqueEmail, type Stack } from './support/stack.js';
import { DESKTOP, launchChromium, PHONE, sellerContext } from './support/browser.js';
import { axeViolations } from './support/axe.js';
import { jpegs, postUpload, settle } from './fixtures/uploads.js';
import { DEMO_PLUGBOARD_TENANTS, startPlugboardSandbox, type StartedPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import { settingsFor, settled } from './support/shop.js';
import { location, type HttpSession } from './support/http.js';

let stack: Stack;
let plugboard: StartedPlugboardSandbox;
let browser: Browser;
let seller: HttpSession;
let unconnected: HttpSession;
const paths: Record<string, string> = {};

beforeAll(async () => {
  [stack, plugboard, browser] = await Promise.all([startStack({ jobs: true, env: { LOG_LEVEL: 'warn' } }), startPlugboardSandbox(), launchChromium()]);
  seller = await signUp(stack.console.url);
  expect((await connectSonlet(seller)).status).toBe(302);
  expect((await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, DEMO_PLUGBOARD_TENANTS[0]!))).status).toBe(303);
  unconnected = await signUp(stack.console.url);
  const catalog = await (await seller.get('/upload')).text();
  const style = /<option value="(\d+)" data-price/.exec(catalog)![1]!;
  const size = /id="up-size"[\s\S]*?<option value="(\d+)"/.exec(catalog)![1]!;
  const res = await postUpload(seller, { style, size, attributes: { Color: 'Teal' } }, await jpegs(2, 990), { json: true });
  const { batchId, uploads } = (await res.json()) as { batchId: string; uploads: Array<{ id: string; itemPk: number | null }> };
  const batch = await settle(seller, batchId);
  const itemPk = batch.uploads[0]!.itemPk!;
  paths.batch = `/uploads/batch/${batchId}`;
  paths.upload = `/uploads/${uploads[0]!.id}`;
  paths.item = `/items/${itemPk}`;
  const { csrf } = await seller.page('/items');
  const posted = await seller.postForm('/publish', { _csrf: csrf!, scope: 'selected', pk: String(itemPk) });
  paths.publish = location(posted);
  await settled(seller, paths.publish);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await plugboard?.close();
});

const SIGNED_OUT = ['/', '/sign-in', '/sign-up', '/no-such-page'];
const signedIn = () => [
  '/', '/items', '/items?q=teal&sort=price-asc', '/items?style=1&shop=published&page=99', paths.item, '/images', '/upload', '/uploads', paths.batch, paths.upload,
  '/orders', '/settings/plugboard', paths.publish, '/account', '/account/delete', '/connect/sonlet/disconnect', '/items/2147483647', '/no-such-page',
];

async function check(page: Page, label: string): Promise<string[]> {
  return (await axeViolations(page)).map((v) => `${label}: ${v}`);
}

for (const [screen, options] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
  describe(`axe on every page (${screen})`, () => {
    it('signed out', async () => {
      const page = await (await browser.newContext(options)).newPage();
      const found: string[] = [];
      for (const path of SIGNED_OUT) {
        await page.goto(`${stack.console.url}${path}`);
        found.push(...(await check(page, path)));
      }
      // A refused sign-in shows its error on the form.
      await page.goto(`${stack.console.url}/sign-in`);
      await page.getByLabel('Email').fill(uniqueEmail('nobody'));
      await page.getByLabel('Password').fill('wrong password here');
      await page.getByRole('button', { name: 'Sign in' }).click();
      found.push(...(await check(page, 'sign-in refused')));
      expect(found).toEqual([]);
      // The check itself finds what is wrong: a picture without a text alternative.
      await page.evaluate(() => document.querySelector('main')!.append(Object.assign(document.createElement('img'), { src: '/public/icon.svg' })));
      expect((await axeViolations(page)).some((v) => v.startsWith('image-alt'))).toBe(true);
      await page.context().close();
    });

    it('signed in, every page and second step', async () => {
      const context = await sellerContext(browser, stack.console.url, seller.cookies, options);
      const page = await context.newPage();
      const found: string[] = [];
      for (const path of signedIn()) {
        await page.goto(`${stack.console.url}${path}`);
        found.push(...(await check(page, path)));
      }
      // The upload page with photos on it, and a settings refusal on the account page.
      await page.goto(`${stack.console.url}/upload`);
      const photos = await jpegs(2, 995);
      await page.locator('#up-photos').setInputFiles(photos.map((p) => ({ name: p.name, mimeType: p.type, buffer: p.data })));
      await expect.poll(() => page.locator('#up-list li.photo img').count()).toBe(2);
      found.push(...(await check(page, 'upload with photos')));
      await page.goto(`${stack.console.url}/account`);
      await page.getByLabel('Current password').fill('wrong');
      await page.getByLabel(/^New password \(/).fill('x');
      await page.getByLabel('New password again').fill('x');
      await page.getByRole('button', { name: 'Change password' }).click();
      found.push(...(await check(page, 'account refused')));
      // The second steps reached through their buttons.
      await page.goto(`${stack.console.url}/items?page=2`);
      await page.getByRole('button', { name: 'Publish all on this page' }).click();
      found.push(...(await check(page, 'publish page confirmation')));
      await page.goto(`${stack.console.url}${paths.item}`);
      await page.getByRole('button', { name: 'Take out of the shop' }).click();
      found.push(...(await check(page, 'unpublish confirmation')));
      expect(found).toEqual([]);
      await context.close();
    });

    it('signed in without Sonlet connected', async () => {
      const context = await sellerContext(browser, stack.console.url, unconnected.cookies, options);
      const page = await context.newPage();
      const found: string[] = [];
      for (const path of ['/', '/items', '/images', '/upload', '/uploads', '/orders']) {
        await page.goto(`${stack.console.url}${path}`);
        found.push(...(await check(page, path)));
      }
      expect(found).toEqual([]);
      await context.close();
    });
  });
}
