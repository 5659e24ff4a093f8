import net from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PlugboardClient, PlugboardConfigError, PlugboardError, type PlugboardCredentials } from '../src/plugboard/client.js';
import { productFor } from '../src/plugboard/product-mapping.js';
import type { ProductInput } from '../src/plugboard/types.js';
import { DEMO_PLUGBOARD_TENANTS, createPlugboardSandbox, startPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import type { SonletItem } from '../src/sonlet/types.js';

const UA = 'sonlet-seller-console/0.1.0 (dev@example.com)';
const [DEMO, NORDIC, VIEWONLY] = DEMO_PLUGBOARD_TENANTS as [
  (typeof DEMO_PLUGBOARD_TENANTS)[0],
  (typeof DEMO_PLUGBOARD_TENANTS)[0],
  (typeof DEMO_PLUGBOARD_TENANTS)[0],
];

let sb: Awaited<ReturnType<typeof startPlugboardSandbox>>;

function creds(seed = DEMO, over: Partial<PlugboardCredentials> = {}): PlugboardCredentials {
  return {
    baseUrl: sb.url,
    tenant: seed.tenant,
    connectionId: seed.connectionId,
    username: seed.username,
    password: seed.password,
    ...over,
  };
}
const client = (seed = DEMO, over: Partial<PlugboardCredentials> = {}, timeoutMs?: number) =>
  new PlugboardClient(creds(seed, over), { userAgent: UA, timeoutMs, allowPrivateHosts: true });

async function rejection(p: Promise<unknown>): Promise<PlugboardError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PlugboardError);
    return err as PlugboardError;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  sb = await startPlugboardSandbox();
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => sb.sandbox.reset());

