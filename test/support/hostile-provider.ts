/**
 * A hostile provider double: a real HTTP server on a free port that plays Sonlet (OAuth authorize redirect,
 * token and revocation endpoints, API v2 lists and details, media) under `/sonlet` and Plugboard (API root,
 * products, files, orders) under `/plugboard`, and misbehaves on purpose, per path: self-referencing or endless
 * `next` links, an absurd `count`, a 300 MB body, a body that drips one byte a second, HTML in JSON fields,
 * wrong content types, redirects to another host, any status. It counts every request it gets.
 *
 * It shares no code with the console or the sandboxes (see the ESLint rule on this file): what it sends is
 * written from the providers' reference docs, so a wrong guess in a client cannot be copied into it.
 *
 *   const double = await startHostileProvider();
 *   double.sonlet.on('/api/v2/items/', { kind: 'self-next' });
 *   double.sonlet.count('/api/v2/items/');   // requests the console made there
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { plugboardRole, sonletRole, type Answer, type RoleState } from './hostile-roles.js';

export type Misbehaviour =
  /** A page whose `next` is its own address. */
  | { kind: 'self-next' }
  /** Every page has a `next` to a page not seen before, forever; `count` as given (default: the real count). */
  | { kind: 'endless-next'; count?: number }
  /** `count` says this many (default 5,000,000); the pages themselves end as usual. */
  | { kind: 'absurd-count'; count?: number }
  /** A body of this many bytes (default 300 MB) that never becomes valid JSON; Content-Length only when `declareLength`. */
  | { kind: 'huge-body'; bytes?: number; declareLength?: boolean; contentType?: string }
  /** The real answer (so whatever it does is done), sent one byte every `intervalMs` (default 1000). */
  | { kind: 'drip'; intervalMs?: number }
  /** No answer at all, and nothing done: the request is read and left hanging until the client gives up. */
  | { kind: 'hang' }
  /** Every string field of the JSON answer (links and pks aside) carries HTML and script. */
  | { kind: 'html-in-json' }
  /** The real answer under another content type, or an HTML page under `application/json`. */
  | { kind: 'wrong-content-type'; contentType?: string; htmlBody?: boolean }
  /** 302 to the same path on another host (the double's second server). */
  | { kind: 'redirect-other-host'; status?: number }
  /** This status with this JSON body (or none). */
  | { kind: 'status'; status: number; body?: unknown }
  /** `next`/`previous` as relative links (`?page=2`) instead of absolute ones. */
  | { kind: 'relative-next' }
  /** Lists paged with `limit`/`offset` links instead of `page`. */
  | { kind: 'offset-paging' }
  /**
   * Items name their style, size and image as plain pks (`"itemchoice": 3, "image": 12`) or as nested objects
   * (`"itemchoice": {"pk": 3, "name": …}`) instead of the flat `itemchoice_id`/`style` fields.
   */
  | { kind: 'related'; as: 'pk' | 'nested' }
  /** The token endpoint's honest answer, with `expires_in` replaced by this value (any JSON value). */
  | { kind: 'token-lifetime'; expiresIn: unknown }
  /**
   * The honest list with its first six items made odd: NUL in names and attributes, a pk past 2³¹, no pk, a
   * date before year 1, objects where values belong, style and size ids out of range.
   */
  | { kind: 'odd-items' };

export interface RequestRecord {
  role: 'sonlet' | 'plugboard' | 'other-host';
  method: string;
  /** Path inside the role, e.g. `/api/v2/items/`. */
  path: string;
  search: string;
  /** The Sonlet seller or Plugboard user the credentials belong to, when valid. */
  user: string | null;
  at: number;
}

/** A body the console stopped reading before the double had sent all of it. */
export interface Abandoned {
  path: string;
  bytesSent: number;
  afterMs: number;
}

interface Rule {
  path: string;
  behaviour: Misbehaviour;
  user: string | null;
}

export interface RoleControl {
  /** Where the console should point (`SONLET_BASE_URL`, or a seller's Plugboard address). */
  url: string;
  /** Misbehave at `path` (exact, or a prefix when it ends in `*`), for every user or only `opts.user`. */
  on(path: string, behaviour: Misbehaviour, opts?: { user?: string }): void;
  /** Back to honest at `path` (every path when omitted). */
  off(path?: string): void;
  /** Requests received at `path` (exact, or a prefix when it ends in `*`); every request when omitted. */
  count(path?: string): number;
}

export interface HostileProvider {
  url: string;
  sonlet: RoleControl & {
    clientId: string;
    clientSecret: string;
    /** Items of a seller (default 45, pages of 20). */
    setItemCount(user: string, n: number): void;
    /** Tokens the console revoked (RFC 7009), in order. */
    revoked: string[];
    /** Answer the refresh grant with this status and body (null: answer normally). */
    refuseRefresh(answer: { status: number; body: unknown } | null): void;
    /** Makes every access token of `user` answer 401, as when it expired. */
    expireAccessTokens(user: string): void;
    /** Bytes of the media served at `mediaUrl(pk)` (small; a misbehaviour can replace them). */
    mediaBytes(pk: number): Buffer;
    mediaUrl(pk: number): string;
  };
  plugboard: RoleControl & { tenant: string; connectionId: string; username: string; password: string };
  /** The second server redirects point to; it answers 200 `{}` to anything and counts. */
  otherHost: { url: string; count(): number };
  requests: RequestRecord[];
  abandoned: Abandoned[];
  /** Forget requests and abandoned bodies (rules stay). */
  resetCounts(): void;
  close(): Promise<void>;
}

