/**
 * What the hostile double answers when it is being honest, written from the providers' reference docs
 * (`../shared/reference/*.txt`): Sonlet's authorization-code flow, token and revocation endpoints and paged API
 * v2, and Plugboard's API root, products, files and orders. Paging misbehaviours (`next` links, `count`, item
 * shapes) are applied here because they change the answer itself; the rest is in hostile-provider.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Misbehaviour } from './hostile-provider.js';

export interface Answer {
  status: number;
  json?: unknown;
  /** A body sent as is (instead of `json`). */
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

interface TokenRecord {
  user: string;
  expired: boolean;
  revoked: boolean;
  /** For a refresh token: the access token issued with it. */
  access?: string;
}

export interface RoleState {
  sonletUrl: string;
  plugboardUrl: string;
  clientId: string;
  clientSecret: string;
  codes: Map<string, { user: string; redirectUri: string; challenge: string | null }>;
  accessTokens: Map<string, TokenRecord>;
  refreshTokens: Map<string, TokenRecord>;
  revoked: string[];
  itemCounts: Map<string, number>;
  refreshRefusal: { status: number; body: unknown } | null;
  plugboard: { tenant: string; connectionId: string; username: string; password: string };
  products: Map<string, Record<string, unknown>>;
  files: Map<string, Record<string, unknown>>;
}

export interface Call {
  method: string;
  /** Path inside the role. */
  path: string;
  url: URL;
  user: string | null;
  body: Buffer;
  headers: IncomingHttpHeaders;
  behaviour: Misbehaviour | null;
}

export interface Role {
  userOf(state: RoleState, req: IncomingMessage): string | null;
  answer(state: RoleState, call: Call): Answer;
}

const PAGE_SIZE = 20;
const STYLES = ['Amelia', 'Carly', 'Irma', 'Julia', 'Randy'].map((name, i) => ({ pk: 101 + i, name }));
const SIZES = ['XS', 'S', 'M', 'L', 'XL'].map((name, i) => ({ pk: 201 + i, name }));
const json = (status: number, body: unknown): Answer => ({ status, json: body });
const NOT_FOUND = json(404, { detail: 'Not found.' });
let sellers = 0;

// ---- Sonlet ----

export const sonletRole: Role = {
  userOf(state, req) {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const record = token ? state.accessTokens.get(token) : undefined;
    return record && !record.expired && !record.revoked ? record.user : null;
  },

  answer(state, call) {
    const { method, path } = call;
    if (path === '/o/authorize/' && method === 'GET') return authorize(state, call.url);
    if (path === '/o/token/' && method === 'POST') return token(state, call);
    if (path === '/o/revoke_token/' && method === 'POST') return revoke(state, call);
    const media = /^\/media\/(\d+)\.jpg$/.exec(path);
    if (media && method === 'GET') return { status: 200, raw: createHash('sha256').update(`media-${media[1]}`).digest(), contentType: 'image/jpeg' };
    if (!path.startsWith('/api/v2/')) return NOT_FOUND;
    if (!call.user) return json(401, { detail: 'Authentication credentials were not provided.' });
    return api(state, call, call.user);
  },
};

function authorize(state: RoleState, url: URL): Answer {
  const q = url.searchParams;
  const redirectUri = q.get('redirect_uri');
  if (q.get('client_id') !== state.clientId || !redirectUri) return json(400, { error: 'invalid_request' });
  if (q.get('response_type') !== 'code') return json(400, { error: 'unsupported_response_type' });
  // No sign-in page: the seller is whoever the test says (`as`), else a new one.
  const user = q.get('as') ?? `seller-${++sellers}`;
  const code = randomBytes(16).toString('hex');
  state.codes.set(code, { user, redirectUri, challenge: q.get('code_challenge') });
  const target = new URL(redirectUri);
  target.searchParams.set('code', code);
  if (q.get('state') !== null) target.searchParams.set('state', q.get('state')!);
  return { status: 302, headers: { location: target.toString() } };
}

