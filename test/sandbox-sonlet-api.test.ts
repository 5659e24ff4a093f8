import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSonletSandbox } from '../src/sandbox/sonlet/index.js';
import {
  CONSOLE_CLIENT,
  type Image as SonletImage,
  type Item as SonletItem,
  type ItemChoice as SonletItemChoice,
  type Page as SonletPage,
  type Size as SonletSize,
  type StartedSandbox,
  type TokenSet,
  bearer,
  getTokens,
  startTestSandbox,
} from './support/sonlet-sandbox.js';

let sb: StartedSandbox;
let base: string;
let demo: TokenSet;
let demo2: TokenSet;

beforeAll(async () => {
  sb = await startTestSandbox();
  base = sb.url;
  [demo, demo2] = await Promise.all([getTokens(base, 'demo'), getTokens(base, 'demo2')]);
});

afterAll(async () => {
  await sb?.close();
});

const get = (p: string, token = demo.access_token) => fetch(p.startsWith('http') ? p : `${base}${p}`, { headers: bearer(token) });
const getJson = async <T>(p: string, token?: string): Promise<{ status: number; body: T }> => {
  const res = await get(p, token);
  return { status: res.status, body: (await res.json()) as T };
};

async function jpeg(width = 640, height = 480): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3366cc' } })
    .jpeg()
    .toBuffer();
}

function uploadForm(buf: Buffer, name = 'photo.jpg', field = 'image_full'): FormData {
  const fd = new FormData();
  fd.append(field, new Blob([new Uint8Array(buf)], { type: 'image/jpeg' }), name);
  return fd;
}

