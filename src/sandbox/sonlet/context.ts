/** Types and shared runtime pieces of the Sonlet sandbox, used by its route modules. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MediaStore } from './media.js';
import type { SeedSeller } from './seed-catalog.js';
import type { SandboxStore } from './store.js';

export interface SandboxClient {
  clientId: string;
  clientSecret: string;
  name: string;
  /**
   * Registered redirect URIs, compared exactly. A URI starting with '/' is taken relative to the
   * sandbox's public URL (handy for /tools/callback when the port is only known at start).
   */
  redirectUris: string[];
}

export interface SonletSandboxOptions {
  /** Absolute URL of the sandbox root, e.g. http://localhost:3000/sandbox/sonlet; can be set later via sandbox.setPublicUrl(). */
  publicUrl?: string;
  clients: SandboxClient[];
  /** Default 14 days (1209600). */
  accessTokenTtlSeconds?: number;
  /**
   * Refuse authorization requests without PKCE. Default false: the reference's documented flow
   * sends none (django-oauth-toolkit makes it required only when PKCE_REQUIRED is set).
   */
  requirePkce?: boolean;
  /** Default 20 (fixed DRF page size). */
  pageSize?: number;
  /** If set: persist mutable state and uploaded files here so a restart keeps them; else memory + os tmpdir. */
  dataDir?: string;
  /** Largest accepted image upload in bytes; default 25 MB. */
  maxUploadBytes?: number;
}

export interface SonletSandboxFaults {
  latencyMs: number;
  /** Share 0..1 of /api/v2 and /o/token/ answered 500/502. */
  errorRate: number;
  /** Share 0..1 of POSTs to /api/v2 that commit then destroy the socket without answering. */
  dropAfterCommitRate: number;
  /** Every request answered 503. */
  unavailable: boolean;
  /** A POST /items/ spends its idempotency key at once but commits the item only this much later. */
  commitDelayMs: number;
  /** Read-only for callers: delayed commits still to land (a test waits for 0 instead of sleeping past the delay). */
  delayedCommitsPending: number;
  /** List items and images oldest first (Sonlet's docs do not promise an order). */
  listOldestFirst: boolean;
  /** Behave like a Sonlet without the DRF filters on /items/: `itemchoice_id` and `size_id` are ignored. */
  ignoreItemFilters: boolean;
}

export interface SandboxSettings {
  accessTokenTtlSeconds: number;
  requirePkce: boolean;
  pageSize: number;
  /** Largest accepted upload, bytes. */
  maxUploadBytes: number;
}

export interface ToolsState {
  clientId: string;
  codeVerifier: string;
  expiresAt: number;
}

/** Who a bearer token belongs to, for one API request. */
export interface Principal {
  username: string;
  scope: Set<string>;
}

export interface SandboxContext {
  store: SandboxStore;
  /** The seeded sellers who can sign in, by username. */
  sellers: Map<string, SeedSeller>;
  /** Where the sandbox is mounted in its Fastify app ('' at the root); set when the plugin registers. */
  prefix: string;
  media: MediaStore;
  settings: SandboxSettings;
  clients: Map<string, SandboxClient>;
  /** state -> PKCE verifier of authorizations started from /tools/. */
  toolStates: Map<string, ToolsState>;
  /** Absolute URL of the sandbox root (no trailing slash). */
  baseUrl(request: FastifyRequest): string;
  /** The client's redirect URIs resolved to absolute URLs. */
  redirectUris(client: SandboxClient, request: FastifyRequest): string[];
  /** The principal an API request authenticated as (set by the API's guard). */
  principals: WeakMap<FastifyRequest, Principal>;
  /** Raw requests chosen to be dropped after their POST commits. */
  dropAfterCommit: WeakSet<object>;
  /** The sandbox's current faults (tests change them while it runs). */
  faults(): SonletSandboxFaults;
}

/** Last value of a query/body field that may repeat. */
export function field(source: unknown, name: string): string | undefined {
  if (!source || typeof source !== 'object') return undefined;
  const value = (source as Record<string, unknown>)[name];
  if (Array.isArray(value)) {
    const last = value[value.length - 1];
    return typeof last === 'string' ? last : undefined;
  }
  return typeof value === 'string' ? value : undefined;
}

/** Path of the request relative to the sandbox root, without query. */
export function relativePath(request: FastifyRequest, prefix: string): string {
  const pathOnly = request.url.split('?')[0]!;
  return prefix && pathOnly.startsWith(prefix) ? pathOnly.slice(prefix.length) || '/' : pathOnly;
}

export type Handler = (ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) => unknown;

/** Turns a named handler into a route handler bound to this sandbox. */
export function bindTo(ctx: SandboxContext) {
  return (handler: Handler) => (request: FastifyRequest, reply: FastifyReply) => handler(ctx, request, reply);
}

/** Raw query string of the request (without '?'). */
export function rawQuery(request: FastifyRequest): string {
  const i = request.url.indexOf('?');
  return i < 0 ? '' : request.url.slice(i + 1);
}