function formOf(call: Call): URLSearchParams {
  return new URLSearchParams(call.body.toString('utf8'));
}

function clientOk(state: RoleState, call: Call, form: URLSearchParams): boolean {
  const basic = /^Basic (.+)$/.exec(call.headers.authorization ?? '')?.[1];
  const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [form.get('client_id'), form.get('client_secret')];
  return id === state.clientId && secret === state.clientSecret;
}

function issue(state: RoleState, user: string): Answer {
  const access = randomBytes(20).toString('hex');
  const refresh = randomBytes(20).toString('hex');
  state.accessTokens.set(access, { user, expired: false, revoked: false });
  state.refreshTokens.set(refresh, { user, expired: false, revoked: false, access });
  return json(200, { access_token: access, refresh_token: refresh, expires_in: 14 * 24 * 3600, token_type: 'Bearer', scope: 'read write' });
}

function token(state: RoleState, call: Call): Answer {
  const form = formOf(call);
  if (!clientOk(state, call, form)) return json(401, { error: 'invalid_client' });
  if (form.get('grant_type') === 'authorization_code') {
    const grant = state.codes.get(form.get('code') ?? '');
    state.codes.delete(form.get('code') ?? '');
    if (!grant || grant.redirectUri !== form.get('redirect_uri')) return json(400, { error: 'invalid_grant' });
    const verifier = form.get('code_verifier');
    if (grant.challenge && (!verifier || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge)) return json(400, { error: 'invalid_grant' });
    return issue(state, grant.user);
  }
  if (form.get('grant_type') === 'refresh_token') {
    if (state.refreshRefusal) return json(state.refreshRefusal.status, state.refreshRefusal.body);
    const record = state.refreshTokens.get(form.get('refresh_token') ?? '');
    if (!record || record.revoked) return json(400, { error: 'invalid_grant' });
    // As django-oauth-toolkit does: the refresh token rotates, and the access token issued with it goes too.
    record.revoked = true;
    const old = state.accessTokens.get(record.access ?? '');
    if (old) old.revoked = true;
    return issue(state, record.user);
  }
  return json(400, { error: 'unsupported_grant_type' });
}

/** RFC 7009: 200 whether or not the token was known; only the client must authenticate. */
function revoke(state: RoleState, call: Call): Answer {
  const form = formOf(call);
  if (!clientOk(state, call, form)) return json(401, { error: 'invalid_client' });
  const value = form.get('token') ?? '';
  const record = state.accessTokens.get(value) ?? state.refreshTokens.get(value);
  if (record) record.revoked = true;
  state.revoked.push(value);
  return { status: 200 };
}

interface Item {
  pk: number;
  style: { pk: number; name: string };
  size: { pk: number; name: string };
  imagePk: number;
  quantity: number;
  created: string;
}

interface Image {
  pk: number;
  image_full: string;
  image_thumbnail: string;
  created: string;
}

function itemsOf(state: RoleState, user: string): Item[] {
  const n = state.itemCounts.get(user) ?? 45;
  const base = Date.UTC(2025, 0, 1);
  // Newest first, as Sonlet's lists are.
  return Array.from({ length: n }, (_, i) => {
    const k = n - i;
    return { pk: 1000 + k, style: STYLES[k % STYLES.length], size: SIZES[k % SIZES.length], imagePk: 5000 + k, quantity: (k % 4) + 1, created: new Date(base + k * 60_000).toISOString() };
  });
}

