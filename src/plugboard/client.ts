/**
 * Plugboard REST API client. Knows HTTP and Plugboard's rules (HTTPS only, Basic auth with UTF-8
 * credentials, X-Tenant / X-ConnectionId headers, JSON with decimals as strings, the documented error
 * body, upserts by remoteId, files, orders); nothing about our pages or database. Every request goes
 * through the client's own dispatcher (src/plugboard/http.ts).
 */
import type { Agent } from 'undici';
import ipaddr from 'ipaddr.js';
import { addressLiteral, type Resolver } from '../net/address-rule.js';
import { PlugboardConfigError, PlugboardError } from './errors.js';
import { exchange, plugboardDispatcher, type HttpCall, type PlugboardHttpOptions } from './http.js';
import type { FileInput, PlugboardApiRoot, PlugboardErrorBody, PlugboardFile, PlugboardOrder, PlugboardProduct, ProductInput } from './types.js';
import { isValidUserAgent } from './user-agent.js';
import { findDecimalProblem } from './validate.js';
import { toRfc3339Utc } from './format.js';

export { PlugboardConfigError, PlugboardError } from './errors.js';
export type { PlugboardErrorKind, PlugboardSetting } from './errors.js';

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
  /** Largest answer read. Default 4 MB. */
  maxAnswerBytes?: number;
  /**
   * Allow loopback and private-network hosts (and plain HTTP to loopback), as the local sandbox needs.
   * Off by default: a seller-supplied base URL must not reach into the console's own network.
   */
  allowPrivateHosts?: boolean;
  /** Name resolution (tests). */
  resolve?: Resolver;
  /** A dispatcher to share between clients of one host; by default the client makes its own. */
  dispatcher?: Agent;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** localhost, 127.0.0.0/8 and ::1: the only hosts we talk plain HTTP to (our sandbox). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const literal = addressLiteral(h);
  return literal !== null && ipaddr.process(literal).range() === 'loopback';
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
    throw new PlugboardConfigError('The Plugboard base URL is not a valid URL', 'baseUrl');
  }
  if (url.username || url.password) throw new PlugboardConfigError('The Plugboard base URL must not contain credentials', 'baseUrl');
  if (url.search || url.hash) throw new PlugboardConfigError('The Plugboard base URL must not contain a query or fragment', 'baseUrl');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname) && allowPrivateHosts) return url;
    throw new PlugboardConfigError(`Refusing plain HTTP to ${url.host}: Plugboard requires HTTPS (Basic auth credentials would be sent unencrypted)`, 'baseUrl');
  }
  throw new PlugboardConfigError(`Unsupported protocol ${url.protocol} in the Plugboard base URL; use https://`, 'baseUrl');
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

export class PlugboardClient {
  private readonly base: URL;
  private readonly host: string;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly http: PlugboardHttpOptions;
  private readonly dispatcher: Agent;
  private readonly secrets: string[];
  readonly connectionId: string;

