/** What every route of the Plugboard sandbox shares: tenants, clock, faults, and the request log tests read. */
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { publicUrl } from './files.js';
import type { Tenant } from './tenants.js';

export interface PlugboardFaults {
  /** Every request is answered 503 (Plugboard is away). */
  unavailable: boolean;
  /** Each request waits this long first. */
  latencyMs: number;
  /** The next N product writes (POST or PUT) are stored, then answered 503. */
  failAfterCommit: number;
  /** The next N product writes are stored, then the connection is dropped without an answer. */
  dropAfterCommit: number;
  /** The next N uploads of a file's bytes (PUT /api/file/{localId}/data) are stored, then answered 503. */
  fileDataFailAfterCommit: number;
  /** Product writes for these remoteIds are refused with 422, as Plugboard refuses content it cannot take (assign a new list to change it). */
  refuseRemoteIds: readonly string[];
}

export interface RecordedRequest {
  method: string;
  /** Path and query as received (any mount prefix included). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface PlugboardContext {
  tenants: Map<string, Tenant>;
  clock: { now(): number };
  faults: PlugboardFaults;
  stats: { requests: number };
  requestLog: RecordedRequest[];
  /** Largest file accepted by PUT /api/file/{localId}/data, bytes. */
  maxFileBytes: number;
  allowPlainHttpFromAnyHost: boolean;
  /** Absolute URL of the sandbox root when fixed by its mounter; else each request's own. */
  publicUrl: string | null;
  /** Where the sandbox is mounted in its Fastify app ('' at the root); set when the plugin registers. */
  prefix: string;
  /** The tenant an /api request authenticated as (set by the auth hook). */
  tenantOf: WeakMap<FastifyRequest, Tenant>;
  /** Called after every change, so a persisted sandbox can save. */
  changed(): void;
}

export const NO_FAULTS: PlugboardFaults = { unavailable: false, latencyMs: 0, failAfterCommit: 0, dropAfterCommit: 0, fileDataFailAfterCommit: 0, refuseRemoteIds: Object.freeze([]) };

/** The sandbox root as the caller reached it, e.g. http://127.0.0.1:3000/sandbox/plugboard. */
export function baseUrlOf(ctx: PlugboardContext, request: FastifyRequest): string {
  return ctx.publicUrl ?? `${request.protocol}://${request.host}${ctx.prefix}`;
}

export function authenticatedTenant(ctx: PlugboardContext, request: FastifyRequest): Tenant {
  const t = ctx.tenantOf.get(request);
  if (!t) throw new Error('an /api route ran without the auth hook');
  return t;
}

/** Resolves picture URLs of a tenant's products against `base`. */
export function fileUrls(t: Tenant, base: string): (fileLocalId: string) => string | null {
  return (id) => {
    const file = t.files.get(id);
    return file ? publicUrl(file, base) : null;
  };
}

/**
 * Registers one handler at a path with and without its trailing slash. A parent app with
 * ignoreTrailingSlash already makes them one route, and then the second is a duplicate.
 */
export function withAndWithoutSlash(app: FastifyInstance, method: 'GET' | 'POST', path: string, handler: RouteHandlerMethod): void {
  for (const url of [path, `${path}/`]) {
    try {
      app.route({ method, url, handler });
    } catch (err) {
      if ((err as { code?: string }).code !== 'FST_ERR_DUPLICATED_ROUTE') throw err;
    }
  }
}
