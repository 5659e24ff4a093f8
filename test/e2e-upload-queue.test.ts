/**
 * The upload queue survives: a reload in the middle of a batch, going offline and back, leaving the page
 * (it asks first) and a closed tab. Counted at the end in the console's database and at the Sonlet
 * sandbox: every photo is exactly one item.
 */
import { describe, expect, it, inject } from 'vitest';
import type { Page, Route } from 'playwright-core';
import { withBrowserStack } from './support/browser-stack.js';
import { DESKTOP, PHONE, screenshot, sellerContext } from './support/browser.js';
import { connectedSeller, jpegs, type ConnectedSeller } from './fixtures/uploads.js';
import { everyItem } from './support/sonlet-oracle.js';

const t = withBrowserStack();

async function itemsAtSonlet(seller: ConnectedSeller): Promise<number> {
  const { email } = await t.stack.console.app.prisma.user.findUniqueOrThrow({ where: { id: seller.userId } });
  return (await everyItem(t.stack, inject('databaseUrl'), email)).length;
}

async function choosePhotos(page: Page, count: number, from: number) {
  await page.getByLabel('Style', { exact: true }).selectOption({ index: 1 });
  await page.getByLabel('Size', { exact: true }).selectOption({ index: 1 });
  const photos = await jpegs(count, from);
  await page.locator('#up-photos').setInputFiles(photos.map((p) => ({ name: p.name, mimeType: p.type, buffer: p.data })));
  await expect.poll(() => page.locator('#up-list li.photo').count()).toBe(count);
}

/** Each card's state and words, and the seller's uploads and tasks: what a failing wait needs to say. */
async function whereThingsStand(page: Page, seller: ConnectedSeller): Promise<string> {
  const cards = await page.locator('#up-list li.photo').evaluateAll((els) => els.map((el) => `${el.getAttribute('data-state')}: ${el.querySelector('.status')?.textContent ?? ''}`));
  const { prisma } = t.stack.console.app;
  const uploads = await prisma.upload.findMany({ where: { userId: seller.userId }, select: { photoKey: true, step: true, sonletItemId: true } });
  const tasks = await prisma.task.findMany({ where: { userId: seller.userId }, select: { key: true, status: true, attempts: true, lastError: true } });
  return JSON.stringify({ cards, uploads, tasks }, null, 1);
}

const doneCount = (page: Page) => page.locator('#up-list li.photo[data-state="done"]').count();