const HUGE_CHUNK = Buffer.alloc(64 * 1024, 'x');

export async function startHostileProvider(): Promise<HostileProvider> {
  const requests: RequestRecord[] = [];
  const abandoned: Abandoned[] = [];
  const rules: Record<'sonlet' | 'plugboard', Rule[]> = { sonlet: [], plugboard: [] };
  const open = new Set<ServerResponse>();

  const other = createServer((req, res) => {
    requests.push({ role: 'other-host', method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0], search: '', user: null, at: Date.now() });
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  // Another address altogether (all of 127/8 is loopback on Linux): a different host to the console.
  const otherUrl = `http://127.0.0.2:${await listen(other, '127.0.0.2')}`;

  const server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: `hostile double failed: ${err.message}` }));
    });
  });
  const url = `http://127.0.0.1:${await listen(server)}`;

  const state: RoleState = {
    sonletUrl: `${url}/sonlet`,
    plugboardUrl: `${url}/plugboard`,
    clientId: 'hostile-client',
    clientSecret: `hostile-secret-${randomBytes(6).toString('hex')}`,
    codes: new Map(),
    accessTokens: new Map(),
    refreshTokens: new Map(),
    revoked: [],
    itemCounts: new Map(),
    refreshRefusal: null,
    plugboard: { tenant: 'hostile', connectionId: randomBytes(16).toString('hex'), username: 'hostile-user', password: `hostile-pw-${randomBytes(6).toString('hex')}` },
    products: new Map(),
    files: new Map(),
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const full = new URL(req.url ?? '/', url);
    const role = full.pathname.startsWith('/sonlet/') ? 'sonlet' : full.pathname.startsWith('/plugboard/') ? 'plugboard' : null;
    const body = await readBody(req);
    if (!role) return send(res, { status: 404, json: { detail: 'Not found.' } });
    const path = full.pathname.slice(role.length + 1);
    const handler = role === 'sonlet' ? sonletRole : plugboardRole;
    const user = handler.userOf(state, req);
    requests.push({ role, method: req.method ?? 'GET', path, search: full.search, user, at: Date.now() });
    const rule = rules[role].find((r) => matches(r.path, path) && (r.user === null || r.user === user));
    const behaviour = rule?.behaviour ?? null;
    if (behaviour) {
      const early = await misbehaveBefore(behaviour, full, path, res);
      if (early) return;
    }
    const answer = handler.answer(state, { method: req.method ?? 'GET', path, url: full, user, body, headers: req.headers, behaviour });
    if (behaviour) return misbehaveAfter(behaviour, answer, path, res);
    return send(res, answer);
  }

  /** Misbehaviours that replace the answer altogether; true when the response is taken care of. */
  async function misbehaveBefore(b: Misbehaviour, full: URL, path: string, res: ServerResponse): Promise<boolean> {
    switch (b.kind) {
      case 'huge-body':
        await sendHuge(res, path, b.bytes ?? 300 * 1024 * 1024, b.declareLength ?? false, b.contentType ?? 'application/json');
        return true;
      case 'redirect-other-host':
        res.writeHead(b.status ?? 302, { location: `${otherUrl}${full.pathname}${full.search}` }).end();
        return true;
      case 'status':
        send(res, { status: b.status, json: b.body });
        return true;
      case 'hang':
        return true;
      default:
        return false;
    }
  }

  function misbehaveAfter(b: Misbehaviour, answer: Answer, path: string, res: ServerResponse) {
    switch (b.kind) {
      case 'drip':
        return drip(res, path, answer, b.intervalMs ?? 1000);
      case 'html-in-json':
        return send(res, { ...answer, json: withHtml(answer.json) });
      case 'wrong-content-type':
        if (b.htmlBody) return send(res, { ...answer, raw: '<!doctype html><html><body><h1>Welcome</h1><p>Please sign in</p></body></html>', contentType: 'application/json' });
        return send(res, { ...answer, contentType: b.contentType ?? 'text/html; charset=utf-8' });
      case 'token-lifetime':
        return send(res, { ...answer, json: { ...(answer.json as object), expires_in: b.expiresIn } });
      case 'odd-items':
        return send(res, { ...answer, json: withOddItems(answer.json) });
      default:
        return send(res, answer);
    }
  }

  async function sendHuge(res: ServerResponse, path: string, bytes: number, declareLength: boolean, contentType: string) {
    const started = Date.now();
    const head = Buffer.from('{"count":1,"next":null,"previous":null,"results":[{"pk":1,"style":"');
    res.writeHead(200, { 'content-type': contentType, ...(declareLength ? { 'content-length': String(bytes) } : {}) });
    let sent = 0;
    const write = (chunk: Buffer) => {
      sent += chunk.length;
      return res.write(chunk);
    };
    write(head);
    while (sent < bytes && !res.destroyed) {
      const chunk = bytes - sent >= HUGE_CHUNK.length ? HUGE_CHUNK : HUGE_CHUNK.subarray(0, bytes - sent);
      if (!write(chunk)) await drainedOrClosed(res);
    }
    if (res.destroyed) abandoned.push({ path, bytesSent: sent, afterMs: Date.now() - started });
    else res.end();
  }

  function drip(res: ServerResponse, path: string, answer: Answer, intervalMs: number) {
    const started = Date.now();
    const bytes = Buffer.from(answer.raw ?? JSON.stringify(answer.json ?? {}));
    res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json', 'content-length': String(bytes.length) });
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed) return;
      res.write(bytes.subarray(sent, sent + 1));
      if (++sent >= bytes.length) {
        clearInterval(timer);
        res.end();
      }
    }, intervalMs);
    res.on('close', () => {
      clearInterval(timer);
      if (sent < bytes.length) abandoned.push({ path, bytesSent: sent, afterMs: Date.now() - started });
    });
  }

  function roleControl(role: 'sonlet' | 'plugboard'): RoleControl {
    return {
      url: role === 'sonlet' ? state.sonletUrl : state.plugboardUrl,
      on(path, behaviour, opts = {}) {
        rules[role] = rules[role].filter((r) => !(r.path === path && r.user === (opts.user ?? null)));
        rules[role].unshift({ path, behaviour, user: opts.user ?? null });
      },
      off(path) {
        rules[role] = path === undefined ? [] : rules[role].filter((r) => r.path !== path);
      },
      count: (path) => requests.filter((r) => r.role === role && (path === undefined || matches(path, r.path))).length,
    };
  }

  return {
    url,
    sonlet: Object.assign(roleControl('sonlet'), {
      clientId: state.clientId,
      clientSecret: state.clientSecret,
      setItemCount: (user: string, n: number) => void state.itemCounts.set(user, n),
      revoked: state.revoked,
      refuseRefresh: (answer: { status: number; body: unknown } | null) => void (state.refreshRefusal = answer),
      expireAccessTokens(user: string) {
        for (const token of state.accessTokens.values()) if (token.user === user) token.expired = true;
      },
      mediaBytes: (pk: number) => createHash('sha256').update(`media-${pk}`).digest(),
      mediaUrl: (pk: number) => `${state.sonletUrl}/media/${pk}.jpg`,
    }),
    plugboard: Object.assign(roleControl('plugboard'), state.plugboard),
    otherHost: { url: otherUrl, count: () => requests.filter((r) => r.role === 'other-host').length },
    requests,
    abandoned,
    resetCounts() {
      requests.length = 0;
      abandoned.length = 0;
    },
    async close() {
      for (const res of open) res.destroy();
      await Promise.all([close(server), close(other)]);
    },
  };
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function matches(rule: string, path: string): boolean {
  return rule.endsWith('*') ? path.startsWith(rule.slice(0, -1)) : rule === path;
}

