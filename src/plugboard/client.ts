import { lookup } from 'node:dns/promises';
/**
 * Plugboard REST API client. Knows HTTP and Plugboard's rules (HTTPS only, Basic auth with
 * UTF-8 credentials, X-Tenant / X-ConnectionId headers, JSON with decimals as strings, the
 * documented error body); nothing about our pages or database.
 */
import { PlugboardConfigError, PlugboardError } from './errors.js';
import type {
  OrderInput,
  PlugboardApiRoot,
  PlugboardErrorBody,
  PlugboardOrder,
  PlugboardProduct,
  ProductInput,
} from './types.js';
import { isValidUserAgent } from './user-agent.js';
import { findDecimalProblem } from './validate.js';
import { observeProviderCall, operationName } from '../metrics/provider-calls.js';

export { PlugboardConfigError, PlugboardError } from './errors.js';
export type { PlugboardErrorKind } from './errors.js';

export interface PlugboardCredentials {
  /** e.g. "https://api.plugboard.io"; may carry a path prefix. Plain http only for loopback hosts. */
  baseUrl: string;
  tenant: string;
  connectionId: string;
  username: string;
  password: string;
}

export interface PlugboardClientOptions {
  /** RFC 2616 product/comment form, e.g. "sonlet-seller-console/0.1.0 (seller@example.com)". */
  userAgent: string;
  /** Per request, including reading the body. Default 15 000 ms. */
  timeoutMs?: number;
  /**
   * Allow loopback and private-network hosts (and plain HTTP to loopback), as the local sandbox needs.
   * Off by default: a seller-supplied base URL must not reach into the console's own network.
   */
  allowPrivateHosts?: boolean;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/** 127.0.0.0/8, ::1 and localhost: the only hosts we talk plain HTTP to (our sandbox). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Loopback, private, link-local and unspecified addresses (IPv4, IPv6 and IPv4-mapped IPv6). */
export function isPrivateAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:(?=\d+\.)/, '');
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (v4) {
    const [b0, b1] = [Number(v4[1]), Number(v4[2])];
    return b0 === 10 || b0 === 127 || b0 === 0 || (b0 === 172 && b1 >= 16 && b1 <= 31) || (b0 === 192 && b1 === 168) || (b0 === 169 && b1 === 254) || (b0 === 100 && b1 >= 64 && b1 <= 127);
  }
  return a === '::1' || a === '::' || /^f[cd]/.test(a) || /^fe[89ab]/.test(a);
}

/** A seller-supplied Plugboard host must resolve to public addresses only (no requests into our own network). */
async function assertPublicHost(hostname: string): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = (await lookup(host, { all: true })).map((r) => r.address);
  } catch {
    throw new PlugboardError(`Could not reach Plugboard at ${hostname} (the name does not resolve)`, { kind: 'network' });
  }
  if (isLoopbackHost(host) || addresses.some(isPrivateAddress)) {
    throw new PlugboardConfigError(`Refusing to contact ${hostname}: it is a local or private network address, not Plugboard's API`);
  }
}

const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Basic auth value: "user:password" encoded as UTF-8 BEFORE base64, as Plugboard requires. */
export function basicAuthHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

function parseBaseUrl(raw: string, allowPrivateHosts: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new PlugboardConfigError('The Plugboard base URL is not a valid URL');
  }
  if (url.username || url.password) {
    throw new PlugboardConfigError('The Plugboard base URL must not contain credentials');
  }
  if (url.search || url.hash) {
    throw new PlugboardConfigError('The Plugboard base URL must not contain a query or fragment');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname) && allowPrivateHosts) return url;
    throw new PlugboardConfigError(
      `Refusing plain HTTP to ${url.host}: Plugboard requires HTTPS (Basic auth credentials would be sent unencrypted)`,
    );
  }
  throw new PlugboardConfigError(`Unsupported protocol ${url.protocol} in the Plugboard base URL; use https://`);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

export class PlugboardClient {
  private readonly allowPrivateHosts: boolean;
  private hostChecked: Promise<void> | null = null;
  private readonly base: URL;
  private readonly host: string;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly timeoutMs: number;
  private readonly secrets: string[];
  readonly connectionId: string;

