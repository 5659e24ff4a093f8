/** Steps of the upload page as a seller takes them in Chromium, and what Sonlet made of the photo. */
import { expect } from 'vitest';
import sharp, { type Metadata } from 'sharp';
import type { Locator, Page } from 'playwright-core';
import type { Stack } from './stack.js';
import { everyItem } from './sonlet-oracle.js';

/**
 * On the open upload page: chooses one photo, gives its card the first style and size, presses Upload and
 * waits for its item. `beforeUpload` looks at the card first. Answers the item's pk.
 */
export async function uploadOnPage(page: Page, file: { name: string; mimeType: string; buffer: Buffer }, beforeUpload?: (card: Locator) => Promise<void>): Promise<number> {
  await page.locator('#up-photos').setInputFiles([file]);
  const card = page.locator('#up-list li.photo').last();
  await card.getByLabel('Style').selectOption({ index: 1 });
  await card.getByLabel('Size').selectOption({ index: 1 });
  await beforeUpload?.(card);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await expect.poll(() => card.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
  return Number((await card.locator('a.item-link').getAttribute('href'))!.split('/').pop());
}

/** The full-size picture of the seller's item as the Sonlet sandbox serves it. */
export async function pictureAtSonlet(stack: Stack, databaseUrl: string, email: string, pk: number): Promise<Metadata> {
  const item = (await everyItem(stack, databaseUrl, email)).find((i) => i.pk === pk)!;
  return sharp(Buffer.from(await (await fetch(item.image!.image_full)).arrayBuffer())).metadata();
}
