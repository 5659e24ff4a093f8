/**
 * The Plugboard client's own protocol, against servers that share no code with it: the private-host
 * rule for every spelling of an address (and for the address actually connected to), answer caps,
 * deadlines, and a hostile Plugboard (test/support/hostile-provider.ts).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress, type Resolver } from '../src/net/address-rule.js';
import { PlugboardClient, PlugboardError } from '../src/plugboard/client.js';
import { exportItem } from '../src/plugboard/export-item.js';
import type { ShopSettings } from '../src/plugboard/product-mapping.js';
import type { SonletItem } from '../src/sonlet/types.js';
import { startHostileProvider, type HostileProvider } from './support/hostile-provider.js';

const UA = 'sonlet-seller-console/0.1.0 (tests@example.com)';

/** A TCP server on loopback that counts every connection: the private-host rule must keep it at 0. */
let trap: net.Server;
let trapPort: number;
let trapConnections = 0;
let double: HostileProvider;

beforeAll(async () => {
  trap = net.createServer((socket) => {
    trapConnections++;
    socket.destroy();
  });
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
  trapPort = (trap.address() as net.AddressInfo).port;
  double = await startHostileProvider();
});
afterAll(async () => {
  await new Promise((r) => trap.close(r));
  await double?.close();
});

async function rejection(p: Promise<unknown>): Promise<PlugboardError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PlugboardError);
    return err as PlugboardError;
  }
  throw new Error('expected a rejection');
}

/** A name server the test controls: names map to address lists, or to a function of the call number. */
function resolverOf(table: Record<string, string[] | ((call: number) => string[])>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const entry = table[hostname.toLowerCase().replace(/\.$/, '')];
    if (!entry) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return typeof entry === 'function' ? entry(calls.filter((c) => c === hostname).length) : entry;
  };
  return Object.assign(resolve, { calls });
}

const strict = (baseUrl: string, resolve?: Resolver, timeoutMs = 2000) =>
  new PlugboardClient({ baseUrl, tenant: 't', connectionId: 'c', username: 'u', password: 'secret-password' }, { userAgent: UA, timeoutMs, resolve });

describe('the private-host rule (PLUGBOARD_ALLOW_PRIVATE_HOSTS=false)', () => {
  const names = resolverOf({
    'rebind.test': ['127.0.0.1'],
    'v6-loopback.test': ['::1'],
    'mapped.test': ['::ffff:127.0.0.1'],
    'mixed.test': ['93.184.216.34', '127.0.0.1'],
    'metadata.test': ['169.254.169.254'],
    localhost: ['127.0.0.1', '::1'],
  });
  const spellings = (port: number) => [
    `https://127.0.0.1:${port}`,
    `https://127.1:${port}`,
    `https://2130706433:${port}`,
    `https://0x7f000001:${port}`,
    `https://0x7f.0.0.1:${port}`,
    `https://0177.0.0.1:${port}`,
    `https://127.000.000.001:${port}`,
    `https://localhost:${port}`,
    `https://LOCALHOST.:${port}`,
    `https://[::1]:${port}`,
    `https://[0:0:0:0:0:0:0:1]:${port}`,
    `https://[::ffff:127.0.0.1]:${port}`,
    `https://[::ffff:7f00:1]:${port}`,
    `https://[0:0:0:0:0:ffff:7f00:0001]:${port}`,
    `https://[::127.0.0.1]:${port}`,
    `https://[64:ff9b::7f00:1]:${port}`,
    `https://[64:ff9b::127.0.0.1]:${port}`,
    `https://[2002:7f00:1::]:${port}`,
    `https://[2001:0:4136:e378:8000:63bf:80ff:fffe]:${port}`,
    `https://[fc00::1]:${port}`,
    `https://[fd12:3456:789a::1]:${port}`,
    `https://[fe80::1]:${port}`,
    `https://[fec0::1]:${port}`,
    `https://[::]:${port}`,
    `https://[ff02::1]:${port}`,
    `https://0.0.0.0:${port}`,
    `https://0:${port}`,
    `https://10.0.0.1:${port}`,
    `https://172.16.5.4:${port}`,
    `https://192.168.1.1:${port}`,
    `https://169.254.169.254:${port}`,
    `https://100.64.0.1:${port}`,
    `https://224.0.0.1:${port}`,
    `https://255.255.255.255:${port}`,
    `https://240.0.0.1:${port}`,
    `https://198.18.0.1:${port}`,
    `https://192.0.2.1:${port}`,
    `https://rebind.test:${port}`,
    `https://v6-loopback.test:${port}`,
    `https://mapped.test:${port}`,
    `https://mixed.test:${port}`,
    `https://metadata.test:${port}`,
  ];

  it('refuses at least 30 spellings of private addresses, each with the same message, and never connects', async () => {
    const list = spellings(trapPort);
    expect(list.length).toBeGreaterThanOrEqual(30);
    const before = trapConnections;
    for (const baseUrl of list) {
      const err = await rejection(strict(baseUrl, names).apiRoot());
      expect(err.kind, baseUrl).toBe('network');
      expect(err.message, baseUrl).toMatch(/^Could not reach this address \(/);
      expect(err.message.replace(/\(.*\)/, '')).not.toMatch(/ECONNREFUSED|private|loopback|TLS|certificate/i);
    }
    expect(trapConnections).toBe(before);
  });

  it('classifies addresses with ipaddr.js: public unicast only', () => {
    for (const ok of ['93.184.216.34', '8.8.8.8', '2606:2800:220:1:248:1893:25c8:1946', '2a00:1450:4001:80b::200e']) expect(isPublicAddress(ok), ok).toBe(true);
    for (const bad of ['127.0.0.1', '::1', '::ffff:10.0.0.1', '::ffff:a00:1', '::10.0.0.1', '64:ff9b::a00:1', '100.127.255.255', '0.1.2.3', 'fe80::1%eth0', 'not an address', '']) {
      expect(isPublicAddress(bad), bad).toBe(false);
    }
  });

  it('a name that rebinds to loopback after its first answer never reaches loopback: the address checked is the address connected to', async () => {
    // First answer public (unreachable here, so that connection fails), every later one loopback.
    const rebinding = resolverOf({ 'shop.rebind.test': (n) => (n === 1 ? ['93.184.216.34'] : ['127.0.0.1']) });
    const client = strict(`https://shop.rebind.test:${trapPort}`, rebinding, 1500);
    const before = trapConnections;
    for (let i = 0; i < 3; i++) {
      const err = await rejection(client.apiRoot());
      expect(err.kind).toBe('network');
      expect(err.message).toBe(`Could not reach this address (shop.rebind.test:${trapPort})`);
    }
    expect(trapConnections).toBe(before);
    // One resolution per connection attempt: nothing is looked up twice for one connection.
    expect(rebinding.calls.length).toBe(3);
    await client.close();
  });

  it('a refused port and a private address read the same (no port scanning through the error message)', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const lax = new PlugboardClient({ baseUrl: `http://127.0.0.1:${port}`, tenant: 't', connectionId: 'c', username: 'u', password: 'p' }, { userAgent: UA, allowPrivateHosts: true });
    const refused = await rejection(lax.apiRoot());
    const privateOne = await rejection(strict(`https://127.0.0.1:${port}`).apiRoot());
    expect(refused.message.replace(/\(.*\)/, '')).toBe(privateOne.message.replace(/\(.*\)/, ''));
    expect(refused.kind).toBe(privateOne.kind);
  });
});