describe('the upload queue survives', () => {
  it('a reload in the middle of a batch resumes to the same number of items, none twice', async () => {
    const seller = await connectedSeller(t.stack.console, { username: 'demo2', password: 'demo2' }, 'reload');
    const before = await itemsAtSonlet(seller);
    const context = await sellerContext(t.browser, t.stack.console.url, seller.browser.cookies, PHONE);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    // The first two photos get through; the rest are held on the way until the page reloads.
    const held: Route[] = [];
    let passed = 0;
    await page.route('**/upload', async (route) => {
      if (route.request().method() !== 'POST' || passed >= 2) {
        if (route.request().method() === 'POST') held.push(route);
        else await route.continue();
        return;
      }
      passed++;
      await route.continue();
    });
    await page.goto(`${t.stack.console.url}/upload`);
    await choosePhotos(page, 5, 500);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await expect.poll(() => page.locator('#up-count').textContent(), { timeout: 20_000 }).toBe('2 of 5 uploaded');
    // Both photos on their way are held, so exactly three have not reached the server when the page reloads.
    await expect.poll(() => held.length).toBe(2);

    await page.unroute('**/upload');
    await page.reload();
    await Promise.all(held.map((r) => r.abort().catch(() => undefined)));
    // Back: the five cards, the three that had not reached the server going by themselves.
    await expect.poll(() => page.locator('#up-list li.photo').count()).toBe(5);
    await expect.poll(() => doneCount(page), { timeout: 30_000 }).toBe(5).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await whereThingsStand(page, seller)}`);
    });
    await screenshot(page, 'queue-after-reload');
    expect(await t.stack.console.app.prisma.upload.count({ where: { userId: seller.userId } })).toBe(5);
    expect(await itemsAtSonlet(seller)).toBe(before + 5);
    await context.close();
  });

  it('photos chosen before the page’s script has arrived (a slow connection) are taken once it runs', async () => {
    const seller = await connectedSeller(t.stack.console, { username: 'demo2', password: 'demo2' }, 'early');
    const context = await sellerContext(t.browser, t.stack.console.url, seller.browser.cookies, PHONE);
    const page = await context.newPage();
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/public/upload.js', async (route) => {
      await arrived;
      await route.continue();
    });
    await page.goto(`${t.stack.console.url}/upload`, { waitUntil: 'commit' });
    const photos = await jpegs(2, 590);
    await page.locator('#up-photos').setInputFiles(photos.map((p) => ({ name: p.name, mimeType: p.type, buffer: p.data })));
    expect(await page.locator('#up-list li.photo').count()).toBe(0);
    release();
    await expect.poll(() => page.locator('#up-list li.photo').count()).toBe(2);
    expect(await page.locator('#up-count').textContent()).toBe('0 of 2 uploaded');
    await context.close();
  });

  it('going offline in the middle of a batch waits, and sends the rest once back online', async () => {
    const seller = await connectedSeller(t.stack.console, { username: 'demo2', password: 'demo2' }, 'offline');
    const before = await itemsAtSonlet(seller);
    const context = await sellerContext(t.browser, t.stack.console.url, seller.browser.cookies, DESKTOP);
    const page = await context.newPage();
    let posts = 0;
    await page.route('**/upload', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      // The signal goes while the second photo is on its way.
      if (++posts === 2) {
        await context.setOffline(true);
        return route.abort('internetdisconnected');
      }
      return route.continue();
    });
    await page.goto(`${t.stack.console.url}/upload`);
    await choosePhotos(page, 4, 540);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const waiting = page.locator('#up-list li.photo[data-state="waiting"]');
    await expect.poll(() => waiting.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await waiting.first().locator('.status').textContent()).toContain('Offline');
    await screenshot(page, 'queue-offline');

    await context.setOffline(false);
    await expect.poll(() => doneCount(page), { timeout: 30_000 }).toBe(4);
    expect(await page.locator('#up-count').textContent()).toBe('4 of 4 uploaded');
    expect(await t.stack.console.app.prisma.upload.count({ where: { userId: seller.userId } })).toBe(4);
    expect(await itemsAtSonlet(seller)).toBe(before + 4);
    await context.close();
  });

  it('leaving with photos not yet sent asks first; a closed tab keeps them for the next visit', async () => {
    const seller = await connectedSeller(t.stack.console, { username: 'demo2', password: 'demo2' }, 'leave');
    const context = await sellerContext(t.browser, t.stack.console.url, seller.browser.cookies, DESKTOP);
    const page = await context.newPage();
    await page.goto(`${t.stack.console.url}/upload`);
    await choosePhotos(page, 2, 580);
    await page.locator('#up-list li.photo').nth(1).getByLabel('Quantity').fill('7');

    const asked = new Promise<string>((resolve) => page.once('dialog', (dialog) => { resolve(dialog.type()); void dialog.dismiss(); }));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Items' }).click({ noWaitAfter: true });
    expect(await asked).toBe('beforeunload');
    expect(new URL(page.url()).pathname).toBe('/upload');

    await page.close({ runBeforeUnload: false });
    const again = await context.newPage();
    await again.goto(`${t.stack.console.url}/upload`);
    const cards = again.locator('#up-list li.photo');
    await expect.poll(() => cards.count()).toBe(2);
    expect(await cards.nth(1).getByLabel('Quantity').inputValue()).toBe('7');
    expect(await again.locator('#up-count').textContent()).toBe('0 of 2 uploaded');

    // Another seller signing in on the same browser sees none of them.
    const other = await connectedSeller(t.stack.console, { username: 'demo2', password: 'demo2' }, 'leave-other');
    await context.addCookies([...other.browser.cookies].map(([name, value]) => ({ name, value, url: t.stack.console.url })));
    await again.goto(`${t.stack.console.url}/upload`);
    await again.locator('#upload-form[data-queue-loaded="true"]').waitFor();
    expect(await again.locator('#up-count').textContent()).toBe('No photos chosen yet');
    expect(await again.locator('#up-list li.photo').count()).toBe(0);
    await context.close();
  });
});