  constructor(creds: PlugboardCredentials, opts: PlugboardClientOptions) {
    const allowPrivateHosts = opts.allowPrivateHosts ?? false;
    this.base = parseBaseUrl(creds.baseUrl, allowPrivateHosts);
    this.host = this.base.host;
    const tenant = String(creds.tenant ?? '').trim();
    const connectionId = String(creds.connectionId ?? '').trim();
    const username = String(creds.username ?? '');
    const password = String(creds.password ?? '');
    if (!HEADER_SAFE.test(tenant)) throw new PlugboardConfigError('The Plugboard tenant must be non-empty printable ASCII', 'tenant');
    if (!HEADER_SAFE.test(connectionId)) {
      throw new PlugboardConfigError('The Plugboard connection id (X-ConnectionId) must be non-empty printable ASCII', 'connectionId');
    }
    if (username === '' || username.includes(':') || hasControlChars(username)) {
      throw new PlugboardConfigError('The Plugboard username must be non-empty and must not contain ":" or control characters', 'username');
    }
    if (hasControlChars(password)) throw new PlugboardConfigError('The Plugboard password must not contain control characters', 'password');
    if (!isValidUserAgent(opts.userAgent)) {
      throw new PlugboardConfigError(
        'The User-Agent must follow RFC 2616, e.g. "my-app/1.0 (contact@example.com)" (printable ASCII, "@" only inside parentheses)',
        'userAgent',
      );
    }
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new PlugboardConfigError('timeoutMs must be a positive number', 'timeoutMs');
    this.http = { timeoutMs, maxAnswerBytes: opts.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES, allowPrivateHosts, resolve: opts.resolve };
    this.dispatcher = opts.dispatcher ?? plugboardDispatcher(this.http);
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

  /** Closes the client's connections (when it made its own dispatcher). */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** GET /api/: also the recommended way to test credentials. */
  async apiRoot(): Promise<PlugboardApiRoot> {
    const root = await this.json('GET', '/api/');
    if (!isRecord(root) || typeof root.connectionId !== 'string') throw this.protocolError('API root without connectionId');
    return root as unknown as PlugboardApiRoot;
  }

  /** POST /api/product?updateOnRemoteId=true: creates the product, or updates this connection's one with that remoteId. */
  async upsertProduct(p: ProductInput & { remoteId: string }): Promise<PlugboardProduct> {
    return this.asProduct(await this.json('POST', '/api/product?updateOnRemoteId=true', p));
  }

  /** PUT /api/product/<localId>: partial update; `null` translations / customData keys are removed. */
  async updateProduct(localId: string, patch: ProductInput): Promise<PlugboardProduct> {
    return this.asProduct(await this.json('PUT', `/api/product/${this.localIdPath(localId)}`, patch));
  }

  async getProduct(localId: string): Promise<PlugboardProduct> {
    return this.asProduct(await this.json('GET', `/api/product/${this.localIdPath(localId)}`));
  }

  /** GET /api/product[?modifiedAtOrAfter=…]: a plain array. */
  async listProducts(modifiedAtOrAfter?: Date): Promise<PlugboardProduct[]> {
    return this.asList(await this.json('GET', `/api/product${since(modifiedAtOrAfter)}`), 'product list').map((p) => this.asProduct(p));
  }

  /** POST /api/file: a file record whose bytes are sent with {@link uploadFileData}. */
  async createFile(file: FileInput): Promise<PlugboardFile> {
    return this.asFile(await this.json('POST', '/api/file', file));
  }

  /** PUT /api/file/<localId>/data with the raw bytes and their content type. */
  async uploadFileData(localId: string, bytes: Buffer, contentType: string): Promise<PlugboardFile | null> {
    const answer = await this.send('PUT', `/api/file/${this.localIdPath(localId)}/data`, bytes, contentType);
    return isRecord(answer) && typeof answer.localId === 'string' ? this.asFile(answer) : null;
  }

  /** GET /api/order?modifiedAtOrAfter=…: a plain array of orders changed since then. */
  async listOrders(modifiedAtOrAfter?: Date): Promise<PlugboardOrder[]> {
    // One malformed order must not hide the others (nor stop every later poll): one without a usable localId is left out.
    return this.asList(await this.json('GET', `/api/order${since(modifiedAtOrAfter)}`), 'order list').filter(hasUsableLocalId) as unknown as PlugboardOrder[];
  }

  async getOrder(localId: string): Promise<PlugboardOrder> {
    return this.asOrder(await this.json('GET', `/api/order/${this.localIdPath(localId)}`));
  }

  /** PUT /api/order/<localId>, e.g. `{ orderStatus: 'processing' }`. */
  async updateOrder(localId: string, patch: { orderStatus?: string; remoteOrderNo?: string | null }): Promise<PlugboardOrder> {
    return this.asOrder(await this.json('PUT', `/api/order/${this.localIdPath(localId)}`, patch));
  }

  // ---------------------------------------------------------------------------------------

  private localIdPath(localId: string): string {
    if (typeof localId !== 'string' || localId.trim() === '') throw new PlugboardConfigError('localId must be a non-empty string');
    return encodeURIComponent(localId.trim());
  }

  private asList(x: unknown, what: string): unknown[] {
    if (!Array.isArray(x)) throw this.protocolError(`${what} is not an array`);
    return x;
  }

  private asProduct(x: unknown): PlugboardProduct {
    if (!isRecord(x) || typeof x.localId !== 'string') throw this.protocolError('product without localId');
    return x as unknown as PlugboardProduct;
  }

  private asOrder(x: unknown): PlugboardOrder {
    if (!isRecord(x) || typeof x.localId !== 'string') throw this.protocolError('order without localId');
    return x as unknown as PlugboardOrder;
  }

  private asFile(x: unknown): PlugboardFile {
    if (!isRecord(x) || typeof x.localId !== 'string') throw this.protocolError('file without localId');
    return x as unknown as PlugboardFile;
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

  private async json(method: HttpCall['method'], path: string, body?: unknown): Promise<unknown> {
    let payload: string | undefined;
    if (body !== undefined) {
      const problem = findDecimalProblem(body);
      if (problem) throw new PlugboardConfigError(problem.message);
      payload = JSON.stringify(body);
    }
    return this.send(method, path, payload, 'application/json');
  }

  private async send(method: HttpCall['method'], path: string, body: string | Buffer | undefined, contentType: string): Promise<unknown> {
    // Plugboard asks for JSON content headers on every request, bodiless ones included.
    const headers = { ...this.headers, 'Content-Type': contentType };
    const res = await exchange(this.dispatcher, { method, url: this.endpoint(path), headers, body }, this.http);
    if (res.status >= 300 && res.status < 400) {
      throw new PlugboardError(`Plugboard at ${this.host} answered with a redirect (HTTP ${res.status}); check the base URL`, { status: res.status, kind: 'protocol' });
    }
    let json: unknown = undefined;
    let isJson = false;
    if (res.body.length > 0) {
      try {
        json = JSON.parse(res.body.toString('utf8'));
        isJson = true;
      } catch {
        isJson = false;
      }
    }
    if (res.status < 200 || res.status >= 300) {
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
      throw new PlugboardError(`Plugboard at ${this.host} answered HTTP ${res.status} ${why}`, { status: res.status, kind: 'http' });
    }
    if (!isJson) {
      if (res.body.length === 0 && method === 'PUT' && contentType !== 'application/json') return null;
      throw this.protocolError(`HTTP ${res.status} without a JSON body`, res.status);
    }
    return json;
  }
}

function since(date: Date | undefined): string {
  return date ? `?modifiedAtOrAfter=${encodeURIComponent(toRfc3339Utc(date))}` : '';
}

/** An order the console can store and address again: a localId of sensible length that Postgres can hold. */
function hasUsableLocalId(x: unknown): boolean {
  return isRecord(x) && typeof x.localId === 'string' && x.localId.trim() !== '' && x.localId.length <= 200 && !x.localId.includes('\u0000');
}