function api(state: RoleState, call: Call, user: string): Answer {
  const path = call.path.slice('/api/v2'.length);
  const behaviour = call.behaviour;
  const image = (pk: number): Image => ({ pk, image_full: `${state.sonletUrl}/media/${pk}.jpg`, image_thumbnail: `${state.sonletUrl}/media/${pk}.jpg`, created: '2025-01-01T00:00:00Z' });
  const item = (it: Item) => serializeItem(it, image(it.imagePk), behaviour);
  if (call.method === 'GET') {
    const q = call.url.searchParams;
    const items = itemsOf(state, user).filter(
      (it) => (!q.get('itemchoice_id') || String(it.style.pk) === q.get('itemchoice_id')) && (!q.get('size_id') || String(it.size.pk) === q.get('size_id')),
    );
    if (path === '/items/') return page(call, items.map(item));
    if (path === '/images/') return page(call, items.map((it) => image(it.imagePk)));
    if (path === '/itemchoices/') return page(call, STYLES.map((s) => ({ ...s, min_advertised_price: '35.00', wholesale_price: '17.50' })));
    if (path === '/sizes/') return page(call, SIZES);
    const one = /^\/(items|images)\/(\d+)\/$/.exec(path);
    const found = one && itemsOf(state, user).find((it) => it.pk === Number(one[2]) || it.imagePk === Number(one[2]));
    if (!found || !one) return NOT_FOUND;
    return json(200, one[1] === 'items' ? item(found) : image(found.imagePk));
  }
  if (call.method === 'POST' && path === '/images/') return json(200, image(6000 + Math.floor(Math.random() * 1000)));
  if (call.method === 'POST' && path === '/items/') {
    const form = formOf(call);
    const style = STYLES.find((s) => String(s.pk) === form.get('itemchoice_id')) ?? STYLES[0];
    const size = SIZES.find((s) => String(s.pk) === form.get('size_id')) ?? SIZES[0];
    return json(200, item({ pk: 9000 + Math.floor(Math.random() * 1000), style, size, imagePk: Number(form.get('image_id')), quantity: Number(form.get('quantity') ?? 1), created: new Date().toISOString() }));
  }
  return json(405, { detail: `Method "${call.method}" not allowed.` });
}

function serializeItem(it: Item, image: Image, behaviour: Misbehaviour | null): Record<string, unknown> {
  const common = { pk: it.pk, quantity: it.quantity, price: '39.00', wholesale_price: '17.50', data: { attributes: { Color: 'Red' } }, created: it.created };
  if (behaviour?.kind === 'related' && behaviour.as === 'pk') {
    return { ...common, itemchoice: it.style.pk, size: it.size.pk, image: image.pk, image_thumbnail: image.image_thumbnail };
  }
  if (behaviour?.kind === 'related' && behaviour.as === 'nested') {
    return { ...common, itemchoice: it.style, size: it.size, image };
  }
  return { ...common, style: it.style.name, size: it.size.name, itemchoice_id: it.style.pk, size_id: it.size.pk, image, image_thumbnail: image.image_thumbnail };
}

/** A DRF-style page (`count`, `next`, `previous`, `results`), with the paging misbehaviours applied. */
function page(call: Call, list: unknown[]): Answer {
  const b = call.behaviour;
  const q = call.url.searchParams;
  const offsetPaging = b?.kind === 'offset-paging';
  const size = offsetPaging ? Math.max(1, Number(q.get('limit') ?? PAGE_SIZE)) : PAGE_SIZE;
  const start = offsetPaging ? Number(q.get('offset') ?? 0) : (Number(q.get('page') ?? 1) - 1) * size;
  const pages = Math.max(1, Math.ceil(list.length / size));
  const number = Math.floor(start / size) + 1;
  if (!Number.isInteger(start) || start < 0 || (b?.kind !== 'endless-next' && number > pages)) return json(404, { detail: 'Invalid page.' });
  const link = (n: number | null): string | null => {
    if (n === null) return null;
    const url = new URL(call.url);
    if (offsetPaging) {
      url.searchParams.set('limit', String(size));
      url.searchParams.set('offset', String((n - 1) * size));
    } else if (n === 1) url.searchParams.delete('page');
    else url.searchParams.set('page', String(n));
    return b?.kind === 'relative-next' ? url.search || '?' : url.toString();
  };
  const results = b?.kind === 'endless-next' ? list.slice(0, size) : list.slice(start, start + size);
  let next = link(number < pages ? number + 1 : null);
  if (b?.kind === 'self-next') next = call.url.toString();
  if (b?.kind === 'endless-next') next = link(number + 1);
  let count = list.length;
  if (b?.kind === 'absurd-count') count = b.count ?? 5_000_000;
  if (b?.kind === 'endless-next') count = b.count ?? list.length;
  return json(200, { count, next, previous: link(number > 1 ? number - 1 : null), results });
}

