/**
 * The Sonlet client against the hostile double over real HTTP: every answer is capped while it is read, every
 * exchange has a deadline, no redirect is followed, every walk of `next` links ends, and links and related
 * objects are read however Sonlet shapes them. Figures are printed for the report (nothing here is timed).
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHostileProvider, type HostileProvider } from './support/hostile-provider.js';
import { connectedSeller, sonletOnDouble, type SonletOnDouble } from './support/sonlet-on-double.js';
import { DomainError } from '../src/errors.js';
import { WalkStoppedError } from '../src/sonlet/paging.js';
import { AbandonedError, AnswerTooLargeError } from '../src/sonlet/http.js';
import type { SonletApi } from '../src/sonlet/api-client.js';

let double: HostileProvider;
let sonlet: SonletOnDouble;
let api: SonletApi;

beforeAll(async () => {
  double = await startHostileProvider();
  sonlet = sonletOnDouble(double, { timeoutMs: 1500, maxWalkPages: 500 });
  api = sonlet.apiFor(await connectedSeller(sonlet, double, 'walker'));
});
afterAll(async () => {
  await sonlet.http.close();
  await sonlet.prisma.$disconnect();
  await double.close();
});
beforeEach(() => {
  double.sonlet.off();
  double.resetCounts();
});

async function walkAll(signal?: AbortSignal): Promise<number> {
  let items = 0;
  for await (const page of api.walkItems({}, { signal })) items += page.length;
  return items;
}

const kindOf = (err: unknown) => (err instanceof DomainError ? err.kind : String(err));

describe('answers are capped while they are read', () => {
  it('a 300 MB answer is cut at the cap: a clear provider error, and the double saw the connection go', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'huge-body' });
    const err = await api.listItems().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnswerTooLargeError);
    expect((err as Error).message).toMatch(/larger than 4 MB/);
    await until(() => double.abandoned.length === 1);
    // What left the double before the socket closed: the cap plus what the socket buffers held.
    expect(double.abandoned[0].bytesSent).toBeLessThan(32 * 1024 * 1024);
    console.log(`[figures] 300 MB answer: the double had sent ${(double.abandoned[0].bytesSent / 1048576).toFixed(1)} MB when the console cut it`);
  });

  it('an answer that says it is too large is refused before it is read', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'huge-body', declareLength: true });
    await expect(api.listItems()).rejects.toBeInstanceOf(AnswerTooLargeError);
    await until(() => double.abandoned.length === 1);
    expect(double.abandoned[0].bytesSent).toBeLessThan(8 * 1024 * 1024);
  });

  it('a media read past the photo limit gives no digest and is cut', async () => {
    double.sonlet.on('/media/*', { kind: 'huge-body', contentType: 'image/jpeg' });
    expect(await api.mediaDigest(double.sonlet.mediaUrl(5001))).toBeNull();
    await until(() => double.abandoned.length === 1);
    double.sonlet.off();
    expect(await api.mediaDigest(double.sonlet.mediaUrl(5001))).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('every exchange has a deadline', () => {
  it('an answer dripping one byte a second is abandoned at the deadline', async () => {
    double.sonlet.on('/api/v2/sizes/', { kind: 'drip' });
    const started = Date.now();
    const err = await api.listAllSizes().catch((e: unknown) => e);
    expect(kindOf(err)).toBe('provider-timeout');
    await until(() => double.abandoned.length === 1);
    expect(double.abandoned[0].bytesSent).toBeLessThan(10);
    console.log(`[figures] dripping answer abandoned after ${Date.now() - started} ms (SONLET_TIMEOUT_MS=1500)`);
  });

  it('a seller who stops waiting stops the walk: no further page is asked for', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'endless-next' });
    const gone = new AbortController();
    let pages = 0;
    const err = await (async () => {
      for await (const page of api.walkItems({}, { signal: gone.signal })) {
        expect(page).toHaveLength(20);
        if (++pages === 2) gone.abort();
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbandonedError);
    expect(double.sonlet.count('/api/v2/items/')).toBe(2);
  });
});

describe('no redirect is followed and odd answers are read or refused clearly', () => {
  it('a redirect to another host is refused; the bearer token never goes there', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'redirect-other-host' });
    const err = await api.listItems().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/redirect \(302\)/);
    double.sonlet.on('/api/v2/items/', { kind: 'redirect-other-host', status: 307 });
    await expect(api.createItem({ itemchoiceId: 101, sizeId: 201, imageId: 5001, quantity: 1, price: null, attributes: {} }, 'k-1')).rejects.toBeInstanceOf(DomainError);
    expect(double.otherHost.count()).toBe(0);
  });

  it('JSON under the wrong content type is read; an HTML page under application/json is a clear error', async () => {
    double.sonlet.on('/api/v2/sizes/', { kind: 'wrong-content-type', contentType: 'text/html; charset=utf-8' });
    expect(await api.listAllSizes()).toHaveLength(5);
    double.sonlet.on('/api/v2/sizes/', { kind: 'wrong-content-type', htmlBody: true });
    await expect(api.listAllSizes()).rejects.toThrow(/could not read/);
  });

  it('HTML in JSON fields stays text (pages escape it); script URLs never get through', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'html-in-json' });
    const page = await api.listItems();
    expect(page.results[0].style).toContain('<script>');
    expect(page.results[0].image_thumbnail).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sonlet\/media\//);
  });
});

describe('walks of next links end', () => {
  it('a self-referencing next stops after one request', async () => {
    double.sonlet.on('/api/v2/sizes/', { kind: 'self-next' });
    const err = await api.listAllSizes().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalkStoppedError);
    expect((err as WalkStoppedError).reason).toBe('repeat');
    expect(double.sonlet.count('/api/v2/sizes/')).toBe(1);
  });

  it('count=5,000,000 sizes nothing: the walk reads the 3 real pages and ends', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'absurd-count' });
    expect(await walkAll()).toBe(45);
    expect(double.sonlet.count('/api/v2/items/')).toBe(3);
    const page = await api.listItems({ page: 2 });
    expect(page.count).toBe(5_000_000);
  });

  it('endless next links stop at the ceiling count promised (2 pages + 2 of slack), or at the absolute one', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'endless-next', count: 40 });
    await expect(walkAll()).rejects.toThrow(/longer than it said/);
    expect(double.sonlet.count('/api/v2/items/')).toBe(4);

    double.resetCounts();
    double.sonlet.on('/api/v2/items/', { kind: 'endless-next', count: 5_000_000 });
    await expect(walkAll()).rejects.toThrow(/more than 500 pages/);
    expect(double.sonlet.count('/api/v2/items/')).toBe(500);
  });

  it('relative next links are followed to the end', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'relative-next' });
    expect(await walkAll()).toBe(45);
    expect(double.sonlet.count('/api/v2/items/')).toBe(3);
  });
});

describe('page jumps use the shape of Sonlet’s own links', () => {
  it('a Sonlet paging by limit/offset is asked for page 3 as offset=40, in one request once the shape is known', async () => {
    const fresh = sonletOnDouble(double, {}, sonlet);
    const offsetApi = fresh.apiFor(await connectedSeller(fresh, double, 'offsets'));
    double.sonlet.setItemCount('offsets', 300);
    double.sonlet.on('/api/v2/items/', { kind: 'offset-paging' });
    double.resetCounts();
    const third = await offsetApi.listItems({ page: 3 });
    expect(third.results).toHaveLength(20);
    expect(third.results[0].pk).toBe(1000 + 300 - 40);
    // Not known yet: page 1 taught the shape, then page 3 was asked for in it.
    expect(double.requests.map((r) => r.search)).toEqual(['', '?limit=20&offset=40']);
    double.resetCounts();
    const second = await offsetApi.listItems({ page: 2, itemchoiceId: 102 });
    expect(second.results.every((item) => item.itemchoice_id === 102)).toBe(true);
    expect(double.requests.map((r) => new URLSearchParams(r.search).get('offset'))).toEqual(['20']);
    await fresh.http.close();
  });

  it('items naming style, size and image by pk or nested are read alike', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'related', as: 'pk' });
    const plain = (await api.listItems()).results[0];
    double.sonlet.on('/api/v2/items/', { kind: 'related', as: 'nested' });
    const nested = (await api.listItems()).results[0];
    expect(plain).toMatchObject({ pk: nested.pk, itemchoice_id: nested.itemchoice_id, size_id: nested.size_id, image: { pk: nested.image!.pk } });
    expect(nested.style).not.toBe('');
  });
});

describe('photo uploads stream from a body source', () => {
  it('sends the photo as multipart image_full, opening the source once per attempt', async () => {
    let opened = 0;
    const bytes = 3 * 1024 * 1024 + 17;
    const source = {
      bytes,
      contentType: 'image/jpeg',
      filename: 'dress "1".jpg',
      open: () => {
        opened++;
        return Readable.from((function* () {
          for (let sent = 0; sent < bytes; sent += 65536) yield Buffer.alloc(Math.min(65536, bytes - sent), 7);
        })());
      },
    };
    const image = await api.createImage(source, 'photo-key-1');
    expect(image.pk).toBeGreaterThan(0);
    expect(opened).toBe(1);
    const posted = double.requests.find((r) => r.path === '/api/v2/images/');
    expect(posted?.method).toBe('POST');
  });

  it('a source that streams fewer bytes than it said fails cleanly instead of hanging', async () => {
    const short = { bytes: 1000, contentType: 'image/jpeg', filename: 'x.jpg', open: () => Readable.from([Buffer.alloc(500)]) };
    await expect(api.createImage(short, 'photo-key-2')).rejects.toBeInstanceOf(DomainError);
  });
});

async function until(ok: () => boolean) {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(ok()).toBe(true);
}