describe('against a hostile Plugboard', () => {
  const client = (timeoutMs = 5000, maxAnswerBytes?: number) =>
    new PlugboardClient(
      { baseUrl: double.plugboard.url, tenant: double.plugboard.tenant, connectionId: double.plugboard.connectionId, username: double.plugboard.username, password: double.plugboard.password },
      { userAgent: UA, timeoutMs, maxAnswerBytes, allowPrivateHosts: true },
    );

  it('stops reading a 300 MB answer at the cap and says so', async () => {
    double.plugboard.on('/api/', { kind: 'huge-body', bytes: 300 * 1024 * 1024 });
    double.resetCounts();
    try {
      const err = await rejection(client(20_000, 1024 * 1024).apiRoot());
      expect(err.kind).toBe('protocol');
      expect(err.message).toMatch(/larger than 1 MB/);
      await expect.poll(() => double.abandoned.length).toBeGreaterThan(0);
      expect(double.abandoned[0]!.bytesSent).toBeLessThan(50 * 1024 * 1024);
    } finally {
      double.plugboard.off();
    }
  });

  it('refuses an answer that declares a length past the cap without reading it', async () => {
    double.plugboard.on('/api/', { kind: 'huge-body', bytes: 300 * 1024 * 1024, declareLength: true });
    try {
      const err = await rejection(client(20_000, 1024 * 1024).apiRoot());
      expect(err.message).toMatch(/larger than 1 MB/);
    } finally {
      double.plugboard.off();
    }
  });

  it('gives up on an answer that drips one byte a second at the deadline', async () => {
    double.plugboard.on('/api/', { kind: 'drip', intervalMs: 200 });
    try {
      const started = Date.now();
      const err = await rejection(client(1500).apiRoot());
      expect(err.kind).toBe('timeout');
      expect(err.message).toMatch(/did not answer within 1.5 s/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      double.plugboard.off();
    }
  });

  it('does not follow a redirect to another host, and the other host gets nothing', async () => {
    double.plugboard.on('/api/', { kind: 'redirect-other-host' });
    const before = double.otherHost.count();
    try {
      const err = await rejection(client().apiRoot());
      expect(err.kind).toBe('protocol');
      expect(double.otherHost.count()).toBe(before);
    } finally {
      double.plugboard.off();
    }
  });

  it('an HTML page under application/json is a protocol error; a 500 is worth retrying; credentials never show', async () => {
    double.plugboard.on('/api/', { kind: 'wrong-content-type', htmlBody: true });
    expect((await rejection(client().apiRoot())).kind).toBe('protocol');
    double.plugboard.on('/api/', { kind: 'status', status: 500, body: { error: true, code: 500, time: '2025-01-01T00:00:00Z', message: `boom ${double.plugboard.password}` } });
    const err = await rejection(client().apiRoot());
    expect(err.status).toBe(500);
    expect(err.message).toBe('boom ***');
    double.plugboard.off();
  });

  it('upserts by remoteId (one product), uploads the picture once and reuses it while the image is unchanged', async () => {
    double.resetCounts();
    const c = client();
    const shop: ShopSettings = { connectionId: double.plugboard.connectionId, defaultLanguage: 'swe', languages: ['eng'], vatRatePercent: '25', currency: 'SEK', brand: 'Studio Ida' };
    const image = { pk: 7, image_full: double.sonlet.mediaUrl(7), image_thumbnail: double.sonlet.mediaUrl(7) };
    const item: SonletItem = { pk: 4242, style: 'Amelia', size: 'M', itemchoice_id: 1, size_id: 2, quantity: 2, price: '39.00', wholesale_price: '15.00', data: { attributes: { Color: 'Navy' } }, image, image_thumbnail: image.image_thumbnail, created: '2025-01-01T00:00:00Z' };
    const readPicture = async (url: string) => {
      const res = await fetch(url);
      return { bytes: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type') ?? '' };
    };
    const nothingPending = { pendingFileId: null, pendingFileSource: null };
    const rememberPendingFile = async () => undefined;
    const first = await exportItem(c, shop, item, { listed: true, previous: { pictureSource: null, pictureFileId: null, ...nothingPending }, readPicture, rememberPendingFile });
    const second = await exportItem(c, shop, { ...item, quantity: 0 }, { listed: true, previous: { ...first, ...nothingPending }, readPicture, rememberPendingFile });
    expect(second.localId).toBe(first.localId);
    expect(second.pictureFileId).toBe(first.pictureFileId);
    expect(second.shopState).toBe('sold-out');
    expect(second.contentHash).not.toBe(first.contentHash);
    expect(double.plugboard.count('/api/file')).toBe(1);
    expect(double.plugboard.count('/api/product')).toBe(2);
    const products = await c.listProducts();
    expect(products.filter((p) => p.remoteId === 'sonlet-item-4242')).toHaveLength(1);
    const product = products.find((p) => p.remoteId === 'sonlet-item-4242')!;
    expect(product).toMatchObject({ state: 'hidden', purchasable: false, stock: 0, sku: 'sonlet-item-4242', brand: 'Studio Ida', prices: [{ currency: 'sek', amount: '39.00' }] });
    expect(product.pictures).toEqual([{ fileLocalId: first.pictureFileId, sortOrder: 0 }]);
    await c.close();
  });

  it('a lost answer to the picture’s bytes: the next send fills the file record it made, not a new one', async () => {
    double.resetCounts();
    const c = client();
    const shop: ShopSettings = { connectionId: double.plugboard.connectionId, defaultLanguage: 'swe', languages: [], vatRatePercent: '25', currency: 'SEK', brand: null };
    const image = { pk: 8, image_full: double.sonlet.mediaUrl(8), image_thumbnail: double.sonlet.mediaUrl(8) };
    const item: SonletItem = { pk: 4343, style: 'Carly', size: 'S', itemchoice_id: 1, size_id: 2, quantity: 1, price: '25.00', wholesale_price: '10.00', data: { attributes: {} }, image, image_thumbnail: image.image_thumbnail, created: '2025-01-01T00:00:00Z' };
    const readPicture = async (url: string) => {
      const res = await fetch(url);
      return { bytes: Buffer.from(await res.arrayBuffer()), contentType: 'image/jpeg' };
    };
    // What the console keeps on the export row between tries.
    let previous = { pictureSource: null as string | null, pictureFileId: null as string | null, pendingFileId: null as string | null, pendingFileSource: null as string | null };
    const rememberPendingFile = async (pendingFileId: string, pendingFileSource: string) => void (previous = { ...previous, pendingFileId, pendingFileSource });
    double.plugboard.on('/api/file/*', { kind: 'status', status: 503, body: { error: true, code: 503, message: 'Service temporarily unavailable' } });
    for (let i = 0; i < 3; i++) await expect(exportItem(c, shop, item, { listed: true, previous, readPicture, rememberPendingFile })).rejects.toMatchObject({ status: 503 });
    double.plugboard.off('/api/file/*');
    const sent = await exportItem(c, shop, item, { listed: true, previous, readPicture, rememberPendingFile });
    expect(sent.pictureFileId).toBe(previous.pendingFileId);
    expect(double.requests.filter((r) => r.role === 'plugboard' && r.method === 'POST' && r.path === '/api/file')).toHaveLength(1);
    expect(double.plugboard.count('/api/file/*')).toBe(4);
    await c.close();
  });
});
