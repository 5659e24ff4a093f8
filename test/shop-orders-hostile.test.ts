/**
 * The shop's orders as a hostile or broken Plugboard sends them (the hostile double plays Plugboard; Sonlet
 * is the sandbox): rows naming items by sku are linked only to this seller's own published products, and
 * dates Plugboard states are bounded, so one absurd order neither breaks the poll nor moves its cursor
 * into the future (which would hide every later order).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, signUp, connectSonlet, type Stack } from './support/stack.js';
import { location, type HttpSession } from './support/http.js';
import { startHostileProvider, type HostileProvider } from './support/hostile-provider.js';
import { itemCards, publishAndSettle, settingsFor } from './support/shop.js';
import { launchChromium, sellerContext } from './support/browser.js';

const MINUTE = 60_000;
let stack: Stack;
let double: HostileProvider;
let seller: HttpSession;
let skipped = 0;
const clock = { now: () => Date.now() + skipped };

beforeAll(async () => {
  [stack, double] = await Promise.all([startStack({ jobs: true, shopClock: clock }), startHostileProvider()]);
  seller = await signUp(stack.console.url);
  expect(location(await connectSonlet(seller))).toBe('/items');
  const saved = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(double.plugboard.url, double.plugboard));
  expect(saved.status, await saved.clone().text()).toBe(303);
});
afterAll(async () => {
  await stack?.close();
  await double?.close();
});

async function afterOnePeriod(minutes: number) {
  skipped += minutes * MINUTE;
  const jobs = stack.console.app.jobs!;
  await jobs.runDue();
  await jobs.idle();
}

const money = (amount: string) => ({ amount, currency: 'SEK' });
const row = (rowNo: number, sku: string) => ({ rowNo, productLocalId: null, sku, title: `Row ${rowNo}`, quantity: 1, unitPrice: money('100.00'), vatRatePercent: '25' });

describe('orders from a hostile Plugboard', () => {
  it('links rows only to the seller’s own published items, and bounds the dates it states', async () => {
    const cards = await itemCards(seller, 1);
    const [published, notPublished] = [cards[0]!.pk, cards[1]!.pk];
    await publishAndSettle(seller, [published]);

    double.plugboard.on('/api/order*', {
      kind: 'status',
      status: 200,
      body: [
        {
          localId: 'o-1',
          created: '-271821-04-20T00:00:00.000Z',
          lastModified: '+275760-09-13T00:00:00.000Z',
          currency: 'SEK',
          customerType: 'private',
          orderStatus: 'new',
          totalSumExclVat: money('300.00'),
          totalVat: money('75.00'),
          // One of the seller's published items, one of theirs never published, and an item that is not theirs.
          orderRows: [row(1, `sonlet-item-${published}`), row(2, `sonlet-item-${notPublished}`), row(3, 'sonlet-item-1')],
        },
      ],
    });
    await afterOnePeriod(5);
    const { html } = await seller.page('/orders');
    expect(html).not.toContain('could not');
    expect((html.match(/class="order"/g) ?? []).length).toBe(1);
    expect(html).toContain(`href="/items/${published}"`);
    expect(html).not.toContain(`href="/items/${notPublished}"`);
    expect(html).not.toContain('href="/items/1"');
    expect(await (await seller.get(`/items/${published}`)).text()).toContain('Sold in the web shop on');
    expect(await (await seller.get(`/items/${notPublished}`)).text()).not.toContain('Sold in the web shop on');

    // The next poll asks from no later than now: a lastModified in the year 275760 did not move the cursor there.
    double.resetCounts();
    await afterOnePeriod(5);
    const polls = double.requests.filter((r) => r.role === 'plugboard' && r.path.startsWith('/api/order'));
    expect(polls.length).toBeGreaterThan(0);
    for (const poll of polls) {
      const since = new URLSearchParams(poll.search).get('modifiedAtOrAfter');
      expect(since === null || Date.parse(since) <= clock.now(), since ?? '').toBe(true);
    }
  });

  it('a row named with a right-to-left override reads as sent, and the page’s own words after it keep their order', async () => {
    const RLO = '\u202e';
    const now = new Date(clock.now()).toISOString();
    double.plugboard.on('/api/order*', {
      kind: 'status',
      status: 200,
      body: [
        {
          localId: 'o-rlo',
          created: now,
          lastModified: now,
          currency: 'SEK',
          customerType: 'private',
          orderStatus: 'new',
          totalSumExclVat: money('100.00'),
          totalVat: money('25.00'),
          sourceName: `Shop ${RLO}`,
          orderRows: [{ ...row(1, 'a-sku-of-another-shop'), title: `Dress ${RLO}exe.doc` }],
        },
      ],
    });
    await afterOnePeriod(5);
    const browser = await launchChromium();
    const context = await sellerContext(browser, stack.console.url, seller.cookies);
    try {
      const page = await context.newPage();
      await page.goto(`${stack.console.url}/orders`);
      const cell = page.locator('article.order[data-local-id="o-rlo"] tr.order-row td.free');
      expect(await cell.textContent()).toContain('exe.doc');
      // On screen the note comes after the whole name; turned around by the override it would sit inside it.
      const { nameRight, noteLeft } = await cell.evaluate((td) => {
        const range = document.createRange();
        range.selectNodeContents(td.firstChild!);
        return { nameRight: range.getBoundingClientRect().right, noteLeft: td.querySelector('.muted')!.getBoundingClientRect().left };
      });
      expect(noteLeft).toBeGreaterThanOrEqual(nameRight - 1);
    } finally {
      await context.close();
    }
  });

  it('orders no column can hold, or with no usable id, neither stop the poll nor the ones after them', async () => {
    const now = new Date(clock.now()).toISOString();
    const order = (localId: unknown, extra: Record<string, unknown> = {}) => ({
      localId, created: now, lastModified: now, currency: 'SEK', customerType: 'private', orderStatus: 'new',
      totalSumExclVat: money('100.00'), totalVat: money('25.00'), orderRows: [row(1, 'a-sku-of-another-shop')], ...extra,
    });
    double.plugboard.on('/api/order*', {
      kind: 'status',
      status: 200,
      body: [
        order(undefined),
        order('x'.repeat(5000)),
        order(42),
        order('o-huge-numbers', { orderRows: [{ ...row(1, 'sku'), rowNo: 2 ** 40, quantity: 2 ** 35 }, { ...row(2, 'sku'), quantity: -3 }] }),
        order('o-nul', { customerType: 'pri\u0000vate', orderRows: [{ ...row(1, 'sku'), title: 'Dress\u0000 with a NUL' }] }),
        order('o-fine'),
      ],
    });
    await afterOnePeriod(5);
    const stored = await stack.console.app.prisma.shopOrder.findMany({ where: { localId: { in: ['o-huge-numbers', 'o-nul', 'o-fine'] } }, include: { rows: { orderBy: { rowNo: 'asc' } } }, orderBy: { localId: 'asc' } });
    expect(stored.map((o) => o.localId)).toEqual(['o-fine', 'o-huge-numbers', 'o-nul']);
    const huge = stored.find((o) => o.localId === 'o-huge-numbers')!;
    expect(huge.rows.map((r) => [r.rowNo, r.quantity])).toEqual([[1, 0], [2, -3]]);
    const nul = stored.find((o) => o.localId === 'o-nul')!;
    expect([nul.customerType, nul.rows[0]!.title]).toEqual(['private', 'Dress with a NUL']);
    const { html } = await seller.page('/orders');
    expect(html).not.toContain('could not store');

    // The next poll goes on from there.
    double.plugboard.on('/api/order*', { kind: 'status', status: 200, body: [order('o-after')] });
    await afterOnePeriod(5);
    expect(await stack.console.app.prisma.shopOrder.count({ where: { localId: 'o-after' } })).toBe(1);
  });
});
