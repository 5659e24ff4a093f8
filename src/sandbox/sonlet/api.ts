/**
 * API v2 of the Sonlet sandbox, modelled on Django REST framework with django-oauth-toolkit's
 * OAuth2Authentication: bearer auth, page-number paging, DRF-style validation errors.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SonletImage, SonletItem, SonletItemChoice, SonletPage, SonletSize } from '../../sonlet/types.js';
import { type SandboxContext, field, rawQuery, relativePath } from './context.js';
import { MEDIA_CACHE_CONTROL, MEDIA_CORP } from './media.js';
import type { ImageRecord, ItemRecord, UploadImageSource } from './model.js';

const NOT_PROVIDED = { detail: 'Authentication credentials were not provided.' };
const NOT_FOUND = { detail: 'Not found.' };
const MAX_IDEMPOTENCY_KEY = 128;
const MAX_INT = 2147483647;

interface Principal {
  username: string;
  scope: Set<string>;
}

type FieldErrors = Record<string, string[]>;

/** Matches every API path this sandbox serves, with the methods it allows there. */
const API_ROUTES: { pattern: RegExp; allow: string }[] = [
  { pattern: /^\/api\/v2\/$/, allow: 'GET, HEAD, OPTIONS' },
  { pattern: /^\/api\/v2\/(items|images)\/$/, allow: 'GET, POST, HEAD, OPTIONS' },
  { pattern: /^\/api\/v2\/(itemchoices|sizes)\/$/, allow: 'GET, HEAD, OPTIONS' },
  { pattern: /^\/api\/v2\/(items|images|itemchoices|sizes)\/[^/]+\/$/, allow: 'GET, HEAD, OPTIONS' },
];

export function apiRouteAllow(relPath: string): string | null {
  for (const r of API_ROUTES) if (r.pattern.test(relPath)) return r.allow;
  return null;
}

function isPositiveIntString(value: string): boolean {
  return /^\d+$/.test(value) && Number(value) <= Number.MAX_SAFE_INTEGER;
}