const postImage = (fd: FormData, token = demo.access_token, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/v2/images/`, { method: 'POST', body: fd, headers: { ...bearer(token), ...headers } });

const postItem = (data: Record<string, unknown>, token = demo.access_token, headers: Record<string, string> = {}, asJson = false) =>
  fetch(`${base}/api/v2/items/`, {
    method: 'POST',
    body: asJson ? JSON.stringify(data) : new URLSearchParams(data as Record<string, string>).toString(),
    headers: {
      ...bearer(token),
      'content-type': asJson ? 'application/json' : 'application/x-www-form-urlencoded',
      ...headers,
    },
  });

describe('bearer authentication', () => {
  it('answers 401 with the DRF body and WWW-Authenticate for missing, unknown and expired tokens', async () => {
    let res = await fetch(`${base}/api/v2/items/`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(await res.json()).toEqual({ detail: 'Authentication credentials were not provided.' });

    res = await get('/api/v2/items/', 'not-a-token');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api",error="invalid_token",error_description="The access token is invalid."',
    );
    expect(await res.json()).toEqual({ detail: 'Authentication credentials were not provided.' });

    const t = await getTokens(base, 'demo');
    expect((await get('/api/v2/sizes/', t.access_token)).status).toBe(200);
    sb.sandbox.expireAccessTokens();
    res = await get('/api/v2/sizes/', t.access_token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api",error="invalid_token",error_description="The access token has expired."',
    );
    expect(await res.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    // fresh tokens for the rest of the file
    [demo, demo2] = await Promise.all([getTokens(base, 'demo'), getTokens(base, 'demo2')]);
  });
});

describe('paging', () => {
  it('pages /items/ like DRF: first, middle, last', async () => {
    const first = await getJson<SonletPage<SonletItem>>('/api/v2/items/');
    expect(first.status).toBe(200);
    expect(first.body.count).toBe(320);
    expect(first.body.results).toHaveLength(20);
    expect(first.body.previous).toBeNull();
    expect(first.body.next).toBe(`${base}/api/v2/items/?page=2`);

    const second = await getJson<SonletPage<SonletItem>>(first.body.next ?? '');
    expect(second.body.previous).toBe(`${base}/api/v2/items/`);
    expect(second.body.next).toBe(`${base}/api/v2/items/?page=3`);

    const middle = await getJson<SonletPage<SonletItem>>('/api/v2/items/?page=8');
    expect(middle.body.previous).toBe(`${base}/api/v2/items/?page=7`);
    expect(middle.body.next).toBe(`${base}/api/v2/items/?page=9`);

    const last = await getJson<SonletPage<SonletItem>>('/api/v2/items/?page=16');
    expect(last.status).toBe(200);
    expect(last.body.results).toHaveLength(20);
    expect(last.body.next).toBeNull();

    // newest first, no duplicates across pages
    const all = [...first.body.results, ...second.body.results];
    for (let i = 1; i < all.length; i++) {
      const a = all[i - 1];
      const b = all[i];
      expect(a.created > b.created || (a.created === b.created && a.pk > b.pk)).toBe(true);
    }
  });

  it('answers 404 Invalid page. for page 0, beyond the last and non-numeric', async () => {
    for (const p of ['0', '17', 'abc', '-1', '2.5']) {
      const res = await getJson<unknown>(`/api/v2/items/?page=${p}`);
      expect(res.status, p).toBe(404);
      expect(res.body).toEqual({ detail: 'Invalid page.' });
    }
  });

  it('pages the shared catalog', async () => {
    const styles = await getJson<SonletPage<SonletItemChoice>>('/api/v2/itemchoices/');
    expect(styles.body.count).toBeGreaterThanOrEqual(28);
    expect(styles.body.results[0]).toEqual({ pk: 1, name: 'Amelia', min_advertised_price: '65.00', wholesale_price: '29.00' });
    for (const s of styles.body.results) expect(s.min_advertised_price).toMatch(/^\d+\.\d{2}$/);
    const sizes = await getJson<SonletPage<SonletSize>>('/api/v2/sizes/');
    expect(sizes.body.count).toBeGreaterThanOrEqual(10);
    expect(sizes.body.next).toBeNull();
    expect(sizes.body.results.map((s) => s.name)).toContain('XL');
    expect((await getJson<SonletSize>('/api/v2/sizes/4/')).body).toEqual({ pk: 4, name: 'M' });
    expect((await getJson<SonletItemChoice>('/api/v2/itemchoices/3/')).body.name).toBe('Irma');
    expect((await getJson<unknown>('/api/v2/sizes/999/')).status).toBe(404);
  });

  it('filters items by itemchoice_id and size_id; count and next keep the filter', async () => {
    const res = await getJson<SonletPage<SonletItem>>('/api/v2/items/?itemchoice_id=3');
    expect(res.status).toBe(200);
    expect(res.body.count).toBeGreaterThan(0);
    expect(res.body.count).toBeLessThan(320);
    for (const item of res.body.results) expect(item.itemchoice_id).toBe(3);

    const bySize = await getJson<SonletPage<SonletItem>>('/api/v2/items/?size_id=4');
    expect(bySize.body.count).toBeGreaterThan(20);
    expect(bySize.body.next).toBe(`${base}/api/v2/items/?page=2&size_id=4`);
    const page2 = await getJson<SonletPage<SonletItem>>(bySize.body.next ?? '');
    expect(page2.body.previous).toBe(`${base}/api/v2/items/?size_id=4`);
    for (const item of [...bySize.body.results, ...page2.body.results]) expect(item.size_id).toBe(4);

    const both = await getJson<SonletPage<SonletItem>>('/api/v2/items/?size_id=4&itemchoice_id=3');
    for (const item of both.body.results) expect([item.size_id, item.itemchoice_id]).toEqual([4, 3]);
    expect((await getJson<SonletPage<SonletItem>>('/api/v2/items/?size_id=12345')).body.count).toBe(0);
    expect((await getJson<unknown>('/api/v2/items/?size_id=abc')).status).toBe(400);
  });
});

describe('details and seller isolation', () => {
  it('answers item and image details; another seller’s pk and unknown pks are 404', async () => {
    const page = await getJson<SonletPage<SonletItem>>('/api/v2/items/');
    const item = page.body.results[0];
    expect(item.price).toMatch(/^\d+\.\d{2}$/);
    expect(Object.keys(item.data.attributes).sort()).toEqual(['Collection', 'Color', 'Pattern']);
    const detail = await getJson<SonletItem>(`/api/v2/items/${item.pk}/`);
    expect(detail.body).toEqual(item);

    const image = await getJson<SonletImage>(`/api/v2/images/${item.image?.pk}/`);
    expect(image.status).toBe(200);
    expect(image.body.image_thumbnail).toBe(item.image_thumbnail);

    for (const p of [`/api/v2/items/${item.pk}/`, `/api/v2/images/${item.image?.pk}/`]) {
      const other = await getJson<unknown>(p, demo2.access_token);
      expect(other.status).toBe(404);
      expect(other.body).toEqual({ detail: 'Not found.' });
    }
    for (const p of ['/api/v2/items/999999999/', '/api/v2/items/abc/', '/api/v2/nothing/']) {
      const res = await getJson<unknown>(p);
      expect(res.status, p).toBe(404);
      expect(res.body).toEqual({ detail: 'Not found.' });
    }
  });

  it('demo2 sees only its 7 items and images', async () => {
    const items = await getJson<SonletPage<SonletItem>>('/api/v2/items/', demo2.access_token);
    expect(items.body.count).toBe(7);
    expect(items.body.next).toBeNull();
    const images = await getJson<SonletPage<SonletImage>>('/api/v2/images/', demo2.access_token);
    expect(images.body.count).toBeGreaterThanOrEqual(7);
  });

  it('serves real JPEG pictures without auth, with a real smaller thumbnail', async () => {
    const page = await getJson<SonletPage<SonletItem>>('/api/v2/items/', demo2.access_token);
    const item = page.body.results[0];
    const full = await fetch(item.image?.image_full ?? '');
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('image/jpeg');
    expect(full.headers.get('cache-control')).toMatch(/max-age=\d{6,}/);
    const fullMeta = await sharp(Buffer.from(await full.arrayBuffer())).metadata();
    const thumb = await fetch(item.image_thumbnail ?? '');
    const thumbMeta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect([fullMeta.format, fullMeta.width, fullMeta.height]).toEqual(['jpeg', 800, 1000]);
    expect([thumbMeta.format, thumbMeta.width, thumbMeta.height]).toEqual(['jpeg', 200, 250]);
  });

  it('answers 301 to the same URL with "/" appended, query kept, for any method (Django APPEND_SLASH); 405 for other methods', async () => {
    const res = await fetch(`${base}/api/v2/items?page=2&size_id=4`, { headers: bearer(demo.access_token), redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/api/v2/items/?page=2&size_id=4');
    const before = (await getJson<SonletPage<SonletItem>>('/api/v2/items/')).body.count;
    const post = await fetch(`${base}/api/v2/items`, { method: 'POST', headers: { ...bearer(demo.access_token), 'content-type': 'application/json' }, body: '{}', redirect: 'manual' });
    expect(post.status).toBe(301);
    expect(post.headers.get('location')).toBe('/api/v2/items/');
    expect((await getJson<SonletPage<SonletItem>>('/api/v2/items/')).body.count).toBe(before);
    for (const [path, to] of [['/api/v2/items/12', '/api/v2/items/12/'], ['/api/v2/sizes', '/api/v2/sizes/'], ['/api/v2', '/api/v2/'], ['/o/token', '/o/token/'], ['/o/authorize?client_id=x', '/o/authorize/?client_id=x'], ['/api/v2/schema', '/api/v2/schema/']]) {
      const r = await fetch(`${base}${path}`, { redirect: 'manual' });
      expect({ path, status: r.status, location: r.headers.get('location') }).toEqual({ path, status: 301, location: to });
    }
    expect((await fetch(`${base}/api/v2/nothing`, { redirect: 'manual' })).status).toBe(404);
    const del = await fetch(`${base}/api/v2/items/1/`, { method: 'DELETE', headers: bearer(demo.access_token) });
    expect(del.status).toBe(405);
    expect(await del.json()).toEqual({ detail: 'Method "DELETE" not allowed.' });
  });
});

describe('creating images and items', () => {
  it('POST /images/ then /items/ (form-encoded) creates them with 200, as the reference checks; the new item comes first', async () => {
    const imgRes = await postImage(uploadForm(await jpeg()));
    expect(imgRes.status).toBe(200);
    const img = (await imgRes.json()) as SonletImage;
    expect(Object.keys(img).sort()).toEqual(['created', 'image_full', 'image_thumbnail', 'pk']);
    const thumb = await fetch(img.image_thumbnail);
    expect(thumb.status).toBe(200);
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(meta.width).toBeLessThanOrEqual(200);
    expect((await fetch(img.image_full)).status).toBe(200);

    const itemRes = await postItem({
      itemchoice_id: '3',
      size_id: '4',
      image_id: String(img.pk),
      quantity: '4',
      data: JSON.stringify({ attributes: { Color: 'Red', Collection: 'Elegant' } }),
    });
    expect(itemRes.status).toBe(200);
    const item = (await itemRes.json()) as SonletItem;
    expect(item).toMatchObject({
      style: 'Irma',
      size: 'M',
      itemchoice_id: 3,
      size_id: 4,
      quantity: 4,
      price: '35.00',
      wholesale_price: '15.00',
      data: { attributes: { Color: 'Red', Collection: 'Elegant' } },
      image: { pk: img.pk, image_full: img.image_full, image_thumbnail: img.image_thumbnail },
      image_thumbnail: img.image_thumbnail,
    });
    expect(typeof item.pk).toBe('number');
    const list = await getJson<SonletPage<SonletItem>>('/api/v2/items/');
    expect(list.body.count).toBe(321);
    expect(list.body.results[0].pk).toBe(item.pk);
    expect((await getJson<SonletItem>(`/api/v2/items/${item.pk}/`)).body).toEqual(item);
    // not visible to the other seller
    expect((await getJson<unknown>(`/api/v2/items/${item.pk}/`, demo2.access_token)).status).toBe(404);
  });

  it('accepts JSON with explicit price, wholesale_price and a data object', async () => {
    const img = (await (await postImage(uploadForm(await jpeg(300, 300)), demo2.access_token)).json()) as SonletImage;
    const res = await postItem(
      { itemchoice_id: 1, size_id: 9, image_id: img.pk, price: '70', wholesale_price: 30.5, data: { attributes: { Color: 'Navy' } } },
      demo2.access_token,
      {},
      true,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ price: '70.00', wholesale_price: '30.50', quantity: 1, data: { attributes: { Color: 'Navy' } } });
  });

  it('answers DRF-style validation errors', async () => {
    let res = await postItem({});
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      itemchoice_id: ['This field is required.'],
      size_id: ['This field is required.'],
      image_id: ['This field is required.'],
    });

    // demo2's image is "does not exist" for demo
    const foreign = (await getJson<SonletPage<SonletImage>>('/api/v2/images/', demo2.access_token)).body.results[0];
    res = await postItem({ itemchoice_id: '99', size_id: 'x', image_id: String(foreign.pk), price: 'abc', quantity: '-1', data: '{nope' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      itemchoice_id: ['Invalid pk "99" - object does not exist.'],
      size_id: ['Incorrect type. Expected pk value, received str.'],
      image_id: [`Invalid pk "${foreign.pk}" - object does not exist.`],
      price: ['A valid number is required.'],
      quantity: ['Ensure this value is greater than or equal to 0.'],
      data: ['Value must be valid JSON.'],
    });

    res = await postImage(new FormData());
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ image_full: ['No file was submitted.'] });

    res = await postImage(uploadForm(Buffer.from('definitely not a picture'), 'fake.jpg'));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      image_full: ['Upload a valid image. The file you uploaded was either not an image or a corrupted image.'],
    });
    res = await postImage(uploadForm(await jpeg(), 'a.jpg', 'other_field'));
    expect(await res.json()).toEqual({ image_full: ['No file was submitted.'] });
  });

  it('enforces X-Idempotency-Key: a repeat answers 403 and creates nothing; >128 chars is 400', async () => {
    const img = (await (await postImage(uploadForm(await jpeg()))).json()) as SonletImage;
    const data = { itemchoice_id: '5', size_id: '3', image_id: String(img.pk) };
    const key = { 'x-idempotency-key': `pizza-${Date.now()}` };
    const before = (await getJson<SonletPage<SonletItem>>('/api/v2/items/')).body.count;
    const first = await postItem(data, demo.access_token, key);
    expect(first.status).toBe(200);
    const again = await postItem(data, demo.access_token, key);
    expect(again.status).toBe(403);
    expect(await again.json()).toEqual({ detail: 'Duplicate request detected.' });
    expect((await getJson<SonletPage<SonletItem>>('/api/v2/items/')).body.count).toBe(before + 1);

    // keys are per user
    const img2 = (await (await postImage(uploadForm(await jpeg()), demo2.access_token)).json()) as SonletImage;
    expect((await postItem({ ...data, image_id: String(img2.pk) }, demo2.access_token, key)).status).toBe(200);

    // a failed request still spends its key
    const spent = { 'x-idempotency-key': `bad-${Date.now()}` };
    expect((await postItem({}, demo.access_token, spent)).status).toBe(400);
    expect((await postItem(data, demo.access_token, spent)).status).toBe(403);

    // images too
    const imgKey = { 'x-idempotency-key': `img-${Date.now()}` };
    expect((await postImage(uploadForm(await jpeg()), demo.access_token, imgKey)).status).toBe(200);
    expect((await postImage(uploadForm(await jpeg()), demo.access_token, imgKey)).status).toBe(403);

    const long = await postItem(data, demo.access_token, { 'x-idempotency-key': 'k'.repeat(129) });
    expect(long.status).toBe(400);
    expect(await long.json()).toHaveProperty('detail');
    expect((await postItem(data, demo.access_token, { 'x-idempotency-key': 'k'.repeat(128) })).status).toBe(200);
  });
});

describe('faults', () => {
  it('drop-after-commit: the client sees a socket error, yet the item exists', async () => {
    const img = (await (await postImage(uploadForm(await jpeg()), demo2.access_token)).json()) as SonletImage;
    const before = (await getJson<SonletPage<SonletItem>>('/api/v2/items/', demo2.access_token)).body.count;
    const key = { 'x-idempotency-key': `drop-${Date.now()}` };
    sb.sandbox.faults.dropAfterCommitRate = 1;
    let error: unknown = null;
    try {
      await postItem({ itemchoice_id: '2', size_id: '5', image_id: String(img.pk) }, demo2.access_token, key);
    } catch (err) {
      error = err;
    } finally {
      sb.sandbox.faults.dropAfterCommitRate = 0;
    }
    expect(error).toBeInstanceOf(TypeError);
    const after = await getJson<SonletPage<SonletItem>>('/api/v2/items/', demo2.access_token);
    expect(after.body.count).toBe(before + 1);
    expect(after.body.results[0]).toMatchObject({ itemchoice_id: 2, size_id: 5, image: { pk: img.pk } });
    // the retry with the same key is refused, so no duplicate
    const retry = await postItem({ itemchoice_id: '2', size_id: '5', image_id: String(img.pk) }, demo2.access_token, key);
    expect(retry.status).toBe(403);
  });

  it('errorRate=1 answers 5xx, unavailable answers 503, latency delays; stats count on arrival', async () => {
    sb.sandbox.resetStats();
    sb.sandbox.faults.errorRate = 1;
    try {
      for (let i = 0; i < 4; i++) {
        const res = await get('/api/v2/items/');
        expect([500, 502]).toContain(res.status);
        expect(await res.json()).toHaveProperty('detail');
      }
    } finally {
      sb.sandbox.faults.errorRate = 0;
    }
    expect(sb.sandbox.stats.apiRequests).toBe(4);
    expect(sb.sandbox.stats.byPath.get('/api/v2/items/')).toBe(4);

    sb.sandbox.faults.unavailable = true;
    try {
      const res = await get('/api/v2/sizes/');
      expect(res.status).toBe(503);
      expect((await fetch(`${base}/o/authorize/`)).status).toBe(503);
    } finally {
      sb.sandbox.faults.unavailable = false;
    }

    sb.sandbox.faults.latencyMs = 150;
    try {
      const t0 = Date.now();
      expect((await get('/api/v2/sizes/')).status).toBe(200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    } finally {
      sb.sandbox.faults.latencyMs = 0;
    }
  });
});

describe('mounting and persistence', () => {
  it('registers under a prefix next to a parent with cookie, formbody, multipart and helmet', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'sonlet-sandbox-test-'));
    try {
      const sandbox = await createSonletSandbox({ clients: [CONSOLE_CLIENT], dataDir });
      const app = Fastify();
      await app.register(cookie);
      await app.register(formbody);
      await app.register(multipart);
      await app.register(helmet);
      app.setNotFoundHandler((_req, reply) => reply.code(404).type('text/html').send('<h1>console 404</h1>'));
      await app.register(sandbox.plugin, { prefix: '/sandbox/sonlet' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      const root = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const sbBase = `${root}/sandbox/sonlet`;
      sandbox.setPublicUrl(sbBase);

      const tokens = await getTokens(sbBase, 'demo2');
      const list = await getJson<SonletPage<SonletItem>>(`${sbBase}/api/v2/items/`, tokens.access_token);
      expect(list.body.count).toBe(7);
      expect(list.body.results[0].image_thumbnail?.startsWith(`${sbBase}/media/`)).toBe(true);
      const notFound = await fetch(`${sbBase}/api/v2/whatever/`);
      expect(await notFound.json()).toEqual({ detail: 'Not found.' });
      const css = await fetch(`${sbBase}/static/sandbox.css`);
      expect(css.headers.get('content-type')).toMatch(/text\/css/);

      const fd = uploadForm(await jpeg());
      const up = await fetch(`${sbBase}/api/v2/images/`, { method: 'POST', body: fd, headers: bearer(tokens.access_token) });
      expect(up.status).toBe(200);
      const img = (await up.json()) as SonletImage;
      const created = await fetch(`${sbBase}/api/v2/items/`, {
        method: 'POST',
        headers: { ...bearer(tokens.access_token), 'content-type': 'application/json' },
        body: JSON.stringify({ itemchoice_id: 4, size_id: 3, image_id: img.pk }),
      });
      expect(created.status).toBe(200);
      const item = (await created.json()) as SonletItem;
      await app.close();
      await sandbox.close();

      // Sandbox state holds tokens and photos: files 0600 in folders 0700.
      const modes = await Promise.all(
        [dataDir, path.join(dataDir, 'state.json'), path.join(dataDir, 'uploads'), img.image_thumbnail.replace(`${sbBase}/media`, dataDir)].map(async (p) => (await stat(p)).mode & 0o777),
      );
      expect(modes).toEqual([0o700, 0o600, 0o700, 0o600]);

      // restart from the same dataDir: token, item and uploaded file survive
      const again = await startTestSandbox({ dataDir, publicUrl: sbBase });
      try {
        again.sandbox.setPublicUrl(again.url);
        const res = await getJson<SonletItem>(`${again.url}/api/v2/items/${item.pk}/`, tokens.access_token);
        expect(res.status).toBe(200);
        expect(res.body.image?.pk).toBe(img.pk);
        expect((await fetch(res.body.image_thumbnail ?? '')).status).toBe(200);
        expect((await getJson<SonletPage<SonletItem>>(`${again.url}/api/v2/items/`, tokens.access_token)).body.count).toBe(8);
      } finally {
        await again.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
