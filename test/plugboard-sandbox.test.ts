import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALL_PLUGBOARD_PERMISSIONS, DEMO_PLUGBOARD_TENANTS, startPlugboardSandbox } from '../src/sandbox/plugboard/index.js';

const DEMO = DEMO_PLUGBOARD_TENANTS[0]!;
const CID = DEMO.connectionId;
const RFC3339_UTC_NO_MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let sb: Awaited<ReturnType<typeof startPlugboardSandbox>>;
beforeAll(async () => {
  sb = await startPlugboardSandbox();
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => sb.sandbox.reset());

const auth = (user = 'demo', pass = 'demo-password') => `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;

function headers(over: Record<string, string | undefined> = {}): Record<string, string> {
  const h: Record<string, string | undefined> = {
    Accept: 'application/json',
    Authorization: auth(),
    'X-Tenant': 'demo',
    'X-ConnectionId': CID,
    'User-Agent': 'sandbox-test/1.0 (test@example.com)',
    ...over,
  };
  return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

async function call(method: string, path: string, body?: unknown, over: Record<string, string | undefined> = {}) {
  const res = await fetch(`${sb.url}${path}`, {
    method,
    headers: headers(body === undefined ? over : { 'Content-Type': 'application/json', ...over }),
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

function expectErrorBody(r: { status: number; json: Record<string, unknown> | null }, status: number, message?: RegExp) {
  expect(r.status).toBe(status);
  expect(Object.keys(r.json!).sort()).toEqual(['code', 'error', 'message', 'time']);
  expect(r.json!.error).toBe(true);
  expect(r.json!.code).toBe(status);
  expect(r.json!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
  if (message) expect(r.json!.message).toMatch(message);
}

describe('API root', () => {
  it('answers exactly as the reference (without its stray outer braces)', async () => {
    const r = await call('GET', '/api/');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(r.json!)).toEqual([
      'version', 'connectionId', 'permissions', 'serverTime', 'defaultLanguage', 'defaultLanguage_iso',
      'connectionName', 'connectionType', 'connectionCustomData', 'configuration',
    ]);
    expect(r.json!.serverTime).toMatch(RFC3339_UTC_NO_MILLIS);
    expect(Math.abs(Date.parse(r.json!.serverTime as string) - Date.now())).toBeLessThan(5000);
    expect({ ...r.json!, serverTime: 'x' }).toEqual({
      version: 0,
      connectionId: '000772bee96aae826403d0ed08590008',
      permissions: [...ALL_PLUGBOARD_PERMISSIONS],
      serverTime: 'x',
      defaultLanguage: 'swe',
      defaultLanguage_iso: { 'iso639-1': 'sv', 'iso639-3': 'swe' },
      connectionName: 'API',
      connectionType: 'api',
      connectionCustomData: {},
      configuration: {},
    });
    expect((r.json!.permissions as string[]).length).toBe(27);
  });

  it('view-only tenant lacks product.edit', async () => {
    const v = DEMO_PLUGBOARD_TENANTS[2]!;
    const r = await call('GET', '/api/', undefined, { Authorization: auth(v.username, v.password), 'X-Tenant': v.tenant, 'X-ConnectionId': v.connectionId });
    expect(r.status).toBe(200);
    expect(r.json!.permissions).toContain('product.view');
    expect(r.json!.permissions).not.toContain('product.edit');
  });
});

describe('authentication', () => {
  it.each([
    ['no Authorization', { Authorization: undefined }, /Auth Failed: HTTP Basic/],
    ['not Basic', { Authorization: 'Bearer abc' }, /Auth Failed: HTTP Basic/],
    ['wrong password', { Authorization: auth('demo', 'wrong') }, /Auth Failed: wrong username or password/],
    ['unknown tenant', { 'X-Tenant': 'acme' }, /Auth Failed: unknown tenant/],
    ['missing tenant', { 'X-Tenant': undefined }, /Auth Failed: X-Tenant/],
    ['wrong connection id', { 'X-ConnectionId': '5377568eb7e165e3b38af6eece4a0001' }, /Auth Failed: X-ConnectionId/],
    ['missing connection id', { 'X-ConnectionId': undefined }, /Auth Failed: X-ConnectionId/],
    ['another tenant’s credentials', { Authorization: auth('nordic', 'hemlös-lösen') }, /Auth Failed: wrong username/],
  ])('%s → 401 with the error body', async (_n, over, message) => {
    const r = await call('GET', '/api/', undefined, over);
    expectErrorBody(r, 401, message);
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('decodes Basic credentials as UTF-8 (latin1 is refused)', async () => {
    const n = DEMO_PLUGBOARD_TENANTS[1]!;
    const base = { 'X-Tenant': n.tenant, 'X-ConnectionId': n.connectionId };
    expect((await call('GET', '/api/', undefined, { ...base, Authorization: auth(n.username, n.password) })).status).toBe(200);
    const latin1 = `Basic ${Buffer.from(`${n.username}:${n.password}`, 'latin1').toString('base64')}`;
    expectErrorBody(await call('GET', '/api/', undefined, { ...base, Authorization: latin1 }), 401, /UTF-8/);
  });

  it('authenticates before parsing bodies and before routing', async () => {
    expectErrorBody(await call('POST', '/api/product', '{not json', { Authorization: undefined }), 401);
    expectErrorBody(await call('GET', '/api/nothing-here', undefined, { Authorization: undefined }), 401);
  });
});

describe('protocol rules', () => {
  it('rejects a malformed User-Agent, a non-JSON Accept and a non-JSON body', async () => {
    expectErrorBody(await call('GET', '/api/', undefined, { 'User-Agent': 'my-app/1.0 test@example.com' }), 400, /RFC 2616/);
    expectErrorBody(await call('GET', '/api/', undefined, { Accept: 'text/html' }), 406);
    expect((await call('GET', '/api/', undefined, { Accept: 'text/html, */*;q=0.1' })).status).toBe(200);
    expectErrorBody(await call('POST', '/api/product', 'remoteId=x', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415, /application\/json/);
    expectErrorBody(await call('POST', '/api/product', '{"remoteId": "x",'), 400, /Malformed JSON/);
    expectErrorBody(await call('POST', '/api/product', '[1]'), 400, /JSON object/);
    expectErrorBody(await call('POST', '/api/product', '{"__proto__": {"x": 1}}'), 400);
  });

  it('answers 404 and 405 with the error body', async () => {
    expectErrorBody(await call('GET', '/api/product/ffffffffffffffffffffffffffffffff'), 404, /not found/);
    expectErrorBody(await call('GET', '/api/nothing'), 404);
    expectErrorBody(await call('GET', '/elsewhere'), 404);
    const r = await call('DELETE', '/api/product');
    expectErrorBody(r, 405);
    expect(r.headers.get('allow')).toBe('GET, POST');
  });

  it('refuses HTTP/1.0 (only HTTP 1.1 is supported)', async () => {
    const { port, hostname } = new URL(sb.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(Number(port), hostname, () => {
        s.write(`GET /api/ HTTP/1.0\r\nHost: ${hostname}\r\nAuthorization: ${auth()}\r\nX-Tenant: demo\r\nX-ConnectionId: ${CID}\r\n\r\n`);
      });
      let buf = '';
      s.on('data', (d) => (buf += d.toString()));
      s.on('end', () => resolve(buf));
      s.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.[01] 505 /);
    expect(answer).toContain('"code":505');
  });

  it('counts requests and resets', async () => {
    await call('GET', '/api/');
    await call('GET', '/api/', undefined, { Authorization: undefined });
    expect(sb.sandbox.stats.requests).toBe(2);
    sb.sandbox.reset();
    expect(sb.sandbox.stats.requests).toBe(0);
    expect(sb.sandbox.requestLog).toEqual([]);
  });
});

describe('products', () => {
  it('creates a product like the reference example', async () => {
    const r = await call('POST', '/api/product', { remoteId: 'aRemoteIdHere', vatRatePercent: '25' });
    expect(r.status).toBe(201);
    const p = r.json!;
    const localId = p.localId as string;
    expect(localId).toMatch(/^[0-9a-f]{32}$/);
    expect(p.created).toMatch(RFC3339_UTC_NO_MILLIS);
    expect(p.lastModified).toBe(p.created);
    expect(p).toEqual({
      href: `/api/product/${localId}`,
      remoteId: 'aRemoteIdHere',
      localId,
      remoteIdMap: { [CID]: { connectionId: CID, remoteId: 'aRemoteIdHere' } },
      title: null,
      title_lang: {},
      title_lang2: {},
      pictures: [],
      created: p.created,
      lastModified: p.created,
      customData: {},
      remoteUris: [],
      isDeleted: false,
      shortDescription: null,
      shortDescription_lang: {},
      shortDescription_lang2: {},
      description: null,
      description_lang: {},
      description_lang2: {},
      attributes: [],
      alternateContent: {},
      state: 'hidden',
      purchasable: false,
      prices: [],
      vatRatePercent: '25',
      productCategories: [],
      productVariantGroups: [],
    });
    // same key order as the reference
    expect(Object.keys(p).slice(0, 5)).toEqual(['href', 'remoteId', 'localId', 'remoteIdMap', 'title']);
    expect((await call('GET', `/api/product/${localId}`)).json).toEqual(p);
    expect((await call('GET', '/api/product')).json).toEqual([p]);
    expect(sb.sandbox.products('demo')).toEqual([p]);
  });

  it('answers 409 naming the existing localId for a duplicate remoteId', async () => {
    const first = (await call('POST', '/api/product', { remoteId: 'dup', vatRatePercent: '25' })).json!;
    const r = await call('POST', '/api/product', { remoteId: 'dup', vatRatePercent: '12' });
    expectErrorBody(r, 409, new RegExp(first.localId as string));
    expect(sb.sandbox.products('demo')).toHaveLength(1);
    expect(sb.sandbox.products('demo')[0]!.vatRatePercent).toBe('25');
    // other tenants are separate stores
    const n = DEMO_PLUGBOARD_TENANTS[1]!;
    const other = await call('POST', '/api/product', { remoteId: 'dup' }, { Authorization: auth(n.username, n.password), 'X-Tenant': n.tenant, 'X-ConnectionId': n.connectionId });
    expect(other.status).toBe(201);
  });

  it('rejects decimals sent as JSON numbers', async () => {
    expectErrorBody(await call('POST', '/api/product', '{"remoteId":"f","vatRatePercent":25}'), 400, /JSON strings/);
    expectErrorBody(await call('POST', '/api/product', '{"remoteId":"f","vatRatePercent":25.0}'), 400, /JSON strings/);
    expectErrorBody(await call('POST', '/api/product', { remoteId: 'f', vatRatePercent: '25%' }), 400, /decimal/);
    const key = `${CID}|x-shop|price`;
    const entry = { connectionId: CID, moduleId: 'x-shop', key: 'price', type: 'money', value: { currency: 'SEK', amount: 4.2 } };
    expectErrorBody(await call('POST', '/api/product', { remoteId: 'f', customData: { [key]: entry } }), 400, /JSON strings/);
    const ok = await call('POST', '/api/product', { remoteId: 'f', customData: { [key]: { ...entry, value: { currency: 'SEK', amount: '4.2' } } } });
    expect(ok.status).toBe(201);
    expect((ok.json!.customData as Record<string, { value: unknown }>)[key]!.value).toEqual({ currency: 'sek', amount: '4.20' });
    expect(sb.sandbox.products('demo')).toHaveLength(1);
  });

  it('validates customData keys', async () => {
    const entry = (moduleId: string, key = 'k') => ({ connectionId: CID, moduleId, key, type: 'string', value: 'v' });
    const post = (dictKey: string, e: unknown) => call('POST', '/api/product', { remoteId: 'cd', customData: { [dictKey]: e } });
    expectErrorBody(await post(`${CID}|x-a|b|k`, entry('x-a|b')), 400, /\|/);
    expectErrorBody(await post(`${CID}|shop|k`, entry('shop')), 400, /x-/);
    expectErrorBody(await post(`${CID}|x-shop|k`, entry('x-shop', 'other')), 400, /does not match/);
    expectErrorBody(await post(`${CID}|x-shop|k`, entry('X-SHOP')), 400, /does not match/);
    expectErrorBody(await post(`${CID}|x-shop|k`, { ...entry('x-shop'), key: 'a|b' }), 400, /\|/);
    expectErrorBody(await post(`nothex|x-shop|k`, { ...entry('x-shop'), connectionId: 'nothex' }), 400, /connectionId/);
    expectErrorBody(await post(`${CID}|x-shop|k`, { ...entry('x-shop'), type: undefined }), 400, /type/);
    expect((await post(`${CID}|x-shop|k`, entry('x-shop'))).status).toBe(201);
    expect(sb.sandbox.products('demo')).toHaveLength(1);
  });

  it('rejects unknown fields, a provided localId and unknown languages', async () => {
    expectErrorBody(await call('POST', '/api/product', { remoteId: 'u', vatRate: '25' }), 400, /vatRate/);
    expectErrorBody(await call('POST', '/api/product', { localId: '0006d682a5ecee8f64227e481f4aa12c' }), 400, /localId/);
    expectErrorBody(await call('POST', '/api/product', { title_lang: { klingon: 'x' } }), 400, /language/);
    expectErrorBody(await call('POST', '/api/product', { title_lang: { swe: 5 } }), 400);
    expectErrorBody(await call('POST', '/api/product', { purchasable: 'yes' }), 400);
  });

  it('normalises language keys and fills the plain field from the default language', async () => {
    const r = await call('POST', '/api/product', { title: 'Titeln', title_lang: { EN: 'The title' }, description_lang: { sv: 'Beskrivning' } });
    expect(r.json).toMatchObject({
      title: 'Titeln',
      title_lang: { swe: 'Titeln', eng: 'The title' },
      description: 'Beskrivning',
      description_lang: { swe: 'Beskrivning' },
      shortDescription: null,
    });
  });

  it('PUT: null removes a translation and a custom key; absent ones are untouched', async () => {
    const k1 = `${CID}|x-shop|a`;
    const k2 = `${CID}|x-shop|b`;
    const e = (key: string) => ({ connectionId: CID, moduleId: 'x-shop', key, type: 'string', value: key });
    const created = (await call('POST', '/api/product', {
      remoteId: 'p',
      title_lang: { swe: 'Titeln', eng: 'The title' },
      customData: { [k1]: e('a'), [k2]: e('b') },
    })).json!;
    const id = created.localId as string;
    await new Promise((r) => setTimeout(r, 1100));
    const r = await call('PUT', `/api/product/${id}`, { title_lang: { swe: null }, customData: { [k1]: null }, vatRatePercent: '12' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ title: null, title_lang: { eng: 'The title' }, customData: { [k2]: e('b') }, vatRatePercent: '12', remoteId: 'p' });
    expect(Object.keys(r.json!.customData as object)).toEqual([k2]);
    expect(r.json!.created).toBe(created.created);
    expect(Date.parse(r.json!.lastModified as string)).toBeGreaterThan(Date.parse(created.created as string));
    expect(sb.sandbox.products('demo')[0]).toEqual(r.json);

    // an invalid update leaves the product unchanged
    expectErrorBody(await call('PUT', `/api/product/${id}`, { title_lang: { eng: null }, vatRatePercent: 1 }), 400);
    expect(sb.sandbox.products('demo')[0]).toEqual(r.json);
    expectErrorBody(await call('PUT', '/api/product/ffffffffffffffffffffffffffffffff', { title: 'x' }), 404);
  });

  it('enforces permissions', async () => {
    const v = DEMO_PLUGBOARD_TENANTS[2]!;
    const h = { Authorization: auth(v.username, v.password), 'X-Tenant': v.tenant, 'X-ConnectionId': v.connectionId };
    expectErrorBody(await call('POST', '/api/product', { remoteId: 'v' }, h), 403, /product\.edit/);
    expect((await call('GET', '/api/product', undefined, h)).json).toEqual([]);
  });
});

describe('orders', () => {
  it('round-trips the reference example with amounts normalised to "1.00"', async () => {
    const r = await call('POST', '/api/order/', {
      customerType: 'company',
      currency: 'SEK',
      totalSumExclVat: { currency: 'SEK', amount: '1.0' },
      totalVat: { currency: 'SEK', amount: '1.0' },
    });
    expect(r.status).toBe(201);
    const o = r.json!;
    const localId = o.localId as string;
    expect(localId).toMatch(/^[0-9a-f]{32}$/);
    expect(o.created).toMatch(RFC3339_UTC_NO_MILLIS);
    expect(o).toEqual({
      href: `/api/order/${localId}`,
      remoteId: null,
      localId,
      remoteIdMap: {},
      created: o.created,
      lastModified: o.created,
      customData: {},
      customerType: 'company',
      currency: 'sek',
      totalSumExclVat: { currency: 'sek', amount: '1.00' },
      totalVat: { currency: 'sek', amount: '1.00' },
      billingAddress: null,
      shippingAddress: null,
      orderRows: [],
      source: { connectionType: 'api', connectionId: CID, code: null, connectionName: 'API' },
      shipments: [],
    });
    expect((await call('GET', `/api/order/${localId}`)).json).toEqual(o);
    expect(sb.sandbox.orders('demo')).toEqual([o]);
  });

  it('validates money, currencies and country codes', async () => {
    expectErrorBody(await call('POST', '/api/order/', '{"totalVat":{"currency":"SEK","amount":1.0}}'), 400, /JSON strings/);
    expectErrorBody(await call('POST', '/api/order/', { totalVat: { amount: '1.0' } }), 400, /currency and amount/);
    expectErrorBody(await call('POST', '/api/order/', { totalVat: { currency: 'SEK' } }), 400, /currency and amount/);
    expectErrorBody(await call('POST', '/api/order/', { currency: 'kronor' }), 400, /ISO 4217/);
    expectErrorBody(await call('POST', '/api/order/', { billingAddress: { countryCode: 'SWE' } }), 400, /3166/);
    const ok = await call('POST', '/api/order/', {
      currency: '752',
      billingAddress: { countryCode: 'se', city: 'Umeå' },
      orderRows: [{ quantity: 1, price: { currency: 'EUR', amount: '5' } }],
      remoteId: 'order-1',
    });
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({
      currency: 'sek',
      billingAddress: { countryCode: 'SE', city: 'Umeå' },
      orderRows: [{ quantity: 1, price: { currency: 'eur', amount: '5.00' } }],
      remoteId: 'order-1',
      remoteIdMap: { [CID]: { connectionId: CID, remoteId: 'order-1' } },
    });
    expectErrorBody(await call('POST', '/api/order/', { remoteId: 'order-1' }), 409);
  });
});
