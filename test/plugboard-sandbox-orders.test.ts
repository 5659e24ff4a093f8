/** The Plugboard sandbox's files, orders and faults, met with plain fetch, the reference and decision 004. */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PLUGBOARD_TENANTS, startPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import { expectErrorBody, plugboardCaller, testClock } from './support/plugboard-http.js';

const DEMO = DEMO_PLUGBOARD_TENANTS[0]!;
const CID = DEMO.connectionId;
const START = Date.parse('2026-03-01T10:00:00Z');

const clock = testClock(START);
let sb: Awaited<ReturnType<typeof startPlugboardSandbox>>;
let photo: Buffer;
beforeAll(async () => {
  sb = await startPlugboardSandbox({ clock, maxFileBytes: 256 * 1024 });
  photo = await sharp({ create: { width: 64, height: 80, channels: 3, background: '#aa3355' } }).jpeg().toBuffer();
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  sb.sandbox.reset();
  clock.ms = START;
});

const call = plugboardCaller(() => sb.url, DEMO);

async function uploadedPicture(publicAccess = true): Promise<{ localId: string; url: string | null }> {
  const file = await call('POST', '/api/file', { name: 'amelia-m.jpg', mimeType: 'image/jpeg', publicAccess });
  const done = await call('PUT', `/api/file/${file.json.localId}/data`, photo, { 'Content-Type': 'image/jpeg' });
  expect(done.status).toBe(200);
  return done.json;
}

async function sellable(remoteId: string, over: Record<string, unknown> = {}) {
  const r = await call('POST', '/api/product?updateOnRemoteId=true', {
    remoteId, state: 'visible', purchasable: true, stock: 5, vatRatePercent: '25', title: `Dress ${remoteId}`, sku: remoteId,
    prices: [{ currency: 'SEK', amount: '39' }], ...over,
  });
  expect(r.status).toBe(201);
  return r.json;
}

