/** The Plugboard sandbox as a third-party client meets it: the reference, decision 004, plain fetch. */
import net from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALL_PLUGBOARD_PERMISSIONS, DEMO_PLUGBOARD_TENANTS, createPlugboardSandbox, startPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import { basic, expectErrorBody, plugboardCaller, testClock } from './support/plugboard-http.js';

const [DEMO, NORDIC, VIEWER] = DEMO_PLUGBOARD_TENANTS as [typeof DEMO_PLUGBOARD_TENANTS[0], typeof DEMO_PLUGBOARD_TENANTS[0], typeof DEMO_PLUGBOARD_TENANTS[0]];
const CID = DEMO.connectionId;
const SERVER_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

const clock = testClock();
let sb: Awaited<ReturnType<typeof startPlugboardSandbox>>;
beforeAll(async () => {
  sb = await startPlugboardSandbox({ clock });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  sb.sandbox.reset();
  clock.ms = Date.parse('2026-03-01T10:00:00Z');
});

const call = plugboardCaller(() => sb.url, DEMO);
const asNordic = plugboardCaller(() => sb.url, NORDIC);
const asViewer = plugboardCaller(() => sb.url, VIEWER);

describe('API root', () => {
  it('answers as the reference example (without its stray outer braces)', async () => {
    const r = await call('GET', '/api/');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(r.json)).toEqual([
      'version', 'connectionId', 'permissions', 'serverTime', 'defaultLanguage', 'defaultLanguage_iso',
      'connectionName', 'connectionType', 'connectionCustomData', 'configuration',
    ]);
    expect(r.json).toEqual({
      version: 0,
      connectionId: CID,
      permissions: [...ALL_PLUGBOARD_PERMISSIONS],
      serverTime: '2026-03-01T10:00:00Z',
      defaultLanguage: 'swe',
      defaultLanguage_iso: { 'iso639-1': 'sv', 'iso639-3': 'swe' },
      connectionName: 'API',
      connectionType: 'api',
      connectionCustomData: {},
      configuration: {},
    });
    expect(r.json.permissions).toHaveLength(27);
    expect((await asNordic('GET', '/api/')).json).toMatchObject({ defaultLanguage: 'eng', defaultLanguage_iso: { 'iso639-1': 'en' } });
    const viewer = (await asViewer('GET', '/api/')).json;
    expect(viewer.permissions).toContain('product.view');
    expect(viewer.permissions).not.toContain('product.edit');
  });
});

