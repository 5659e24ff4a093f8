/**
 * Photo-first capture on a 390 px phone, as a seller does it: the pickers first, tag each photo on its
 * card (per-photo attributes, Same as previous, Apply to all selected), the sticky bar, Upload; then the
 * items are read back from the Sonlet sandbox over plain HTTP.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, inject } from 'vitest';
import sharp from 'sharp';
import { withBrowserStack } from './support/browser-stack.js';
import { DESKTOP, PHONE, screenshot, sellerContext, watchPageErrors } from './support/browser.js';
import { connectedSeller, jpeg } from './fixtures/uploads.js';
import { attributesOf, everyItem } from './support/sonlet-oracle.js';
import { pictureAtSonlet, uploadOnPage } from './support/upload-page.js';

const t = withBrowserStack();

describe('photo-first capture on a phone', () => {
  it('tags three photos on their cards and each item reaches Sonlet with its own attributes; a large photo arrives at most 2,048 px', async () => {
    const seller = await connectedSeller(t.stack.console, { username: 'demo2', password: 'demo2' }, 'capture');
    const email = (await t.stack.console.app.prisma.user.findUniqueOrThrow({ where: { id: seller.userId } })).email;
    const before = new Set((await everyItem(t.stack, inject('databaseUrl'), email)).map((i) => i.pk));
    const context = await sellerContext(t.browser, t.stack.console.url, seller.browser.cookies, PHONE);
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${t.stack.console.url}/upload`);

    // The pickers are the first thing: above the settings, within the first screen.
    const take = page.locator('label[for="up-camera"]');
    const choose = page.locator('label[for="up-photos"]');
    const takeBox = (await take.boundingBox())!;
    expect(takeBox.y + takeBox.height).toBeLessThan(300);
    expect(takeBox.y).toBeLessThan((await page.locator('#up-style').boundingBox())!.y);
    expect(await take.textContent()).toBe('Take photos');
    expect(await choose.textContent()).toBe('Choose photos');
    expect(await page.locator('#up-camera').getAttribute('capture')).toBe('environment');
    expect(await page.locator('#up-photos').getAttribute('capture')).toBeNull();
    for (const box of [takeBox, (await choose.boundingBox())!]) expect(box.height).toBeGreaterThanOrEqual(44);

    const big = await jpeg(901, { width: 3000, height: 2000 });
    const photos = [await jpeg(902, { width: 300, height: 400 }), big, await jpeg(903, { width: 300, height: 400 })];
    await page.locator('#up-photos').setInputFiles(photos.map((p) => ({ name: p.name, mimeType: p.type, buffer: p.data })));
    const cards = page.locator('#up-list li.photo');
    await expect.poll(() => cards.count()).toBe(3);
    expect(await page.locator('#up-count').textContent()).toBe('0 of 3 uploaded');
    // Previews say what they show.
    await expect.poll(() => cards.nth(0).locator('img').getAttribute('alt')).toBe(`Photo 1: ${photos[0]!.name}`);

    const [first, second, third] = [cards.nth(0), cards.nth(1), cards.nth(2)];
    await first.getByLabel('Style').selectOption({ index: 2 });
    await first.getByLabel('Size').selectOption({ index: 3 });
    await first.getByLabel('Quantity').fill('3');
    await first.getByLabel('Name').first().fill('Color');
    await first.getByLabel('Value').first().fill('Red');
    // The second is like the first, but blue.
    await second.getByRole('button', { name: 'Same as previous' }).click();
    expect(await second.getByLabel('Style').inputValue()).toBe(await first.getByLabel('Style').inputValue());
    await second.getByLabel('Value').first().fill('Blue');
    // The third gets the first's settings through Apply to all selected, then its own colour.
    await third.getByText('Select', { exact: true }).click();
    await first.getByRole('button', { name: 'Apply to all selected' }).click();
    expect(await third.getByLabel('Quantity').inputValue()).toBe('3');
    expect(await third.getByLabel('Name').first().inputValue()).toBe('Color');
    await third.getByLabel('Value').first().fill('Green');

    // The Upload button is on screen wherever the seller has scrolled to.
    await page.evaluate(() => window.scrollTo(0, 0));
    const upload = page.getByRole('button', { name: 'Upload', exact: true });
    const bar = (await upload.boundingBox())!;
    expect(bar.y + bar.height).toBeLessThanOrEqual(844);
    expect(bar.height).toBeGreaterThanOrEqual(44);
    await screenshot(page, 'capture-phone-tagged');

    await upload.click();
    await expect.poll(() => page.locator('#up-list li.photo[data-state="done"]').count(), { timeout: 30_000 }).toBe(3);
    expect(await page.locator('#up-count').textContent()).toBe('3 of 3 uploaded');
    // Finished cards: a thumbnail, the item's name and a link; nothing left to change.
    expect(await first.locator('select, input').count()).toBe(0);
    expect(await first.locator('.name').textContent()).toMatch(/, size /);
    expect(await first.locator('a.item-link').getAttribute('href')).toMatch(/^\/items\/\d+$/);
    await screenshot(page, 'capture-phone-done');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    const created = (await everyItem(t.stack, inject('databaseUrl'), email)).filter((i) => !before.has(i.pk));
    expect(created.map((i) => attributesOf(i).Color).sort()).toEqual(['Blue', 'Green', 'Red']);
    expect(created.every((i) => i.quantity === 3)).toBe(true);
    const hrefs = await cards.locator('a.item-link').evaluateAll((links) => links.map((a) => Number(a.getAttribute('href')!.split('/').pop())));
    const bigItem = created.find((i) => i.pk === hrefs[1])!;
    expect(attributesOf(bigItem).Color).toBe('Blue');
    // The large photo went to Sonlet shrunk to 2,048 px on its long edge.
    const image = await sharp(Buffer.from(await (await fetch(bigItem.image!.image_full)).arrayBuffer())).metadata();
    expect(Math.max(image.width!, image.height!)).toBe(2048);
    expect(image.width).toBeGreaterThan(image.height!);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an iPhone photo this browser cannot decode goes as it is and still becomes a JPEG item', async () => {
    const seller = await connectedSeller(t.stack.console, { username: 'demo2', password: 'demo2' }, 'capture-heic');
    const context = await sellerContext(t.browser, t.stack.console.url, seller.browser.cookies, DESKTOP);
    const page = await context.newPage();
    await page.goto(`${t.stack.console.url}/upload`);
    const heic = { name: 'IMG_0007.HEIC', mimeType: 'image/heic', buffer: readFileSync(new URL('./fixtures/tiny.heic', import.meta.url)) };
    const pk = await uploadOnPage(page, heic, async (card) => {
      // Chromium on Linux has no HEIC decoder: no preview, and the server converts it.
      expect(await card.getByRole('img').getAttribute('aria-label')).toBe('No preview of IMG_0007.HEIC');
    });
    const { email } = await t.stack.console.app.prisma.user.findUniqueOrThrow({ where: { id: seller.userId } });
    expect((await pictureAtSonlet(t.stack, inject('databaseUrl'), email, pk)).format).toBe('jpeg');
    await context.close();
  });

  it('without JavaScript the form still sends every photo with one block of settings', async () => {
    const seller = await connectedSeller(t.stack.console, { username: 'demo2', password: 'demo2' }, 'capture-nojs');
    const context = await sellerContext(t.browser, t.stack.console.url, seller.browser.cookies, { ...PHONE, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${t.stack.console.url}/upload`);
    expect(await page.locator('#up-shared legend').textContent()).toBe('Settings for the photos');
    const photos = [await jpeg(970), await jpeg(971)];
    await page.locator('#up-photos').setInputFiles(photos.map((p) => ({ name: p.name, mimeType: p.type, buffer: p.data })));
    await page.getByLabel('Style', { exact: true }).selectOption({ index: 3 });
    await page.getByLabel('Size', { exact: true }).selectOption({ index: 2 });
    await page.getByLabel('Name').first().fill('Color');
    await page.getByLabel('Value').first().fill('Plum');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.waitForURL(/\/uploads\/batch\/[0-9a-f-]+$/);
    // The result page refreshes itself until both are done.
    await expect.poll(() => page.locator('tr.upload[data-state="done"]').count(), { timeout: 30_000 }).toBe(2);
    const uploads = await t.stack.console.app.prisma.upload.findMany({ where: { userId: seller.userId } });
    expect(uploads.map((u) => u.attributes)).toEqual([{ Color: 'Plum' }, { Color: 'Plum' }]);
    await context.close();
  });

  it('a large photo taken with the phone turned is shrunk the right way up (its orientation applied)', async () => {
    const seller = await connectedSeller(t.stack.console, { username: 'demo2', password: 'demo2' }, 'capture-turned');
    const context = await sellerContext(t.browser, t.stack.console.url, seller.browser.cookies, DESKTOP);
    const page = await context.newPage();
    await page.goto(`${t.stack.console.url}/upload`);
    // Stored 3000 × 2000 with EXIF orientation 6: the camera was held upright, so it shows 2000 × 3000.
    const turned = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#3366aa' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const pk = await uploadOnPage(page, { name: 'IMG_0100.jpg', mimeType: 'image/jpeg', buffer: turned });
    const { email } = await t.stack.console.app.prisma.user.findUniqueOrThrow({ where: { id: seller.userId } });
    const meta = await pictureAtSonlet(t.stack, inject('databaseUrl'), email, pk);
    expect([meta.width, meta.height]).toEqual([1365, 2048]);
    expect(meta.orientation ?? 1).toBe(1);
    await context.close();
  });
});