describe('files', () => {
  it('creates a record, takes its bytes, and serves public bytes at its url without credentials', async () => {
    const created = await call('POST', '/api/file', { name: 'amelia-m.jpg', mimeType: 'image/jpeg', publicAccess: true });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      href: `/api/file/${created.json.localId}`, localId: created.json.localId, name: 'amelia-m.jpg', mimeType: 'image/jpeg',
      publicAccess: true, size: null, url: null,
    });
    const done = await call('PUT', `/api/file/${created.json.localId}/data`, photo, { 'Content-Type': 'image/jpeg' });
    expect(done.json).toMatchObject({ size: photo.length, url: `${sb.url}/files/${created.json.localId}/amelia-m.jpg` });
    expect((await call('GET', `/api/file/${created.json.localId}`)).json).toEqual(done.json);

    const shop = await fetch(done.json.url);
    expect(shop.status).toBe(200);
    expect(shop.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await shop.arrayBuffer()).equals(photo)).toBe(true);
  });

  it('public bytes that are not a checked picture are a download that cannot run where they are served (the console’s own origin in sandbox mode)', async () => {
    const hostile: Array<[string, string, string]> = [
      ['page.html', 'text/html', '<script>document.title = "owned"</script>'],
      ['x.js', 'application/javascript', 'document.title = "owned"'],
      ['logo.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
    ];
    for (const [name, mimeType, body] of hostile) {
      const file = (await call('POST', '/api/file', { name, mimeType, publicAccess: true })).json;
      const done = await call('PUT', `/api/file/${file.localId}/data`, body, { 'Content-Type': mimeType });
      expect(done.status, name).toBe(200);
      const shop = await fetch(done.json.url);
      expect(shop.status, name).toBe(200);
      expect(shop.headers.get('content-type'), name).toBe('application/octet-stream');
      expect(shop.headers.get('content-disposition'), name).toBe('attachment');
      expect(shop.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(shop.headers.get('content-security-policy'), name).toMatch(/sandbox/);
      expect(await shop.text(), name).toBe(body);
    }
    // A checked picture is still shown inline, as a shop's page needs it.
    const picture = await uploadedPicture();
    const shown = await fetch(picture.url!);
    expect(shown.headers.get('content-type')).toBe('image/jpeg');
    expect(shown.headers.get('content-disposition')).toBeNull();
  });

  it('keeps private files private and refuses bytes that are not what the record says', async () => {
    const hidden = await uploadedPicture(false);
    expect(hidden.url).toBeNull();
    expect((await fetch(`${sb.url}/files/${hidden.localId}/amelia-m.jpg`)).status).toBe(404);

    const file = (await call('POST', '/api/file', { name: 'b.jpg', mimeType: 'image/jpeg', publicAccess: true })).json;
    const put = (body: Buffer | string, type: string) => call('PUT', `/api/file/${file.localId}/data`, body, { 'Content-Type': type });
    expectErrorBody(await put(photo, 'image/png'), 415, /does not match/);
    expectErrorBody(await put(Buffer.from('<html>not a photo</html>'), 'image/jpeg'), 400, /not image\/jpeg/);
    expectErrorBody(await put(Buffer.concat([photo, Buffer.alloc(300 * 1024)]), 'image/jpeg'), 413, /too large/);
    expect((await call('GET', `/api/file/${file.localId}`)).json).toMatchObject({ size: null, url: null });
    expectErrorBody(await call('PUT', '/api/file/ffffffffffffffffffffffffffffffff/data', photo, { 'Content-Type': 'image/jpeg' }), 404);
  });

  it.each([
    ['no name', { mimeType: 'image/jpeg', publicAccess: true }, /name/],
    ['a path as the name', { name: '../x.jpg', mimeType: 'image/jpeg' }, /name/],
    ['no mimeType', { name: 'a.jpg' }, /mimeType/],
    ['publicAccess as a string', { name: 'a.jpg', mimeType: 'image/jpeg', publicAccess: 'true' }, /publicAccess/],
    ['an unknown field', { name: 'a.jpg', mimeType: 'image/jpeg', url: 'x', public: true }, /unknown field\(s\) public/],
  ])('refuses a file record with %s', async (_name, body, message) => {
    expectErrorBody(await call('POST', '/api/file', body), 400, message);
  });

  it('a product’s GET shows its pictures as a shop would: in sort order, with their public URLs', async () => {
    const first = await uploadedPicture();
    const second = await uploadedPicture();
    const p = await sellable('pics', { pictures: [{ fileLocalId: second.localId, sortOrder: 1 }, { fileLocalId: first.localId, sortOrder: 0 }] });
    expect(p.pictures).toEqual([
      { fileLocalId: first.localId, sortOrder: 0, url: first.url },
      { fileLocalId: second.localId, sortOrder: 1, url: second.url },
    ]);
    expect((await fetch(p.pictures[0].url)).status).toBe(200);
    const text = (await call('POST', '/api/file', { name: 'notes.txt', mimeType: 'text/plain' })).json;
    expectErrorBody(await call('PUT', `/api/product/${p.localId}`, { pictures: [{ fileLocalId: text.localId, sortOrder: 0 }] }), 400, /not an image/);
    expectErrorBody(await call('PUT', `/api/product/${p.localId}`, { pictures: [{ fileLocalId: first.localId, sortOrder: '0' }] }), 400, /JSON integer/);
    expectErrorBody(await call('PUT', `/api/product/${p.localId}`, { pictures: [{ fileLocalId: first.localId, sortOrder: 0, url: first.url }] }), 400, /only fileLocalId and sortOrder/);
  });
});