  constructor(creds: PlugboardCredentials, opts: PlugboardClientOptions) {
    this.allowPrivateHosts = opts.allowPrivateHosts ?? false;
    this.base = parseBaseUrl(creds.baseUrl, this.allowPrivateHosts);
    this.host = this.base.host;
    const tenant = String(creds.tenant ?? '').trim();
    const connectionId = String(creds.connectionId ?? '').trim();
    const username = String(creds.username ?? '');
    const password = String(creds.password ?? '');
    if (!HEADER_SAFE.test(tenant)) throw new PlugboardConfigError('The Plugboard tenant must be non-empty printable ASCII');
    if (!HEADER_SAFE.test(connectionId)) {
      throw new PlugboardConfigError('The Plugboard connection id (X-ConnectionId) must be non-empty printable ASCII');
    }
    if (username === '' || username.includes(':') || hasControlChars(username)) {
      throw new PlugboardConfigError('The Plugboard username must be non-empty and must not contain ":" or control characters');
    }
    if (hasControlChars(password)) {
      throw new PlugboardConfigError('The Plugboard password must not contain control characters');
    }
    if (!isValidUserAgent(opts.userAgent)) {
      throw new PlugboardConfigError(
        'The User-Agent must follow RFC 2616, e.g. "my-app/1.0 (contact@example.com)" (printable ASCII, "@" only inside parentheses)',
      );
    }
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new PlugboardConfigError('timeoutMs must be a positive number');
    this.timeoutMs = timeoutMs;
    this.connectionId = connectionId;
    const authorization = basicAuthHeader(username, password);
    this.secrets = [`${username}:${password}`, authorization.slice('Basic '.length), password].filter((s) => s.length >= 3);
    this.headers = Object.freeze({
      Accept: 'application/json',
      Authorization: authorization,
      'X-Tenant': tenant,
      'X-ConnectionId': connectionId,
      'User-Agent': opts.userAgent,
    });
  }

  /** GET /api/ — also the recommended way to test credentials. */
  async apiRoot(): Promise<PlugboardApiRoot> {
    const root = await this.request('GET', '/api/');
    if (!isRecord(root) || typeof root.connectionId !== 'string') throw this.protocolError('API root without connectionId');
    return root as unknown as PlugboardApiRoot;
  }

  /** POST /api/product. */
  async createProduct(p: ProductInput): Promise<PlugboardProduct> {
    return this.asProduct(await this.request('POST', '/api/product', p));
  }

  /** PUT /api/product/<localId>: partial update; `null` translations / customData keys are removed. */
  async updateProduct(localId: string, patch: ProductInput): Promise<PlugboardProduct> {
    return this.asProduct(await this.request('PUT', `/api/product/${this.localIdPath(localId)}`, patch));
  }

  /** GET /api/product/<localId>. */
  async getProduct(localId: string): Promise<PlugboardProduct> {
    return this.asProduct(await this.request('GET', `/api/product/${this.localIdPath(localId)}`));
  }

  /** GET /api/product. */
  async listProducts(): Promise<PlugboardProduct[]> {
    const body = await this.request('GET', '/api/product');
    let list: unknown = body;
    if (isRecord(body)) {
      // The reference does not show the list envelope; accept the common ones.
      list = ['products', 'items', 'results', 'data'].map((k) => body[k]).find(Array.isArray);
    }
    if (!Array.isArray(list)) throw this.protocolError('product list is not an array');
    return list.map((p) => this.asProduct(p));
  }

  /** The product this connection created with `remoteId`, or null. Built on {@link listProducts}. */
  async findProductByRemoteId(remoteId: string): Promise<PlugboardProduct | null> {
    const all = await this.listProducts();
    return (
      all.find((p) => p.remoteIdMap?.[this.connectionId]?.remoteId === remoteId) ??
      all.find((p) => p.remoteId === remoteId) ??
      null
    );
  }

  /**
   * Creates the product, or recovers the one that already carries its remoteId for this
   * connection: after a 409 (created earlier, e.g. by a request whose answer was lost) or
   * after a network error / timeout (outcome unknown). `created` tells which happened; a
   * recovered product keeps its stored fields, so callers that need `p` applied should
   * follow up with {@link updateProduct}.
   */
  async createOrRecoverProduct(p: ProductInput): Promise<{ product: PlugboardProduct; created: boolean }> {
    try {
      return { product: await this.createProduct(p), created: true };
    } catch (err) {
      if (!(err instanceof PlugboardError) || !p.remoteId || !(err.status === 409 || err.outcomeUnknown)) throw err;
      const existing = await this.findProductByRemoteId(p.remoteId);
      if (!existing) throw err;
      return { product: existing, created: false };
    }
  }