// ---- Plugboard ----

export const plugboardRole: Role = {
  userOf(state, req) {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!basic) return null;
    const [username, ...rest] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    const pb = state.plugboard;
    const ok = username === pb.username && rest.join(':') === pb.password && req.headers['x-tenant'] === pb.tenant && req.headers['x-connectionid'] === pb.connectionId;
    return ok ? username : null;
  },

  answer(state, call) {
    const error = (status: number, message: string) => json(status, { error: true, time: new Date().toISOString(), code: status, message });
    if (!call.user) return error(401, 'Auth Failed');
    const { method, path } = call;
    if (path === '/api/' && method === 'GET') return json(200, apiRoot(state));
    if (path === '/api/product' && method === 'GET') return json(200, [...state.products.values()]);
    if (path === '/api/product' && method === 'POST') return upsertProduct(state, call);
    const product = /^\/api\/product\/([^/]+)$/.exec(path);
    if (product) {
      const found = state.products.get(decodeURIComponent(product[1]));
      if (!found) return error(404, 'Not found');
      if (method === 'PUT') Object.assign(found, parseJson(call.body), { lastModified: new Date().toISOString() });
      return json(200, found);
    }
    if (path === '/api/file' && method === 'POST') {
      const localId = randomBytes(16).toString('hex');
      const file = { href: `/api/file/${localId}`, localId, ...(parseJson(call.body) as object), size: 0, url: null };
      state.files.set(localId, file);
      return json(200, file);
    }
    const data = /^\/api\/file\/([^/]+)\/data$/.exec(path);
    if (data && method === 'PUT') {
      const file = state.files.get(data[1]);
      if (!file) return error(404, 'Not found');
      Object.assign(file, { size: call.body.length, url: `${state.plugboardUrl}/files/${data[1]}` });
      return json(200, file);
    }
    if (/^\/api\/order\/?$/.test(path) && method === 'GET') return json(200, []);
    return error(404, 'Not found');
  },
};

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return {};
  }
}

function apiRoot(state: RoleState) {
  return {
    version: 0,
    connectionId: state.plugboard.connectionId,
    permissions: ['product.edit', 'product.view', 'file.edit', 'file.view', 'order.edit', 'order.view'],
    serverTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    defaultLanguage: 'swe',
    defaultLanguage_iso: { 'iso639-1': 'sv', 'iso639-3': 'swe' },
    connectionName: 'API',
    connectionType: 'api',
    connectionCustomData: {},
    configuration: {},
  };
}

function upsertProduct(state: RoleState, call: Call): Answer {
  const input = parseJson(call.body) as Record<string, unknown>;
  const connectionId = state.plugboard.connectionId;
  const remoteId = typeof input.remoteId === 'string' ? input.remoteId : null;
  const existing = remoteId ? [...state.products.values()].find((p) => p.remoteId === remoteId) : undefined;
  if (existing && call.url.searchParams.get('updateOnRemoteId') !== 'true') return json(409, { error: true, time: new Date().toISOString(), code: 409, message: 'remoteId already in use' });
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const localId = (existing?.localId as string | undefined) ?? randomBytes(16).toString('hex');
  const product = {
    href: `/api/product/${localId}`,
    localId,
    remoteId,
    remoteIdMap: remoteId ? { [connectionId]: { connectionId, remoteId } } : {},
    state: 'hidden',
    purchasable: false,
    prices: [],
    pictures: [],
    customData: {},
    created: (existing?.created as string | undefined) ?? now,
    ...existing,
    ...input,
    lastModified: now,
  };
  state.products.set(localId, product);
  return json(200, product);
}