describe('orders', () => {
  it('round-trips the reference example: amounts "1.00", currencies lower case, orderStatus "new"', async () => {
    const r = await call('POST', '/api/order/', {
      customerType: 'company', currency: 'SEK',
      totalSumExclVat: { currency: 'SEK', amount: '1.0' }, totalVat: { currency: 'SEK', amount: '1.0' },
    });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({
      href: `/api/order/${r.json.localId}`, remoteId: null, localId: r.json.localId, remoteIdMap: {},
      created: '2026-03-01T10:00:00Z', lastModified: '2026-03-01T10:00:00Z', customData: {},
      customerType: 'company', currency: 'sek',
      totalSumExclVat: { currency: 'sek', amount: '1.00' }, totalVat: { currency: 'sek', amount: '1.00' },
      billingAddress: null, shippingAddress: null, orderRows: [],
      source: { connectionType: 'api', connectionId: CID, code: null, connectionName: 'API' },
      shipments: [], orderStatus: 'new', remoteOrderNo: null,
    });
    expect((await call('GET', `/api/order/${r.json.localId}`)).json).toEqual(r.json);
  });

  it('takes rows in decision 004’s shape and works out the totals (VAT included in unit prices)', async () => {
    const p = await sellable('row-1');
    const row = { rowNo: 1, productLocalId: p.localId, sku: 'row-1', title: 'Dress row-1', quantity: 2, unitPrice: { currency: 'SEK', amount: '39.00' }, vatRatePercent: '25' };
    const r = await call('POST', '/api/order/', { currency: 'SEK', orderRows: [row] });
    expect(r.json).toMatchObject({
      orderRows: [{ ...row, unitPrice: { currency: 'sek', amount: '39.00' } }],
      totalSumExclVat: { currency: 'sek', amount: '62.40' },
      totalVat: { currency: 'sek', amount: '15.60' },
    });
    const kept = await call('POST', '/api/order?updateOnRemoteId=true&suppressTotalsRecalc=true', {
      remoteId: 'shop-order-9', orderRows: [row], totalSumExclVat: { currency: 'SEK', amount: '60' }, totalVat: { currency: 'SEK', amount: '18' },
    });
    expect(kept.json).toMatchObject({ totalSumExclVat: { amount: '60.00' }, totalVat: { amount: '18.00' } });
  });

  it.each([
    ['a row naming no product', (id: string) => ({ orderRows: [{ rowNo: 1, productLocalId: 'f'.repeat(32), quantity: 1, unitPrice: { currency: 'SEK', amount: '1' } }], id })],
    ['a row with a price as a number', (id: string) => ({ orderRows: [{ rowNo: 1, productLocalId: id, quantity: 1, unitPrice: { currency: 'SEK', amount: 1 } }] })],
    ['a row with an unknown field', (id: string) => ({ orderRows: [{ rowNo: 1, productLocalId: id, quantity: 1, unitPrice: { currency: 'SEK', amount: '1' }, price: '1' }] })],
    ['a row without quantity', (id: string) => ({ orderRows: [{ rowNo: 1, productLocalId: id, unitPrice: { currency: 'SEK', amount: '1' } }] })],
    ['rows in two currencies', (id: string) => ({ orderRows: [1, 2].map((n) => ({ rowNo: n, productLocalId: id, quantity: 1, unitPrice: { currency: n === 1 ? 'SEK' : 'EUR', amount: '1' } })) })],
    ['an unknown orderStatus', () => ({ orderStatus: 'Processing' })],
    ['an unknown customerType', () => ({ customerType: 'person' })],
    ['a total as a number', () => ({ totalVat: { currency: 'SEK', amount: 1.0 } })],
    ['money without its currency', () => ({ totalVat: { amount: '1.0' } })],
    ['a currency that is not ISO 4217', () => ({ currency: 'kronor' })],
    ['a three-letter country code', () => ({ billingAddress: { countryCode: 'SWE' } })],
  ])('refuses an order with %s', async (_name, body) => {
    const p = await sellable('refusals');
    expectErrorBody(await call('POST', '/api/order/', body(p.localId)), 400);
    expect(sb.sandbox.orders('demo')).toEqual([]);
  });

  it('upserts by remoteId, updates with PUT, and lists what changed at or after a time', async () => {
    const first = await call('POST', '/api/order?updateOnRemoteId=true&suppressTotalsRecalc=true', { remoteId: 'ext-1', currency: '752', billingAddress: { countryCode: 'se', city: 'Umeå' } });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ currency: 'sek', billingAddress: { countryCode: 'SE', city: 'Umeå' }, remoteIdMap: { [CID]: { connectionId: CID, remoteId: 'ext-1' } } });
    expectErrorBody(await call('POST', '/api/order/', { remoteId: 'ext-1' }), 409);
    clock.advance(30);
    const again = await call('POST', '/api/order?updateOnRemoteId=true&suppressTotalsRecalc=true', { remoteId: 'ext-1', customerType: 'private' });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ localId: first.json.localId, customerType: 'private', currency: 'sek' });
    const other = (await call('POST', '/api/order/', { customerType: 'company' })).json;
    clock.advance(30);
    const processing = await call('PUT', `/api/order/${other.localId}`, { orderStatus: 'processing', remoteOrderNo: 'S-1001' });
    expect(processing.status).toBe(200);
    expect(processing.json).toMatchObject({ orderStatus: 'processing', remoteOrderNo: 'S-1001', customerType: 'company', lastModified: '2026-03-01T10:01:00Z' });
    expect(sb.sandbox.orders('demo')).toHaveLength(2);

    const since = (t: string) => call('GET', `/api/order?modifiedAtOrAfter=${encodeURIComponent(t)}`);
    expect((await since('2026-03-01T10:00:30Z')).json.map((o: { localId: string }) => o.localId)).toEqual([first.json.localId, other.localId]);
    expect((await since('2026-03-01T10:00:31Z')).json.map((o: { localId: string }) => o.localId)).toEqual([other.localId]);
    expect((await call('GET', '/api/order/')).json).toHaveLength(2);
    expectErrorBody(await call('PUT', `/api/order/${other.localId}`, { orderStatus: 'shipped!' }), 400, /orderStatus/);
    expectErrorBody(await call('PUT', '/api/order/ffffffffffffffffffffffffffffffff', { orderStatus: 'processing' }), 404);
  });
});