  /** POST /api/order/. */
  async createOrder(o: OrderInput): Promise<PlugboardOrder> {
    return this.asOrder(await this.request('POST', '/api/order/', o));
  }

  /** GET /api/order/<localId>. */
  async getOrder(localId: string): Promise<PlugboardOrder> {
    return this.asOrder(await this.request('GET', `/api/order/${this.localIdPath(localId)}`));
  }

  // ---------------------------------------------------------------------------------------

  private localIdPath(localId: string): string {
    if (typeof localId !== 'string' || localId.trim() === '') throw new PlugboardConfigError('localId must be a non-empty string');
    return encodeURIComponent(localId.trim());
  }

  private asProduct(x: unknown): PlugboardProduct {
    if (!isRecord(x) || typeof x.localId !== 'string') throw this.protocolError('product without localId');
    return x as unknown as PlugboardProduct;
  }

  private asOrder(x: unknown): PlugboardOrder {
    if (!isRecord(x) || typeof x.localId !== 'string') throw this.protocolError('order without localId');
    return x as unknown as PlugboardOrder;
  }

  private endpoint(path: string): URL {
    const prefix = this.base.pathname.replace(/\/+$/, '');
    return new URL(`${prefix}${path}`, this.base.origin);
  }

  private redact(s: string): string {
    let out = s;
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return out;
  }

  private protocolError(what: string, status = 0): PlugboardError {
    return new PlugboardError(`Unexpected answer from Plugboard at ${this.host}: ${what}`, { status, kind: 'protocol' });
  }

  private transportError(err: unknown): PlugboardError {
    const e = err as { name?: string; cause?: { code?: string; name?: string } } | null;
    if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') {
      return new PlugboardError(
        `Plugboard at ${this.host} did not answer within ${Math.round(this.timeoutMs / 100) / 10} s`,
        { kind: 'timeout' },
      );
    }
    const code = typeof e?.cause?.code === 'string' ? ` (${e.cause.code})` : '';
    return new PlugboardError(`Could not reach Plugboard at ${this.host}${code}`, { kind: 'network' });
  }

  private async request(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<unknown> {
    // Plugboard asks for JSON content headers on every request, bodiless ones included.
    const headers: Record<string, string> = { ...this.headers, 'Content-Type': 'application/json' };
    let payload: string | undefined;
    if (body !== undefined) {
      const problem = findDecimalProblem(body);
      if (problem) throw new PlugboardConfigError(problem.message);
      payload = JSON.stringify(body);
    }
    if (!this.allowPrivateHosts) await (this.hostChecked ??= assertPublicHost(this.base.hostname));
    const url = this.endpoint(path);
    let res: Response;
    let text: string;
    const exchange = async () => {
      const answer = await fetch(url, {
        method,
        headers,
        body: payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return { answer, body: await answer.text() };
    };
    try {
      ({ answer: res, body: text } = await observeProviderCall('plugboard', operationName(method, path), exchange(), ({ answer }) => answer.status >= 500));
    } catch (err) {
      throw this.transportError(err);
    }

    if (res.status >= 300 && res.status < 400) {
      throw new PlugboardError(
        `Plugboard at ${this.host} answered with a redirect (HTTP ${res.status}); check the base URL`,
        { status: res.status, kind: 'protocol' },
      );
    }

    let json: unknown = undefined;
    let isJson = false;
    if (text.length > 0) {
      try {
        json = JSON.parse(text);
        isJson = true;
      } catch {
        isJson = false;
      }
    }

    if (!res.ok) {
      if (isJson && isRecord(json) && typeof json.message === 'string' && json.message.trim() !== '') {
        const b = json as Partial<PlugboardErrorBody>;
        throw new PlugboardError(this.redact(b.message!.slice(0, 1000)), {
          status: res.status,
          code: typeof b.code === 'number' ? b.code : null,
          time: typeof b.time === 'string' ? b.time : null,
          kind: 'http',
        });
      }
      const why = isJson ? 'without an error message' : 'with a non-JSON body';
      throw new PlugboardError(
        `Plugboard at ${this.host} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} ${why}`,
        { status: res.status, kind: 'http' },
      );
    }
    if (!isJson) throw this.protocolError(`HTTP ${res.status} without a JSON body`, res.status);
    return json;
  }
}