describe('authentication', () => {
  it.each([
    ['no Authorization', { Authorization: undefined }, /Auth Failed: HTTP Basic/],
    ['not Basic', { Authorization: 'Bearer abc' }, /Auth Failed: HTTP Basic/],
    ['wrong password', { Authorization: basic('demo', 'wrong') }, /Auth Failed: wrong username or password/],
    ['unknown tenant', { 'X-Tenant': 'acme' }, /Auth Failed: unknown tenant/],
    ['missing tenant', { 'X-Tenant': undefined }, /Auth Failed: X-Tenant/],
    ['wrong connection id', { 'X-ConnectionId': '5377568eb7e165e3b38af6eece4a0001' }, /Auth Failed: X-ConnectionId/],
    ['missing connection id', { 'X-ConnectionId': undefined }, /Auth Failed: X-ConnectionId/],
    ['another tenant’s credentials', { Authorization: basic(NORDIC.username, NORDIC.password) }, /Auth Failed: wrong username/],
  ])('%s → 401 with the error body and a Basic challenge', async (_name, over, message) => {
    const r = await call('GET', '/api/', undefined, over);
    expectErrorBody(r, 401, message);
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('decodes credentials as UTF-8 (the same password in latin1 is refused)', async () => {
    expect((await asNordic('GET', '/api/')).status).toBe(200);
    const latin1 = `Basic ${Buffer.from(`${NORDIC.username}:${NORDIC.password}`, 'latin1').toString('base64')}`;
    expectErrorBody(await asNordic('GET', '/api/', undefined, { Authorization: latin1 }), 401, /UTF-8/);
  });

  it('authenticates before reading bodies and before revealing which paths exist', async () => {
    expectErrorBody(await call('POST', '/api/product', '{not json', { Authorization: undefined }), 401);
    expectErrorBody(await call('GET', '/api/nothing-here', undefined, { Authorization: undefined }), 401);
    expectErrorBody(await call('DELETE', '/api/product', undefined, { Authorization: undefined }), 401);
  });
});

describe('protocol rules', () => {
  it('refuses a malformed User-Agent, a non-JSON Accept and bodies that are not JSON objects', async () => {
    expectErrorBody(await call('GET', '/api/', undefined, { 'User-Agent': 'my-app/1.0 test@example.com' }), 400, /RFC 2616/);
    expect((await call('GET', '/api/', undefined, { 'User-Agent': 'my-app/1.0 (test@example.com) node/20' })).status).toBe(200);
    expectErrorBody(await call('GET', '/api/', undefined, { Accept: 'text/html' }), 406);
    expect((await call('GET', '/api/', undefined, { Accept: 'text/html, */*;q=0.1' })).status).toBe(200);
    expectErrorBody(await call('POST', '/api/product', 'remoteId=x', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415, /application\/json/);
    expectErrorBody(await call('POST', '/api/product', '{"remoteId": "x",'), 400, /Malformed JSON/);
    expectErrorBody(await call('POST', '/api/product', '[1]'), 400, /JSON object/);
    expectErrorBody(await call('POST', '/api/product', '{"__proto__": {"x": 1}}'), 400);
    expectErrorBody(await call('POST', '/api/product?updateOnRemotId=true', { remoteId: 'typo' }), 400, /Unknown query parameter "updateOnRemotId"/);
    expect(sb.sandbox.products('demo')).toEqual([]);
  });

  it('answers 404 and 405 (with Allow) in the error body', async () => {
    expectErrorBody(await call('GET', '/api/product/ffffffffffffffffffffffffffffffff'), 404, /not found/);
    expectErrorBody(await call('GET', '/api/nothing'), 404);
    expectErrorBody(await call('GET', '/elsewhere'), 404);
    const r = await call('DELETE', '/api/product');
    expectErrorBody(r, 405);
    expect(r.headers.get('allow')).toBe('GET, POST');
    expect((await call('PATCH', '/api/order/0006d682a5ecee8f64227e481f4ab4b9')).headers.get('allow')).toBe('GET, PUT');
  });

  it('refuses HTTP/1.0: only HTTP 1.1 is supported', async () => {
    const { port, hostname } = new URL(sb.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(Number(port), hostname, () => {
        s.write(`GET /api/ HTTP/1.0\r\nHost: ${hostname}\r\nAuthorization: ${basic('demo', 'demo-password')}\r\nX-Tenant: demo\r\nX-ConnectionId: ${CID}\r\n\r\n`);
      });
      let buf = '';
      s.on('data', (d) => (buf += d.toString()));
      s.on('end', () => resolve(buf));
      s.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.[01] 505 /);
    expect(answer).toContain('"code":505');
  });

  it('counts and logs requests until reset', async () => {
    await call('GET', '/api/');
    await call('GET', '/api/', undefined, { Authorization: undefined });
    expect(sb.sandbox.stats.requests).toBe(2);
    expect(sb.sandbox.lastRequest()).toMatchObject({ method: 'GET', url: '/api/' });
    sb.sandbox.reset();
    expect(sb.sandbox.stats.requests).toBe(0);
    expect(sb.sandbox.requestLog).toEqual([]);
  });
});

describe('products', () => {
  it('creates a product as the reference example shows, with decision 004’s fields after it', async () => {
    const r = await call('POST', '/api/product', { remoteId: 'aRemoteIdHere', vatRatePercent: '25' });
    expect(r.status).toBe(201);
    const p = r.json;
    expect(p.localId).toMatch(/^[0-9a-f]{32}$/);
    expect(p.created).toMatch(SERVER_TIME);
    expect(p).toEqual({
      href: `/api/product/${p.localId}`,
      remoteId: 'aRemoteIdHere',
      localId: p.localId,
      remoteIdMap: { [CID]: { connectionId: CID, remoteId: 'aRemoteIdHere' } },
      title: null, title_lang: {}, title_lang2: {},
      pictures: [],
      created: '2026-03-01T10:00:00Z',
      lastModified: '2026-03-01T10:00:00Z',
      customData: {}, remoteUris: [], isDeleted: false,
      shortDescription: null, shortDescription_lang: {}, shortDescription_lang2: {},
      description: null, description_lang: {}, description_lang2: {},
      attributes: [], alternateContent: {},
      state: 'hidden', purchasable: false, prices: [], vatRatePercent: '25',
      productCategories: [], productVariantGroups: [],
      sku: null, gtin: null, brand: null, stock: null, stockType: null, weight: null, volume: null,
    });
    expect(Object.keys(p).slice(0, 5)).toEqual(['href', 'remoteId', 'localId', 'remoteIdMap', 'title']);
    expect((await call('GET', `/api/product/${p.localId}`)).json).toEqual(p);
    expect((await call('GET', '/api/product')).json).toEqual([p]);
  });

  it('records a sellable product exactly in decision 004’s shapes', async () => {
    const r = await call('POST', '/api/product', {
      remoteId: 'sonlet-item-1', state: 'visible', purchasable: true, sku: 'sonlet-item-1', gtin: '7350053850019', brand: 'Lula',
      stock: 3, stockType: 'always-in-stock', weight: '0.25', volume: '1.5', vatRatePercent: '25',
      prices: [{ currency: 'SEK', amount: '39' }, { currency: '978', amount: '3.5' }],
      title: 'Amelia – M', title_lang: { en: 'Amelia – M (en)' }, description: 'Röd klänning',
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      state: 'visible', purchasable: true, sku: 'sonlet-item-1', gtin: '7350053850019', brand: 'Lula', stock: 3,
      stockType: 'always-in-stock', weight: '0.25', volume: '1.5',
      prices: [{ currency: 'sek', amount: '39.00' }, { currency: 'eur', amount: '3.50' }],
      title: 'Amelia – M', title_lang: { swe: 'Amelia – M', eng: 'Amelia – M (en)' }, description: 'Röd klänning',
    });
  });

  it.each([
    ['a decimal as a JSON number', '{"remoteId":"f","vatRatePercent":25}', /JSON strings/],
    ['weight as a number', { remoteId: 'f', weight: 0.5 }, /JSON strings/],
    ['a price amount as a number', { remoteId: 'f', prices: [{ currency: 'SEK', amount: 39 }] }, /JSON strings/],
    ['prices as one object', { remoteId: 'f', prices: { currency: 'SEK', amount: '39' } }, /prices must be an array/],
    ['a price without currency', { remoteId: 'f', prices: [{ amount: '39' }] }, /currency and amount/],
    ['a price with an extra field', { remoteId: 'f', prices: [{ currency: 'SEK', amount: '39', vatIncluded: true }] }, /only currency and amount/],
    ['two prices in one currency', { remoteId: 'f', prices: [{ currency: 'SEK', amount: '39' }, { currency: 'sek', amount: '40' }] }, /more than one price in sek/],
    ['a picture naming no file', { remoteId: 'f', pictures: [{ fileLocalId: 'ffffffffffffffffffffffffffffffff', sortOrder: 0 }] }, /no file/],
    ['a picture as a URL', { remoteId: 'f', pictures: ['https://example.com/a.jpg'] }, /pictures\[0\] must be an object/],
    ['stock as a string', { remoteId: 'f', stock: '3' }, /JSON integer/],
    ['stock with a fraction', { remoteId: 'f', stock: 1.5 }, /integer/],
    ['negative stock', { remoteId: 'f', stock: -1 }, /at least 0/],
    ['an unknown state', { remoteId: 'f', state: 'published' }, /visible.*hidden/],
    ['purchasable as a string', { remoteId: 'f', purchasable: 'yes' }, /true or false/],
    ['a gtin with letters', { remoteId: 'f', gtin: 'ABC123' }, /gtin/],
    ['a stockType in capitals', { remoteId: 'f', stockType: 'ALWAYS' }, /stockType/],
    ['an unknown field', { remoteId: 'f', vatRate: '25' }, /unknown field\(s\) vatRate/],
    ['a localId', { localId: '0006d682a5ecee8f64227e481f4aa12c' }, /localId/],
    ['an unknown language', { title_lang: { klingon: 'x' } }, /language/],
    ['a translation that is not text', { title_lang: { swe: 5 } }, /string/],
  ])('refuses %s with 400 and stores nothing', async (_name, body, message) => {
    expectErrorBody(await call('POST', '/api/product', body), 400, message);
    expect(sb.sandbox.products('demo')).toEqual([]);
  });

  it('answers 409 naming the existing product for a second create with the same remoteId; tenants are separate', async () => {
    const first = (await call('POST', '/api/product', { remoteId: 'dup', vatRatePercent: '25' })).json;
    expectErrorBody(await call('POST', '/api/product', { remoteId: 'dup', vatRatePercent: '12' }), 409, new RegExp(first.localId));
    expect(sb.sandbox.products('demo').map((p) => p.vatRatePercent)).toEqual(['25']);
    expect((await asNordic('POST', '/api/product', { remoteId: 'dup' })).status).toBe(201);
  });

  it('upserts by remoteId: creates once, then updates the same product (200), never a duplicate', async () => {
    const created = await call('POST', '/api/product?updateOnRemoteId=true', { remoteId: 'sonlet-item-7', stock: 2, state: 'visible', title: 'Carly – S' });
    expect(created.status).toBe(201);
    clock.advance(5);
    const updated = await call('POST', '/api/product?updateOnRemoteId=true', { remoteId: 'sonlet-item-7', stock: 0, purchasable: false });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ localId: created.json.localId, stock: 0, purchasable: false, state: 'visible', title: 'Carly – S' });
    expect(updated.json.created).toBe(created.json.created);
    expect(Date.parse(updated.json.lastModified) - Date.parse(created.json.lastModified)).toBe(5000);
    expect(sb.sandbox.products('demo')).toHaveLength(1);
    expectErrorBody(await call('POST', '/api/product?updateOnRemoteId=true', { stock: 1 }), 400, /needs a remoteId/);
    expectErrorBody(await call('POST', '/api/product?updateOnRemoteId=yes', { remoteId: 'sonlet-item-7' }), 400, /true or false/);
  });

  it('PUT updates partially: null removes translations and custom keys, what is left out stays; a refused PUT changes nothing', async () => {
    const k1 = `${CID}|x-shop|a`;
    const k2 = `${CID}|x-shop|b`;
    const entry = (key: string) => ({ connectionId: CID, moduleId: 'x-shop', key, type: 'string', value: key });
    const created = (await call('POST', '/api/product', { remoteId: 'p', title_lang: { swe: 'Titeln', eng: 'The title' }, customData: { [k1]: entry('a'), [k2]: entry('b') }, stock: 4 })).json;
    clock.advance(2);
    const r = await call('PUT', `/api/product/${created.localId}`, { title_lang: { swe: null }, customData: { [k1]: null }, vatRatePercent: '12' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ title: null, title_lang: { eng: 'The title' }, vatRatePercent: '12', remoteId: 'p', stock: 4 });
    expect(r.json.customData).toEqual({ [k2]: entry('b') });
    expect(r.json.lastModified).toBe('2026-03-01T10:00:02Z');
    expectErrorBody(await call('PUT', `/api/product/${created.localId}`, { title_lang: { eng: null }, vatRatePercent: 1 }), 400);
    expect(sb.sandbox.products('demo')[0]).toEqual(r.json);
    expectErrorBody(await call('PUT', '/api/product/ffffffffffffffffffffffffffffffff', { title: 'x' }), 404);
  });

  it('validates customData keys, case sensitively', async () => {
    const entry = (moduleId: string, key = 'k') => ({ connectionId: CID, moduleId, key, type: 'string', value: 'v' });
    const post = (dictKey: string, e: unknown) => call('POST', '/api/product', { remoteId: 'cd', customData: { [dictKey]: e } });
    expectErrorBody(await post(`${CID}|x-a|b|k`, entry('x-a|b')), 400, /\|/);
    expectErrorBody(await post(`${CID}|shop|k`, entry('shop')), 400, /x-/);
    expectErrorBody(await post(`${CID}|x-shop|k`, entry('X-SHOP')), 400, /case sensitive/);
    expectErrorBody(await post(`nothex|x-shop|k`, { ...entry('x-shop'), connectionId: 'nothex' }), 400, /connectionId/);
    expectErrorBody(await post(`${CID}|x-shop|k`, { ...entry('x-shop'), type: undefined }), 400, /type/);
    expect((await post(`${CID}|x-shop|k`, entry('x-shop'))).status).toBe(201);
  });

  it('fills the plain text fields from the connection’s default language, and refuses two texts for it', async () => {
    const body = { title: 'Plain', title_lang: { sv: 'Svensk', EN: 'English' } };
    expectErrorBody(await call('POST', '/api/product', body), 400, /title and title_lang\.sv .*disagree/);
    const demo = (await call('POST', '/api/product', { ...body, title_lang: { EN: 'English' } })).json;
    const nordic = (await asNordic('POST', '/api/product', { ...body, title_lang: { sv: 'Svensk' } })).json;
    expect(demo).toMatchObject({ title: 'Plain', title_lang: { swe: 'Plain', eng: 'English' } });
    expect(nordic).toMatchObject({ title: 'Plain', title_lang: { swe: 'Svensk', eng: 'Plain' } });
    const silent = (await asNordic('POST', '/api/product', { title_lang: { sv: 'Bara svenska' } })).json;
    expect(silent).toMatchObject({ title: null, title_lang: { swe: 'Bara svenska' } });
  });

  it('lists what changed at or after ?modifiedAtOrAfter as a plain array', async () => {
    const a = (await call('POST', '/api/product', { remoteId: 'a' })).json;
    clock.advance(60);
    const b = (await call('POST', '/api/product', { remoteId: 'b' })).json;
    clock.advance(60);
    await call('PUT', `/api/product/${a.localId}`, { stock: 1 });
    const since = (t: string) => call('GET', `/api/product?modifiedAtOrAfter=${encodeURIComponent(t)}`);
    expect((await since(b.lastModified)).json.map((p: { remoteId: string }) => p.remoteId)).toEqual(['b', 'a']);
    expect((await since('2026-03-01T10:02:00+00:00')).json.map((p: { remoteId: string }) => p.remoteId)).toEqual(['a']);
    expect((await since('2026-03-01T11:02:00+01:00')).json).toHaveLength(1);
    expect((await since('2030-01-01T00:00:00Z')).json).toEqual([]);
    expect((await call('GET', '/api/product')).json).toHaveLength(2);
    expectErrorBody(await call('GET', '/api/product?modifiedAtOrAfter=yesterday'), 400, /RFC 3339/);
    expectErrorBody(await call('GET', '/api/product?modifiedAtOrAfter=2026-03-01T10:00:00+01:00'), 400, /%2B/);
  });

  it('enforces permissions', async () => {
    expectErrorBody(await asViewer('POST', '/api/product', { remoteId: 'v' }), 403, /product\.edit/);
    expect((await asViewer('GET', '/api/product')).json).toEqual([]);
  });
});

describe('mounting', () => {
  it('works under a prefix in a parent app whose own JSON parser would break it', async () => {
    const parent = Fastify();
    parent.addContentTypeParser('application/json', (_req, _body, done) => done(new Error('parent parser used')));
    const sandbox = createPlugboardSandbox();
    await parent.register(sandbox.plugin, { prefix: '/sandbox/plugboard' });
    await parent.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = parent.server.address() as { port: number };
      const mounted = plugboardCaller(() => `http://127.0.0.1:${port}/sandbox/plugboard`, DEMO);
      const r = await mounted('POST', '/api/product', { remoteId: 'mounted' });
      expect(r.status).toBe(201);
      expect(sandbox.products('demo').map((p) => p.remoteId)).toEqual(['mounted']);
      expect(sandbox.lastRequest()!.url).toBe('/sandbox/plugboard/api/product');
      expectErrorBody(await mounted('GET', '/nothing'), 404);
    } finally {
      await parent.close();
    }
  });
});