describe('faults', () => {
  it('failAfterCommit: the product is stored, the answer is a 503', async () => {
    sb.sandbox.faults.failAfterCommit = 1;
    expectErrorBody(await call('POST', '/api/product?updateOnRemoteId=true', { remoteId: 'lost' }), 503);
    expect(sb.sandbox.products('demo').map((p) => p.remoteId)).toEqual(['lost']);
    expect((await call('POST', '/api/product?updateOnRemoteId=true', { remoteId: 'lost', stock: 1 })).status).toBe(200);
    expect(sb.sandbox.products('demo')).toHaveLength(1);
  });

  it('dropAfterCommit: the connection drops, yet the product exists', async () => {
    sb.sandbox.faults.dropAfterCommit = 1;
    await expect(call('POST', '/api/product', { remoteId: 'dropped' })).rejects.toThrow(TypeError);
    expect(sb.sandbox.products('demo').map((p) => p.remoteId)).toEqual(['dropped']);
    expect(sb.sandbox.faults.dropAfterCommit).toBe(0);
  });

  it('unavailable: every request is a 503 in the error body until it is back', async () => {
    sb.sandbox.faults.unavailable = true;
    expectErrorBody(await call('GET', '/api/'), 503);
    expectErrorBody(await call('POST', '/api/product', { remoteId: 'away' }), 503);
    sb.sandbox.faults.unavailable = false;
    expect((await call('GET', '/api/')).status).toBe(200);
    expect(sb.sandbox.products('demo')).toEqual([]);
  });
});

describe('persistence (sandbox mode)', () => {
  it('keeps products, orders and file bytes across a restart, in files 0600 within folders 0700', async () => {
    const dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'plugboard-sandbox-')), 'plugboard-sandbox');
    try {
      const first = await startPlugboardSandbox({ dataDir });
      const at = plugboardCaller(() => first.url, DEMO);
      const file = (await at('POST', '/api/file', { name: 'kept.jpg', mimeType: 'image/jpeg', publicAccess: true })).json;
      await at('PUT', `/api/file/${file.localId}/data`, photo, { 'Content-Type': 'image/jpeg' });
      const product = (await at('POST', '/api/product', { remoteId: 'kept', state: 'visible', pictures: [{ fileLocalId: file.localId, sortOrder: 0 }] })).json;
      const order = (await at('POST', '/api/order/', { customerType: 'company' })).json;
      await first.close();

      const modes = await Promise.all([dataDir, path.join(dataDir, 'state.json'), path.join(dataDir, 'files', 'demo'), path.join(dataDir, 'files', 'demo', file.localId)].map(async (p) => (await stat(p)).mode & 0o777));
      expect(modes).toEqual([0o700, 0o600, 0o700, 0o600]);

      const second = await startPlugboardSandbox({ dataDir });
      try {
        const again = plugboardCaller(() => second.url, DEMO);
        const kept = (await again('GET', `/api/product/${product.localId}`)).json;
        expect(kept).toMatchObject({ remoteId: 'kept', state: 'visible', created: product.created });
        expect(Buffer.from(await (await fetch(kept.pictures[0].url)).arrayBuffer()).equals(photo)).toBe(true);
        expect((await again('GET', `/api/order/${order.localId}`)).json).toEqual(order);
      } finally {
        await second.close();
      }
    } finally {
      await rm(path.dirname(dataDir), { recursive: true, force: true });
    }
  });
});