export function registerApiRoutes(app: FastifyInstance, ctx: SandboxContext, prefix: string): void {
  const { store, settings, media } = ctx;
  const principals = new WeakMap<FastifyRequest, Principal>();

  /** DRF + DOT OAuth2Authentication. Sends the 401 itself and answers null when not authenticated. */
  function authenticate(request: FastifyRequest, reply: FastifyReply): Principal | null {
    const header = request.headers.authorization;
    const m = header ? /^bearer(?:\s+(.*))?$/i.exec(header.trim()) : null;
    if (!m) {
      reply.code(401).header('www-authenticate', 'Bearer realm="api"').send(NOT_PROVIDED);
      return null;
    }
    const token = (m[1] ?? '').trim();
    const record = token ? store.accessTokens.get(token) : undefined;
    if (!record) {
      reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="api",error="invalid_token",error_description="The access token is invalid."')
        .send(NOT_PROVIDED);
      return null;
    }
    if (record.expiresAt <= Date.now()) {
      reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="api",error="invalid_token",error_description="The access token has expired."')
        .send(NOT_PROVIDED);
      return null;
    }
    return { username: record.username, scope: new Set(record.scope.split(' ')) };
  }

  /** Route-level onRequest: auth, scope, then (POST) the idempotency key, spent on arrival. */
  async function guard(request: FastifyRequest, reply: FastifyReply) {
    const principal = authenticate(request, reply);
    if (!principal) return reply;
    const safe = request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS';
    if (!principal.scope.has(safe ? 'read' : 'write')) {
      return reply.code(403).send({ detail: 'You do not have permission to perform this action.' });
    }
    if (request.method === 'POST') {
      const raw = request.headers['x-idempotency-key'];
      const key = Array.isArray(raw) ? raw[raw.length - 1] : raw;
      if (key !== undefined && key !== '') {
        if (key.length > MAX_IDEMPOTENCY_KEY) {
          return reply
            .code(400)
            .send({ detail: `X-Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY} characters (got ${key.length}).` });
        }
        if (!store.spendIdempotencyKey(principal.username, key)) {
          return reply.code(403).send({ detail: 'Duplicate request detected.' });
        }
      }
    }
    principals.set(request, principal);
    return undefined;
  }

  function principalOf(request: FastifyRequest): Principal {
    const p = principals.get(request);
    if (!p) throw new Error('unauthenticated request reached a handler');
    return p;
  }

  // ---- serializers ----

  function imageUrls(img: ImageRecord, base: string): { image_full: string; image_thumbnail: string } {
    if (img.source.kind === 'seed') {
      return { image_full: `${base}/media/seed/${img.pk}/full.jpg`, image_thumbnail: `${base}/media/seed/${img.pk}/thumb.jpg` };
    }
    const dir = `${base}/media/uploads/${img.source.slug}`;
    return { image_full: `${dir}/${img.source.fullName}`, image_thumbnail: `${dir}/thumb.jpg` };
  }

  function serializeImage(img: ImageRecord, base: string): SonletImage {
    return { pk: img.pk, ...imageUrls(img, base), created: img.created };
  }

  function serializeItem(item: ItemRecord, base: string): SonletItem {
    const img = item.imageId !== null ? store.images.get(item.imageId) : undefined;
    const urls = img ? imageUrls(img, base) : null;
    return {
      pk: item.pk,
      style: store.styles.get(item.itemchoiceId)?.name ?? '',
      size: store.sizes.get(item.sizeId)?.name ?? '',
      itemchoice_id: item.itemchoiceId,
      size_id: item.sizeId,
      quantity: item.quantity,
      price: item.price,
      wholesale_price: item.wholesalePrice,
      data: { attributes: { ...item.attributes } },
      image: img && urls ? { pk: img.pk, ...urls } : null,
      image_thumbnail: urls ? urls.image_thumbnail : null,
      created: item.created,
    };
  }

  const serializeStyle = (s: SonletItemChoice): SonletItemChoice => ({
    pk: s.pk,
    name: s.name,
    min_advertised_price: s.min_advertised_price,
    wholesale_price: s.wholesale_price,
  });
  const serializeSize = (s: SonletSize): SonletSize => ({ pk: s.pk, name: s.name });

  // ---- paging (DRF PageNumberPagination) ----

  function pageLink(request: FastifyRequest, page: number | null): string {
    const base = ctx.baseUrl(request, prefix);
    const params = new URLSearchParams(rawQuery(request));
    const entries = new Map<string, string[]>();
    for (const [k, v] of params) entries.set(k, [...(entries.get(k) ?? []), v]);
    if (page === null) entries.delete('page');
    else entries.set('page', [String(page)]);
    const out = new URLSearchParams();
    for (const k of [...entries.keys()].sort()) for (const v of entries.get(k) ?? []) out.append(k, v);
    const qs = out.toString();
    return `${base}${relativePath(request, prefix)}${qs ? `?${qs}` : ''}`;
  }

  function paginate<T, R>(request: FastifyRequest, reply: FastifyReply, list: readonly T[], map: (t: T) => R) {
    const raw = field(request.query, 'page') || '1';
    const count = list.length;
    const pages = Math.max(1, Math.ceil(count / settings.pageSize));
    let page: number;
    if (raw === 'last') page = pages;
    else if (/^\s*[+-]?\d+\s*$/.test(raw)) page = Number(raw.trim());
    else return reply.code(404).send({ detail: 'Invalid page.' });
    if (page < 1 || page > pages) return reply.code(404).send({ detail: 'Invalid page.' });
    const start = (page - 1) * settings.pageSize;
    const body: SonletPage<R> = {
      count,
      next: page < pages ? pageLink(request, page + 1) : null,
      previous: page > 1 ? pageLink(request, page === 2 ? null : page - 1) : null,
      results: list.slice(start, start + settings.pageSize).map(map),
    };
    return reply.header('allow', apiRouteAllow(relativePath(request, prefix)) ?? 'GET').header('vary', 'Accept').send(body);
  }

  function detail<R>(reply: FastifyReply, value: R | undefined) {
    if (value === undefined) return reply.code(404).send(NOT_FOUND);
    return reply.header('vary', 'Accept').send(value);
  }

  function pkParam(request: FastifyRequest): number | null {
    const pk = (request.params as { pk?: string }).pk ?? '';
    return isPositiveIntString(pk) ? Number(pk) : null;
  }

  // ---- routes ----

  const guarded = { onRequest: guard };

  app.get('/api/v2/', guarded, async (request, reply) => {
    const base = ctx.baseUrl(request, prefix);
    return reply.send({
      items: `${base}/api/v2/items/`,
      images: `${base}/api/v2/images/`,
      itemchoices: `${base}/api/v2/itemchoices/`,
      sizes: `${base}/api/v2/sizes/`,
    });
  });

  app.get('/api/v2/items/', guarded, async (request, reply) => {
    const { username } = principalOf(request);
    const errors: FieldErrors = {};
    const filters: { key: 'itemchoiceId' | 'sizeId'; value: number }[] = [];
    for (const [param, key] of [
      ['itemchoice_id', 'itemchoiceId'],
      ['size_id', 'sizeId'],
    ] as const) {
      const raw = field(request.query, param);
      if (raw === undefined || raw.trim() === '') continue;
      if (!/^\s*[+-]?\d+(\.0*)?\s*$/.test(raw)) errors[param] = ['Enter a number.'];
      else filters.push({ key, value: Number.parseInt(raw, 10) });
    }
    if (Object.keys(errors).length) return reply.code(400).send(errors);
    let list = store.sellerItems(username);
    if (ctx.faults().listOldestFirst) list = [...list].reverse();
    if (filters.length && !ctx.faults().ignoreItemFilters) list = list.filter((item) => filters.every((f) => item[f.key] === f.value));
    const base = ctx.baseUrl(request, prefix);
    return paginate(request, reply, list, (item) => serializeItem(item, base));
  });

  app.get('/api/v2/items/:pk/', guarded, async (request, reply) => {
    const { username } = principalOf(request);
    const pk = pkParam(request);
    const item = pk === null ? undefined : store.items.get(pk);
    return detail(reply, item && item.owner === username ? serializeItem(item, ctx.baseUrl(request, prefix)) : undefined);
  });

  app.get('/api/v2/images/', guarded, async (request, reply) => {
    const { username } = principalOf(request);
    const base = ctx.baseUrl(request, prefix);
    const images = ctx.faults().listOldestFirst ? [...store.sellerImages(username)].reverse() : store.sellerImages(username);
    return paginate(request, reply, images, (img) => serializeImage(img, base));
  });

  app.get('/api/v2/images/:pk/', guarded, async (request, reply) => {
    const { username } = principalOf(request);
    const pk = pkParam(request);
    const img = pk === null ? undefined : store.images.get(pk);
    return detail(reply, img && img.owner === username ? serializeImage(img, ctx.baseUrl(request, prefix)) : undefined);
  });

  app.get('/api/v2/itemchoices/', guarded, async (request, reply) => {
    return paginate(request, reply, [...store.styles.values()], serializeStyle);
  });

  app.get('/api/v2/itemchoices/:pk/', guarded, async (request, reply) => {
    const pk = pkParam(request);
    const style = pk === null ? undefined : store.styles.get(pk);
    return detail(reply, style ? serializeStyle(style) : undefined);
  });

  app.get('/api/v2/sizes/', guarded, async (request, reply) => {
    return paginate(request, reply, [...store.sizes.values()], serializeSize);
  });

  app.get('/api/v2/sizes/:pk/', guarded, async (request, reply) => {
    const pk = pkParam(request);
    const size = pk === null ? undefined : store.sizes.get(pk);
    return detail(reply, size ? serializeSize(size) : undefined);
  });

  /** After a POST stored its object: maybe drop the connection without answering (fault injection). */
  function committed(request: FastifyRequest, reply: FastifyReply, status: number, body: unknown) {
    if (ctx.dropAfterCommit.has(request.raw)) {
      reply.hijack();
      request.raw.socket?.destroy();
      return reply;
    }
    return reply.code(status).send(body);
  }

  app.post('/api/v2/images/', guarded, async (request, reply) => {
    const { username } = principalOf(request);
    if (!request.isMultipart()) {
      const given = (request.body as Record<string, unknown> | undefined)?.image_full;
      return reply.code(400).send({
        image_full: [
          given !== undefined && given !== ''
            ? 'The submitted data was not a file. Check the encoding type on the form.'
            : 'No file was submitted.',
        ],
      });
    }
    let result: Awaited<ReturnType<typeof media.ingest>> | null = null;
    const parts = request.parts({
      limits: { fileSize: settings.maxUploadBytes, files: 10, fields: 100, parts: 200 },
    });
    for await (const part of parts) {
      if (part.type !== 'file') continue;
      if (part.fieldname === 'image_full' && result === null && part.filename) {
        result = await media.ingest(part.file, settings.maxUploadBytes);
      } else {
        part.file.resume();
        await new Promise<void>((resolve, reject) => {
          part.file.once('end', resolve);
          part.file.once('error', reject);
        });
      }
    }
    if (!result) return reply.code(400).send({ image_full: ['No file was submitted.'] });
    if (!result.ok) return reply.code(400).send({ image_full: [result.message] });
    const img = store.addImage({ owner: username, created: new Date().toISOString(), source: result.source });
    return committed(request, reply, 201, serializeImage(img, ctx.baseUrl(request, prefix)));
  });

  app.post('/api/v2/items/', guarded, async (request, reply) => {
    const { username } = principalOf(request);
    // A slow commit: the key is already spent, the item appears only later (even if the client gave up).
    const commitDelay = ctx.faults().commitDelayMs;
    if (commitDelay > 0) await new Promise((resolve) => setTimeout(resolve, commitDelay));
    let body: Record<string, unknown> = {};
    if (request.isMultipart()) {
      for await (const part of request.parts({ limits: { fileSize: settings.maxUploadBytes, fields: 100 } })) {
        if (part.type === 'file') part.file.resume();
        else if (typeof part.value === 'string') body[part.fieldname] = part.value;
      }
    } else if (request.body && typeof request.body === 'object' && !Array.isArray(request.body)) {
      body = request.body as Record<string, unknown>;
    } else if (request.body !== undefined && request.body !== null) {
      return reply.code(400).send({ non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
    }
    const v = validateItem(body, username);
    if (!v.ok) return reply.code(400).send(v.errors);
    const item = store.addItem({ owner: username, created: new Date().toISOString(), ...v.value });
    return committed(request, reply, 201, serializeItem(item, ctx.baseUrl(request, prefix)));
  });

  function validateItem(
    body: Record<string, unknown>,
    username: string,
  ): { ok: true; value: Omit<ItemRecord, 'pk' | 'owner' | 'created'> } | { ok: false; errors: FieldErrors } {
    const errors: FieldErrors = {};
    const one = (name: string): unknown => {
      const v = body[name];
      return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v[v.length - 1] : v;
    };
    const style = relatedPk(one('itemchoice_id'), 'itemchoice_id', errors, (pk) => store.styles.get(pk));
    const size = relatedPk(one('size_id'), 'size_id', errors, (pk) => store.sizes.get(pk));
    const image = relatedPk(one('image_id'), 'image_id', errors, (pk) => {
      const img = store.images.get(pk);
      return img && img.owner === username ? img : undefined;
    });
    const price = decimal(one('price'), 'price', errors);
    const wholesale = decimal(one('wholesale_price'), 'wholesale_price', errors);
    const quantity = integer(one('quantity'), 'quantity', errors);
    const attributes = itemData(one('data'), errors);
    if (Object.keys(errors).length || !style || !size || !image || attributes === null) return { ok: false, errors };
    return {
      ok: true,
      value: {
        itemchoiceId: style.pk,
        sizeId: size.pk,
        imageId: image.pk,
        quantity: quantity ?? 1,
        price: price ?? style.min_advertised_price,
        wholesalePrice: wholesale ?? style.wholesale_price,
        attributes,
      },
    };
  }

  // ---- media (no auth, like a CDN) ----

  app.get('/media/seed/:pk/:file', async (request, reply) => {
    const { pk, file } = request.params as { pk: string; file: string };
    const img = isPositiveIntString(pk) ? store.images.get(Number(pk)) : undefined;
    if (!img || img.source.kind !== 'seed' || (file !== 'full.jpg' && file !== 'thumb.jpg')) {
      return reply.code(404).send(NOT_FOUND);
    }
    const buf = await media.seedPicture(img.pk, img.source, file === 'full.jpg' ? 'full' : 'thumb');
    return reply
      .header('content-type', 'image/jpeg')
      .header('cache-control', MEDIA_CACHE_CONTROL)
      .header('cross-origin-resource-policy', MEDIA_CORP)
      .send(buf);
  });

  const uploadsBySlug = (slug: string): UploadImageSource | undefined => {
    for (const img of store.images.values()) if (img.source.kind === 'upload' && img.source.slug === slug) return img.source;
    return undefined;
  };

  app.get('/media/uploads/:slug/:file', async (request, reply) => {
    const { slug, file } = request.params as { slug: string; file: string };
    const src = /^[A-Za-z0-9]+$/.test(slug) ? uploadsBySlug(slug) : undefined;
    if (!src || (file !== 'thumb.jpg' && file !== src.fullName)) return reply.code(404).send(NOT_FOUND);
    const type = file === 'thumb.jpg' ? 'image/jpeg' : src.fullType;
    const filePath = media.uploadPath(slug, file);
    const info = await stat(filePath).catch(() => null);
    if (!info?.isFile()) return reply.code(404).send(NOT_FOUND);
    const stream = createReadStream(filePath);
    return reply
      .header('content-type', type)
      .header('content-length', info.size)
      .header('cache-control', MEDIA_CACHE_CONTROL)
      .header('cross-origin-resource-policy', MEDIA_CORP)
      .send(stream);
  });
}

function relatedPk<T>(raw: unknown, name: string, errors: FieldErrors, lookup: (pk: number) => T | undefined): T | undefined {
  if (raw === undefined) {
    errors[name] = ['This field is required.'];
    return undefined;
  }
  if (raw === null || raw === '') {
    errors[name] = ['This field may not be null.'];
    return undefined;
  }
  let pk: number | null = null;
  if (typeof raw === 'number' && Number.isInteger(raw)) pk = raw;
  else if (typeof raw === 'string' && /^\s*\d+\s*$/.test(raw)) pk = Number(raw.trim());
  if (pk === null) {
    const kind =
      typeof raw === 'string' ? 'str' : typeof raw === 'boolean' ? 'bool' : typeof raw === 'number' ? 'float' : Array.isArray(raw) ? 'list' : 'dict';
    errors[name] = [`Incorrect type. Expected pk value, received ${kind}.`];
    return undefined;
  }
  const found = lookup(pk);
  if (found === undefined) errors[name] = [`Invalid pk "${String(raw).trim()}" - object does not exist.`];
  return found;
}

/** DRF DecimalField(max_digits=10, decimal_places=2, min_value=0). Absent or blank: null (use default). */
function decimal(raw: unknown, name: string, errors: FieldErrors): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : typeof raw === 'string' ? raw.trim() : null;
  const m = text === null ? null : /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    errors[name] = ['A valid number is required.'];
    return null;
  }
  const whole = m[2].replace(/^0+(?=\d)/, '') || '0';
  const frac = m[3] ?? '';
  if (frac.length > 2) {
    errors[name] = ['Ensure that there are no more than 2 decimal places.'];
    return null;
  }
  if (whole.length > 8) {
    errors[name] = ['Ensure that there are no more than 8 digits before the decimal point.'];
    return null;
  }
  const negative = m[1] === '-' && /[1-9]/.test(whole + frac);
  if (negative) {
    errors[name] = ['Ensure this value is greater than or equal to 0.'];
    return null;
  }
  return `${whole}.${frac.padEnd(2, '0')}`;
}

