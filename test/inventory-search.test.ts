/**
 * Search, sort and stock filters on the items grid, answered from the inventory walk kept in Postgres.
 * The oracle is the Sonlet sandbox read over plain HTTP (its wire shapes, not the console's client).
 */
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startStack, signUp, connectSonlet, type Stack } from './support/stack.js';
import { location, type HttpSession } from './support/http.js';
import { attributesOf, everyItem, type WireItem } from './support/sonlet-oracle.js';

let stack: Stack;
let demo: HttpSession;
let demoEmail: string;
let all: WireItem[];

const cards = (html: string) => [...html.matchAll(/<a href="\/items\/(\d+)">/g)].map((m) => Number(m[1]));
const totalOf = (html: string) => Number(/(\d+) in total/.exec(html)?.[1]);
const byNewest = (a: WireItem, b: WireItem) => Date.parse(b.created) - Date.parse(a.created) || b.pk - a.pk;

beforeAll(async () => {
  stack = await startStack();
  demoEmail = `search-${Date.now()}@example.com`;
  demo = await signUp(stack.console.url, demoEmail);
  expect((await connectSonlet(demo)).status).toBe(302);
  all = await everyItem(stack, inject('databaseUrl'), demoEmail);
  expect(all.length).toBeGreaterThan(100);
});
afterAll(async () => {
  await stack.close();
});

describe('finding items', () => {
  it('finds items by an attribute value, sorted by price, and says how fresh the results are', async () => {
    const colour = Object.values(attributesOf(all[5]!))[0]!;
    const expected = all
      .filter((i) => Object.values(attributesOf(i)).some((v) => v.toLowerCase().includes(colour.toLowerCase())))
      .sort((a, b) => Number(a.price) - Number(b.price) || b.pk - a.pk);
    expect(expected.length).toBeGreaterThan(0);
    const html = await (await demo.get(`/items?q=${encodeURIComponent(colour.toUpperCase())}&sort=price-asc`)).text();
    expect(totalOf(html)).toBe(expected.length);
    expect(cards(html)).toEqual(expected.slice(0, 20).map((i) => i.pk));
    expect(html).toMatch(/Searched your inventory as of <time datetime="[^"]+" data-local="datetime">/);
    // Paging keeps the search.
    if (expected.length > 20) expect(html).toContain(`href="/items?q=${colour.toUpperCase()}&amp;sort=price-asc&amp;page=2" rel="next"`);
  });

  it('narrows by style, price range and stock together; several words must all match', async () => {
    const style = all[0]!.itemchoice_id;
    const inRange = all.filter((i) => i.itemchoice_id === style && Number(i.price) >= 20 && Number(i.price) <= 60);
    const html = await (await demo.get(`/items?style=${style}&min=60&max=20&stock=in-stock`)).text();
    const expected = inRange.filter((i) => i.quantity > 0).sort(byNewest);
    expect(totalOf(html)).toBe(expected.length);
    expect(cards(html)).toEqual(expected.slice(0, 20).map((i) => i.pk));

    const soldOut = all.filter((i) => i.quantity <= 0).sort(byNewest);
    const soldHtml = await (await demo.get('/items?stock=sold-out')).text();
    expect(totalOf(soldHtml)).toBe(soldOut.length);
    expect(cards(soldHtml)).toEqual(soldOut.slice(0, 20).map((i) => i.pk));

    const [a, b] = Object.values(attributesOf(all[3]!));
    const words = all.filter((i) => {
      const text = Object.values(attributesOf(i)).join(' ').toLowerCase();
      return text.includes(a!.toLowerCase()) && text.includes((b ?? a)!.toLowerCase());
    });
    const both = await (await demo.get(`/items?q=${encodeURIComponent(`${a} ${b ?? a}`)}`)).text();
    expect(totalOf(both)).toBe(words.length);
  });

  it('sorts by quantity, most first', async () => {
    const expected = [...all].sort((a, b) => b.quantity - a.quantity || b.pk - a.pk);
    const html = await (await demo.get('/items?sort=qty-desc')).text();
    expect(totalOf(html)).toBe(all.length);
    expect(cards(html)).toEqual(expected.slice(0, 20).map((i) => i.pk));
  });

  it('odd search input is treated as absent or matched literally, never an error page', async () => {
    for (const query of ['q=%25%25%25', 'q=_', `q=${'x'.repeat(300)}`, 'min=abc&max=', 'sort=sideways', 'stock=maybe', 'min=-5']) {
      const res = await demo.get(`/items?${query}`);
      expect(res.status, query).toBe(200);
    }
    expect(totalOf(await (await demo.get('/items?q=%25%25%25')).text())).toBe(0);
    // A page past the end of a search is the "no such page" page with a way back.
    const past = await demo.get('/items?sort=price-desc&page=999');
    expect(past.status).toBe(404);
    expect(await past.text()).toContain('href="/items?sort=price-desc"');
  });

  it('Refresh walks the inventory again and comes back to the same search', async () => {
    const userId = (await stack.console.app.prisma.user.findUniqueOrThrow({ where: { email: demoEmail } })).id;
    const before = await stack.console.app.summaries.cached(userId);
    const { csrf } = await demo.page('/items?q=navy');
    const res = await demo.postForm('/summary/refresh', { _csrf: csrf!, back: '/items?q=navy&sort=price-asc' });
    expect(res.status).toBe(302);
    expect(location(res)).toBe('/items?q=navy&sort=price-asc');
    expect(await stack.console.app.summaries.cached(userId)).toBeNull();
    await demo.get(location(res));
    const after = await stack.console.app.summaries.cached(userId);
    expect(after!.walkId).not.toBe(before!.walkId);
    // Only the current walk's rows are kept.
    const walks = await stack.console.app.prisma.inventoryItem.groupBy({ by: ['walkId'], where: { userId }, _count: true });
    expect(walks).toEqual([{ walkId: after!.walkId, _count: all.length }]);
    // A back address elsewhere goes home instead.
    const elsewhere = await demo.postForm('/summary/refresh', { _csrf: csrf!, back: 'https://evil.example/items' });
    expect(location(elsewhere)).toBe('/');
  });

  it('two console processes walking at once leave one complete snapshot', async () => {
    const second = await stack.addInstance();
    const userId = (await stack.console.app.prisma.user.findUniqueOrThrow({ where: { email: demoEmail } })).id;
    const api = (i: typeof second) => i.app.sonletApiFor(userId);
    const [a, b] = await Promise.all([
      stack.console.app.summaries.get(userId, api(stack.console), { refresh: true }),
      second.app.summaries.get(userId, api(second), { refresh: true }),
    ]);
    const current = await stack.console.app.summaries.cached(userId);
    expect([a.walkId, b.walkId]).toContain(current!.walkId);
    const walks = await stack.console.app.prisma.inventoryItem.groupBy({ by: ['walkId'], where: { userId }, _count: true });
    expect(walks).toEqual([{ walkId: current!.walkId, _count: all.length }]);
  });
});