/** Every string in the answer, except addresses and keys, gets HTML and a script around it. */
function withHtml(json: unknown, key = ''): unknown {
  if (typeof json === 'string') {
    if (/^(next|previous|href|url|image_full|image_thumbnail|localId|connectionId)$/.test(key)) return json;
    return `<script>alert("${key}")</script><img src=x onerror=alert(1)><b>${json}</b>`;
  }
  if (Array.isArray(json)) return json.map((v) => withHtml(v, key));
  if (json && typeof json === 'object') return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, withHtml(v, k)]));
  return json;
}

const ODD_ITEMS: Array<(item: Record<string, unknown>) => Record<string, unknown>> = [
  (item) => ({ ...item, style: 'Jul\u0000ia', data: { attributes: { 'Col\u0000or': 'Re\u0000d' } } }),
  (item) => ({ ...item, pk: 2 ** 31 }),
  ({ pk: _pk, ...item }) => item,
  (item) => ({ ...item, created: '-010000-01-01T00:00:00Z' }),
  (item) => ({ ...item, price: { toString: 0 }, quantity: { valueOf: 1 } }),
  (item) => ({ ...item, itemchoice_id: 3e9, size_id: -1 }),
];

function withOddItems(json: unknown): unknown {
  const page = json as { results?: Array<Record<string, unknown>> } | null;
  if (!page || !Array.isArray(page.results)) return json;
  return { ...page, results: page.results.map((item, n) => ODD_ITEMS[n]?.(item) ?? item) };
}

function send(res: ServerResponse, answer: Answer) {
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...(answer.headers ?? {}) };
  if (answer.raw !== undefined || answer.json !== undefined) headers['content-type'] = answer.contentType ?? 'application/json';
  const body = answer.raw ?? (answer.json === undefined ? '' : JSON.stringify(answer.json));
  res.writeHead(answer.status, headers).end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // The double keeps at most 64 MB of a request body (the console's photos are smaller).
    if (size <= 64 * 1024 * 1024) chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