describe('PlugboardClient against the sandbox', () => {
  it('reads the API root', async () => {
    const root = await client().apiRoot();
    expect(root.connectionId).toBe(DEMO.connectionId);
    expect(root.defaultLanguage).toBe('swe');
    expect(root.defaultLanguage_iso).toEqual({ 'iso639-1': 'sv', 'iso639-3': 'swe' });
    expect(root.connectionType).toBe('api');
    expect(root.permissions).toContain('product.edit');
  });

  it('sends every required header', async () => {
    await client().apiRoot();
    const get = sb.sandbox.lastRequest()!;
    expect(get.method).toBe('GET');
    expect(get.url).toBe('/api/');
    expect(get.headers['accept']).toBe('application/json');
    expect(get.headers['x-tenant']).toBe('demo');
    expect(get.headers['x-connectionid']).toBe(DEMO.connectionId);
    expect(get.headers['user-agent']).toBe(UA);
    expect(get.headers['authorization']).toBe(`Basic ${Buffer.from('demo:demo-password').toString('base64')}`);
    // Plugboard asks for the JSON content type on every request, bodiless GETs included.
    expect(get.headers['content-type']).toBe('application/json');

    await client().upsertProduct({ remoteId: 'hdr', vatRatePercent: '25' });
    const post = sb.sandbox.lastRequest()!;
    expect(post.method).toBe('POST');
    expect(post.url).toBe('/api/product?updateOnRemoteId=true');
    expect(post.headers['content-type']).toMatch(/^application\/json/);
    expect(post.headers['accept']).toBe('application/json');
  });

  it.each([
    ['wrong password', { password: 'nope' }, /Auth Failed: wrong username or password/],
    ['wrong username', { username: 'someone' }, /Auth Failed: wrong username or password/],
    ['wrong tenant', { tenant: 'no-such-tenant' }, /Auth Failed: unknown tenant/],
    ['wrong connection id', { connectionId: 'ffffffffffffffffffffffffffffffff' }, /Auth Failed: X-ConnectionId/],
  ])('%s → PlugboardError 401 with Plugboard’s message', async (_name, over, message) => {
    const err = await rejection(client(DEMO, over).apiRoot());
    expect(err.status).toBe(401);
    expect(err.code).toBe(401);
    expect(err.kind).toBe('http');
    expect(err.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('demo-password');
    expect(err.message).not.toContain('nope');
  });

  it('encodes a non-ASCII password as UTF-8 before base64', async () => {
    expect(NORDIC.password).toBe('hemlös-lösen');
    const root = await client(NORDIC).apiRoot();
    expect(root.defaultLanguage).toBe('eng');
    expect(root.defaultLanguage_iso).toEqual({ 'iso639-1': 'en', 'iso639-3': 'eng' });

    const header = sb.sandbox.lastRequest()!.headers['authorization'] as string;
    const bytes = Buffer.from(header.replace(/^Basic /, ''), 'base64');
    const utf8 = Buffer.from('nordic:hemlös-lösen', 'utf8');
    const latin1 = Buffer.from('nordic:hemlös-lösen', 'latin1');
    expect(bytes.equals(utf8)).toBe(true);
    expect(bytes.equals(latin1)).toBe(false);
    expect([...bytes.subarray(11, 13)]).toEqual([0xc3, 0xb6]); // "ö" as UTF-8

    // and the same credentials encoded as latin1 are refused
    const res = await fetch(`${sb.url}/api/`, {
      headers: {
        Authorization: `Basic ${latin1.toString('base64')}`,
        'X-Tenant': 'nordic',
        'X-ConnectionId': NORDIC.connectionId,
      },
    });
    expect(res.status).toBe(401);
  });

  it('refuses plain HTTP except to loopback hosts, before sending anything', () => {
    const make = (baseUrl: string) => new PlugboardClient(creds(DEMO, { baseUrl }), { userAgent: UA, allowPrivateHosts: true });
    const before = sb.sandbox.stats.requests;
    expect(() => make('http://example.com')).toThrow(PlugboardConfigError);
    expect(() => make('http://example.com')).toThrow(/HTTPS/);
    expect(() => make('http://10.0.0.5:8080')).toThrow(PlugboardConfigError);
    expect(() => make('ftp://example.com')).toThrow(PlugboardConfigError);
    expect(() => make('https://user:pw@example.com')).toThrow(/credentials/);
    expect(() => make('not a url')).toThrow(PlugboardConfigError);
    try {
      make('http://example.com');
    } catch (err) {
      expect((err as PlugboardError).status).toBe(0);
      expect((err as PlugboardError).kind).toBe('config');
      expect((err as Error).message).not.toContain('demo-password');
    }
    for (const ok of ['https://api.dev.plugboard.io', 'http://127.0.0.1:1', 'http://127.8.9.10', 'http://localhost:3000/sandbox/plugboard', 'http://[::1]:3000']) {
      expect(() => make(ok), ok).not.toThrow();
    }
    expect(sb.sandbox.stats.requests).toBe(before);
  });

  it('allows http://127.0.0.1:<port>', async () => {
    expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(client().apiRoot()).resolves.toMatchObject({ connectionName: 'API' });
  });

  it('validates the User-Agent and other config', () => {
    const mk = (userAgent: string, over: Partial<PlugboardCredentials> = {}) => () =>
      new PlugboardClient(creds(DEMO, over), { userAgent, allowPrivateHosts: true });
    expect(mk('my-app/1.0 test@example.com')).toThrow(/User-Agent/);
    expect(mk('my app (x')).toThrow(/User-Agent/);
    expect(mk('')).toThrow(/User-Agent/);
    expect(mk(UA, { username: 'a:b' })).toThrow(/username/);
    expect(mk(UA, { connectionId: 'a b\u0000' })).toThrow(expect.objectContaining({ field: 'connectionId' }));
    expect(mk(UA, { tenant: '' })).toThrow(/tenant/);
    expect(mk(UA, { connectionId: 'abc\r\nX-Evil: 1' })).toThrow(/connection id/);
    expect(() => new PlugboardClient(creds(), { userAgent: UA, timeoutMs: 0, allowPrivateHosts: true })).toThrow(/timeoutMs/);
  });

  it('upserts by remoteId: the second send updates the same product; get and list (with modifiedAtOrAfter) agree', async () => {
    const c = client();
    const created = await c.upsertProduct({ remoteId: 'aRemoteIdHere', vatRatePercent: '25', title_lang: { sv: 'Klänning', eng: 'Dress' } });
    expect(created.localId).toMatch(/^[0-9a-f]{32}$/);
    expect(created.remoteId).toBe('aRemoteIdHere');
    expect(created.remoteIdMap).toEqual({ [DEMO.connectionId]: { connectionId: DEMO.connectionId, remoteId: 'aRemoteIdHere' } });
    expect(created.title).toBe('Klänning');
    expect(created.title_lang).toMatchObject({ swe: 'Klänning', eng: 'Dress' });
    const again = await c.upsertProduct({ remoteId: 'aRemoteIdHere', vatRatePercent: '12', state: 'visible', purchasable: true, stock: 3, prices: [{ currency: 'sek', amount: '39.00' }] });
    expect(again.localId).toBe(created.localId);
    expect(again).toMatchObject({ vatRatePercent: '12', state: 'visible', purchasable: true, stock: 3, prices: [{ currency: 'sek', amount: '39.00' }] });
    expect(await c.getProduct(created.localId)).toEqual(again);
    expect(await c.listProducts()).toHaveLength(1);
    expect(await c.listProducts(new Date(Date.now() + 3600_000))).toEqual([]);
    expect((await c.listProducts(new Date(Date.now() - 3600_000))).map((p) => p.localId)).toEqual([created.localId]);
    const missing = await rejection(c.getProduct('ffffffffffffffffffffffffffffffff'));
    expect(missing.status).toBe(404);
  });

  it('uploads a picture through the file endpoints and the product shows it', async () => {
    const c = client();
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]);
    const file = await c.createFile({ name: 'sonlet-item-1.jpg', mimeType: 'image/jpeg', publicAccess: true });
    expect(file.localId).toMatch(/\S/);
    await c.uploadFileData(file.localId, bytes, 'image/jpeg');
    const p = await c.upsertProduct({ remoteId: 'pic', pictures: [{ fileLocalId: file.localId, sortOrder: 0 }] });
    expect(p.pictures).toHaveLength(1);
  });

  it('sends a mapped Sonlet item the sandbox accepts as sellable', async () => {
    const item: SonletItem = {
      pk: 99, style: 'Carly', size: 'XL', itemchoice_id: 5, size_id: 7, quantity: 1, price: '55.00', wholesale_price: '22.00',
      data: { attributes: { 'a|b': 'c' } }, image: null, image_thumbnail: null, created: '2024-01-01T00:00:00Z',
    };
    const p = await client().upsertProduct(productFor(item, { connectionId: DEMO.connectionId, defaultLanguage: 'swe', languages: ['eng'], vatRatePercent: '25', currency: 'USD', brand: 'B' }, []));
    expect(p).toMatchObject({ remoteId: 'sonlet-item-99', sku: 'sonlet-item-99', title: 'Carly – XL', state: 'visible', purchasable: true, stock: 1, brand: 'B' });
    expect(p.customData[`${DEMO.connectionId}|x-sonlet-console|price`]!.value).toEqual({ currency: 'usd', amount: '55.00' });
  });

  it('refuses decimals given as numbers before sending', async () => {
    const before = sb.sandbox.stats.requests;
    const err = await rejection(client().upsertProduct({ remoteId: 'x', vatRatePercent: 25 } as unknown as ProductInput & { remoteId: string }));
    expect(err).toBeInstanceOf(PlugboardConfigError);
    expect(err.message).toMatch(/JSON strings/);
    expect(sb.sandbox.stats.requests).toBe(before);
  });

  it('surfaces 403 for a connection without product.edit', async () => {
    const err = await rejection(client(VIEWONLY).upsertProduct({ remoteId: 'x', vatRatePercent: '25' }));
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/product\.edit/);
    await expect(client(VIEWONLY).listProducts()).resolves.toEqual([]);
  });

  it('removes a translation and a custom key with null (PUT)', async () => {
    const c = client();
    const key = `${DEMO.connectionId}|x-sonlet-console|note`;
    const p = await c.upsertProduct({
      remoteId: 'upd',
      title_lang: { swe: 'Titeln', eng: 'The title' },
      customData: { [key]: { connectionId: DEMO.connectionId, moduleId: 'x-sonlet-console', key: 'note', type: 'string', value: 'hi' } },
    });
    expect(Object.keys(p.customData)).toEqual([key]);
    const u = await c.updateProduct(p.localId, { title_lang: { swe: null }, customData: { [key]: null } });
    expect(u.title_lang).toEqual({ eng: 'The title' });
    expect(u.title).toBeNull();
    expect(u.customData).toEqual({});
    expect(u.remoteId).toBe('upd');
  });

  it('lists orders changed since a time and marks one as processing', async () => {
    const c = client();
    expect(await c.listOrders(new Date(0))).toEqual([]);
    const created = await fetch(`${sb.url}/api/order/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO.username}:${DEMO.password}`).toString('base64')}`, 'x-tenant': DEMO.tenant, 'x-connectionid': DEMO.connectionId, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ customerType: 'company', currency: 'SEK', totalSumExclVat: { currency: 'SEK', amount: '1.0' }, totalVat: { currency: 'SEK', amount: '1.0' } }),
    });
    const order = (await created.json()) as { localId: string };
    const listed = await c.listOrders(new Date(Date.now() - 60_000));
    expect(listed.map((o) => o.localId)).toEqual([order.localId]);
    expect(listed[0]!.totalVat).toEqual({ currency: 'sek', amount: '1.00' });
    const updated = await c.updateOrder(order.localId, { orderStatus: 'processing' });
    expect(updated.orderStatus).toBe('processing');
    expect((await c.getOrder(order.localId)).orderStatus).toBe('processing');
  });

  it('works with the sandbox mounted under a prefix in a parent app', async () => {
    const parent = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
    // a parent JSON parser that would break the sandbox if it leaked in
    parent.removeContentTypeParser('application/json');
    parent.addContentTypeParser('application/json', (_req, _payload, done) => done(new Error('parent parser'), undefined));
    parent.get('/health', async () => ({ ok: true }));
    const sandbox = createPlugboardSandbox();
    await parent.register(sandbox.plugin, { prefix: '/sandbox/plugboard' });
    await parent.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = (parent.server.address() as net.AddressInfo).port;
      const c = new PlugboardClient(creds(DEMO, { baseUrl: `http://127.0.0.1:${port}/sandbox/plugboard/` }), { userAgent: UA, allowPrivateHosts: true });
      expect((await c.apiRoot()).connectionId).toBe(DEMO.connectionId);
      const p = await c.upsertProduct({ remoteId: 'prefixed', vatRatePercent: '6' });
      expect(sandbox.products('demo').map((x) => x.localId)).toEqual([p.localId]);
      expect(sandbox.lastRequest()!.url).toBe('/sandbox/plugboard/api/product?updateOnRemoteId=true');
      expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ ok: true });
      const err = await rejection(c.getProduct('nope'));
      expect(err.status).toBe(404);
    } finally {
      await parent.close();
    }
  });
});

