import { describe, expect, it } from 'vitest';
import { signUp, connectSonlet } from './support/stack.js';
import { withBrowserStack } from './support/browser-stack.js';
import { screenshot, watchPageErrors } from './support/browser.js';
import { connectedSeller, jpegs } from './fixtures/uploads.js';

const t = withBrowserStack();

describe('in a real browser', () => {
  it('chooses three photos, watches each one upload and become an item, and finds them first in Items', async () => {
    // Sign-up and the Sonlet connection are covered by e2e-connect; here the browser starts signed in.
    const seller = await signUp(t.stack.console.url);
    expect((await connectSonlet(seller)).status).toBe(302);
    const context = await t.browser.newContext({ viewport: { width: 1100, height: 1000 } });
    await context.addCookies([...seller.cookies].map(([name, value]) => ({ name, value, url: t.stack.console.url })));
    const page = await context.newPage();
    const errors = watchPageErrors(page);

    await page.goto(`${t.stack.console.url}/upload`);
    await page.getByLabel('Style', { exact: true }).selectOption({ index: 2 });
    await page.getByLabel('Size', { exact: true }).selectOption({ index: 3 });
    await page.getByLabel(/^Quantity/).fill('2');
    const photos = await jpegs(3, 700);
    await page.locator('#up-photos').setInputFiles(photos.map((p) => ({ name: p.name, mimeType: p.type, buffer: p.data })));
    const rows = page.locator('#up-list li.photo');
    await expect.poll(() => rows.count()).toBe(3);

    // Each card starts with the shared settings; one photo gets its own quantity before sending.
    expect(await rows.nth(0).getByLabel('Quantity').inputValue()).toBe('2');
    await rows.nth(2).getByLabel('Quantity').fill('5');
    await screenshot(page, 'upload-chosen');

    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await expect.poll(() => page.locator('#up-list li.photo[data-state="done"]').count(), { timeout: 30_000 }).toBe(3);
    expect(await page.locator('#up-count').textContent()).toBe('3 of 3 uploaded');
    await screenshot(page, 'upload-done');
    const hrefs = await page.locator('#up-list a.item-link').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(hrefs).toHaveLength(3);

    await page.goto(`${t.stack.console.url}/items`);
    const newest = await page.locator('.grid .card > a').evaluateAll((links) => links.slice(0, 3).map((a) => a.getAttribute('href')));
    expect(new Set(newest)).toEqual(new Set(hrefs));
    const quantities = await page.locator('.grid .card .qty').evaluateAll((els) => els.slice(0, 3).map((e) => e.textContent));
    expect(quantities.sort()).toEqual(['Qty 2', 'Qty 2', 'Qty 5']);
    await screenshot(page, 'upload-items');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a photo whose answer is lost on the way back is sent again by the page and is still one item', async () => {
    const { browser: seller, userId, api } = await connectedSeller(t.stack.console, { username: 'demo2', password: 'demo2' }, 'lost-answer');
    const itemsBefore = (await api.listItems()).count;
    const context = await t.browser.newContext({ viewport: { width: 1100, height: 1000 } });
    await context.addCookies([...seller.cookies].map(([name, value]) => ({ name, value, url: t.stack.console.url })));
    const page = await context.newPage();
    // The phone switches networks: the console receives the photo and answers, the answer never arrives.
    let answersLost = 0;
    let posts = 0;
    await page.route('**/upload', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      posts++;
      if (answersLost > 0) return route.continue();
      answersLost++;
      await route.fetch();
      await route.abort('connectionreset');
    });

    await page.goto(`${t.stack.console.url}/upload`);
    await page.getByLabel('Style', { exact: true }).selectOption({ index: 1 });
    await page.getByLabel('Size', { exact: true }).selectOption({ index: 1 });
    const [photo] = await jpegs(1, 720);
    await page.locator('#up-photos').setInputFiles([{ name: photo.name, mimeType: photo.type, buffer: photo.data }]);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const card = page.locator('#up-list li.photo').first();
    // The same photo goes again with the same key: the console answers with the upload it already has.
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    expect(answersLost).toBe(1);
    expect(posts).toBe(2);
    const href = await card.locator('a.item-link').getAttribute('href');
    expect(href).toMatch(/^\/items\/\d+$/);
    expect(await t.stack.console.app.prisma.upload.count({ where: { userId } })).toBe(1);
    expect((await api.listItems()).count).toBe(itemsBefore + 1);
    await screenshot(page, 'upload-answer-lost');
    await context.close();
  });

  it('a photo that keeps failing to leave ends as failed with Retry, and Retry sends it', async () => {
    const { browser: seller, userId } = await connectedSeller(t.stack.console, { username: 'demo2', password: 'demo2' }, 'keeps-failing');
    const context = await t.browser.newContext({ viewport: { width: 1100, height: 1000 } });
    await context.addCookies([...seller.cookies].map(([name, value]) => ({ name, value, url: t.stack.console.url })));
    const page = await context.newPage();
    let broken = true;
    let refusedPosts = 0;
    await page.route('**/upload', async (route) => {
      if (route.request().method() !== 'POST' || !broken) return route.continue();
      refusedPosts++;
      await route.abort('connectionreset');
    });
    await page.goto(`${t.stack.console.url}/upload`);
    await page.getByLabel('Style', { exact: true }).selectOption({ index: 1 });
    await page.getByLabel('Size', { exact: true }).selectOption({ index: 1 });
    const [photo] = await jpegs(1, 730);
    await page.locator('#up-photos').setInputFiles([{ name: photo.name, mimeType: photo.type, buffer: photo.data }]);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const card = page.locator('#up-list li.photo').first();
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 30_000 }).toBe('failed');
    expect(await card.locator('.status').textContent()).toContain('The connection was lost.');
    // Sent once, then again a few times by itself (growing waits), then it asks the seller.
    expect(refusedPosts).toBe(4);
    broken = false;
    await card.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    expect(await t.stack.console.app.prisma.upload.count({ where: { userId } })).toBe(1);
    await context.close();
  });
});
