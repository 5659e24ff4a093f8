/**
 * Text that others chose, as long and as strange as they like, on a 390 px phone in Chromium: an email
 * address with no place to break, a photo's file name and attribute values in Unicode with right-to-left
 * marks and zero-width characters, all shown on the pages that list them (account, team, uploads, items).
 * No page may scroll sideways, and the text arrives as it was typed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startStack, connectSonlet, signUp, type Stack } from './support/stack.js';
import { freshDatabase } from './support/database.js';
import { launchChromium, PHONE, screenshot, sellerContext } from './support/browser.js';
import { jpeg, postUpload, settle } from './fixtures/uploads.js';
import type { HttpSession } from './support/http.js';

let stack: Stack;
let db: { url: string; drop(): Promise<void> };
let browser: Browser;
let owner: HttpSession;
let itemPk: number;

// 64 characters before the @ (the most an address has), and a long domain; nowhere to break.
const EMAIL = `${'o'.repeat(30)}${'w'.repeat(34)}@${'verylongsubdomain'.repeat(4)}.example.com`;
const OTHER = `${'s'.repeat(64)}@${'anotherlongsubdomain'.repeat(4)}.example.com`;
// Right-to-left Hebrew with a right-to-left override, zero-width spaces and joiners, an emoji, and no spaces.
const STRANGE = `\u05E9\u05DE\u05DC\u05D4\u202E${'\u200B\u200D'.repeat(3)}Blåbärsblå🫐${'\u05E9\u05DE\u05DC\u05D4'.repeat(12)}${'X'.repeat(80)}`;

beforeAll(async () => {
  db = await freshDatabase();
  [stack, browser] = await Promise.all([startStack({ databaseUrl: db.url, jobs: true, env: { LOG_LEVEL: 'warn' } }), launchChromium()]);
  owner = await signUp(stack.console.url, EMAIL);
  await signUp(stack.console.url, OTHER);
  expect((await connectSonlet(owner)).status).toBe(302);
  const user = await stack.console.app.prisma.user.findUniqueOrThrow({ where: { email: EMAIL } });
  const catalog = await stack.console.app.catalog.get(user.id, stack.console.app.sonletApiFor(user.id));
  const photo = { ...(await jpeg(7)), name: `${STRANGE}.jpg` };
  const res = await postUpload(owner, { style: String(catalog.styles[0]!.pk), size: String(catalog.sizes[0]!.pk), attributes: { [`Note${'N'.repeat(46)}`]: STRANGE } }, [photo], { json: true });
  expect(res.status, await res.clone().text()).toBe(201);
  const batch = await settle(owner, ((await res.json()) as { batchId: string }).batchId);
  expect(batch.uploads[0]!.state, JSON.stringify(batch)).toBe('done');
  itemPk = batch.uploads[0]!.itemPk!;
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await db?.drop();
});

describe('long and strange text on a 390 px phone', () => {
  it('no page scrolls sideways, and the text is shown as it was given', async () => {
    const context = await sellerContext(browser, stack.console.url, owner.cookies, PHONE);
    const page = await context.newPage();
    const overflowing: string[] = [];
    for (const path of ['/account', '/admin', '/admin/audit', '/uploads', '/items', `/items/${itemPk}`, '/account/delete', '/']) {
      const res = await page.goto(`${stack.console.url}${path}`);
      expect(res?.status(), path).toBe(200);
      const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      if (scroll > client) overflowing.push(`${path}: ${scroll} px wide (${await widest(page)})`);
      await screenshot(page, `long-text${path.replace(/[^a-z0-9]+/gi, '-')}`);
    }
    expect(overflowing.join('; ')).toBe('');
    await page.goto(`${stack.console.url}/account`);
    expect(await page.locator('main').innerText()).toContain(EMAIL);
    await page.goto(`${stack.console.url}/items/${itemPk}`);
    expect(await page.locator('main').innerText()).toContain(STRANGE);
    await context.close();
  }, 90_000);
});

/** The deepest elements that reach past the screen's right edge, to say what widened the page. */
function widest(page: import('playwright-core').Page): Promise<string> {
  return page.evaluate(() => {
    const past = [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1);
    const leaves = past.filter((el) => !past.some((other) => other !== el && el.contains(other)));
    return leaves.slice(0, 3).map((el) => `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`).join(', ');
  });
}