describe('PlugboardClient transport errors', () => {
  let fake: FastifyInstance;
  let fakeUrl: string;
  let silent: net.Server;
  let silentUrl: string;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    fake = Fastify({ logger: false });
    fake.get('/html/api/', async (_req, reply) => reply.code(502).type('text/html').send('<h1>Bad gateway</h1>'));
    fake.get('/leaky/api/', async (_req, reply) =>
      reply.code(500).send({ error: true, time: '2024-01-01T00:00:00.000Z', code: 500, message: 'boom for demo:demo-password' }),
    );
    fake.get('/redirect/api/', async (_req, reply) => reply.redirect('http://example.com/api/', 302));
    fake.get('/nojson/api/', async (_req, reply) => reply.code(200).type('text/plain').send('hello'));
    await fake.listen({ host: '127.0.0.1', port: 0 });
    fakeUrl = `http://127.0.0.1:${(fake.server.address() as net.AddressInfo).port}`;
    silent = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    await fake.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('non-JSON error body → generic message with the status', async () => {
    const err = await rejection(client(DEMO, { baseUrl: `${fakeUrl}/html` }).apiRoot());
    expect(err.status).toBe(502);
    expect(err.code).toBeNull();
    expect(err.message).toMatch(/HTTP 502/);
    expect(err.message).toMatch(/non-JSON/);
  });

  it('never puts credentials into the message', async () => {
    const err = await rejection(client(DEMO, { baseUrl: `${fakeUrl}/leaky` }).apiRoot());
    expect(err.status).toBe(500);
    expect(err.message).toBe('boom for ***');
  });

  it('does not follow redirects', async () => {
    const err = await rejection(client(DEMO, { baseUrl: `${fakeUrl}/redirect` }).apiRoot());
    expect(err.status).toBe(302);
    expect(err.kind).toBe('protocol');
  });

  it('a 2xx without JSON is a protocol error', async () => {
    const err = await rejection(client(DEMO, { baseUrl: `${fakeUrl}/nojson` }).apiRoot());
    expect(err.kind).toBe('protocol');
  });

  it('network error → status 0 and "could not reach" with the host only', async () => {
    const tmp = net.createServer();
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
    const port = (tmp.address() as net.AddressInfo).port;
    await new Promise((r) => tmp.close(r));
    const err = await rejection(client(DEMO, { baseUrl: `http://127.0.0.1:${port}` }).apiRoot());
    expect(err.status).toBe(0);
    expect(err.kind).toBe('network');
    expect(err.outcomeUnknown).toBe(true);
    expect(err.message).toBe(`Could not reach this address (127.0.0.1:${port})`);
  });

  it('times out', async () => {
    const err = await rejection(client(DEMO, { baseUrl: silentUrl }, 200).apiRoot());
    expect(err.status).toBe(0);
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/did not answer within 0.2 s/);
  });
});