/** DRF IntegerField(min_value=0). Absent or blank: null (use default). */
function integer(raw: unknown, name: string, errors: FieldErrors): number | null {
  if (raw === undefined || raw === null || raw === '') return null;
  let n: number | null = null;
  if (typeof raw === 'number' && Number.isInteger(raw)) n = raw;
  else if (typeof raw === 'string' && /^\s*[+-]?\d+(\.0*)?\s*$/.test(raw)) n = Number.parseInt(raw, 10);
  if (n === null || !Number.isSafeInteger(n)) {
    errors[name] = ['A valid integer is required.'];
    return null;
  }
  if (n < 0) {
    errors[name] = ['Ensure this value is greater than or equal to 0.'];
    return null;
  }
  if (n > MAX_INT) {
    errors[name] = [`Ensure this value is less than or equal to ${MAX_INT}.`];
    return null;
  }
  return n;
}

/** The item's `data`: a JSON string (form) or object of the form {"attributes": {"Key": "Value"}}. */
function itemData(raw: unknown, errors: FieldErrors): Record<string, string> | null {
  if (raw === undefined || raw === null || raw === '') return {};
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      errors.data = ['Value must be valid JSON.'];
      return null;
    }
  }
  const shape = 'Expected an object of the form {"attributes": {"Key": "Value", ...}}.';
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    errors.data = [shape];
    return null;
  }
  const attrs = (value as Record<string, unknown>).attributes;
  if (attrs === undefined || attrs === null) return {};
  if (typeof attrs !== 'object' || Array.isArray(attrs)) {
    errors.data = [shape];
    return null;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else {
      errors.data = [`Attribute "${k}" must be a string.`];
      return null;
    }
  }
  return out;
}

