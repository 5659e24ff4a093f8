/** Pieces every /api handler of the Plugboard sandbox uses: permissions, "changed since" lists, faults after a commit. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PlugboardContext } from './context.js';
import { Refusal, badRequest, isObject, onlyKnownParams } from './refusal.js';
import { type Tenant, hasPermission, nextModified } from './tenants.js';
import { remoteIdIn, setRemoteId, withRemoteId } from './texts.js';
import { dateTime } from './values.js';
import type { RemoteIdMap } from './wire.js';

export function need(t: Tenant, permission: string): void {
  if (!hasPermission(t, permission)) throw new Refusal(403, `Permission denied: ${permission} is required`);
}

/** `?modifiedAtOrAfter=<RFC 3339>` (or nothing): the records changed at or after that time, oldest change first. */
export function changedSince<T extends { lastModified: number }>(request: FastifyRequest, records: Iterable<T>): T[] {
  const params = onlyKnownParams(request.query, ['modifiedAtOrAfter']);
  const since = params.modifiedAtOrAfter === undefined ? null : dateTime(params.modifiedAtOrAfter, 'modifiedAtOrAfter');
  return [...records].filter((r) => since === null || r.lastModified >= since).sort((a, b) => a.lastModified - b.lastModified);
}

/**
 * Answers a product write that is already stored, unless a fault says the answer is lost:
 * a 503 (the client cannot know the write landed) or a dropped connection.
 */
export function answerStoredWrite(ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply, status: number, body: unknown): FastifyReply {
  if (ctx.faults.dropAfterCommit > 0) {
    ctx.faults.dropAfterCommit--;
    reply.hijack();
    request.raw.socket.destroy();
    return reply;
  }
  if (ctx.faults.failAfterCommit > 0) {
    ctx.faults.failAfterCommit--;
    throw new Refusal(503, 'Service temporarily unavailable');
  }
  return reply.code(status).send(body);
}

interface Stored {
  localId: string;
  remoteIdMap: RemoteIdMap;
  lastModified: number;
}

/**
 * For a create (POST): the record this connection already gave the body's remoteId, which an
 * upsert (`updateOnRemoteId=true`) updates and a plain create refuses with 409.
 */
export function recordToUpsert<T extends Stored>(records: Map<string, T>, t: Tenant, body: unknown, upsert: boolean, what: string): T | undefined {
  const remoteId = isObject(body) ? remoteIdIn(body) : undefined;
  if (upsert && typeof remoteId !== 'string') throw badRequest('updateOnRemoteId=true needs a remoteId in the body');
  const existing = typeof remoteId === 'string' ? withRemoteId(records.values(), t.seed.connectionId, remoteId) : undefined;
  if (existing && !upsert) {
    throw new Refusal(409, `A ${what} with remoteId "${remoteId}" already exists for connection ${t.seed.connectionId}: localId ${existing.localId} (/api/${what}/${existing.localId})`);
  }
  return existing;
}

/**
 * Applies a body to a copy of `current` (so a refused write changes nothing), keeps the calling
 * connection's remoteId unique, moves lastModified, and stores the result.
 */
export function storeWrite<T extends Stored>(
  ctx: PlugboardContext,
  t: Tenant,
  records: Map<string, T>,
  current: T,
  isNew: boolean,
  apply: (copy: T) => string | null | undefined,
): T {
  const copy = structuredClone(current);
  const remoteId = apply(copy);
  if (remoteId !== undefined) {
    const clash = remoteId === null ? undefined : withRemoteId(records.values(), t.seed.connectionId, remoteId);
    if (clash && clash.localId !== copy.localId) throw new Refusal(409, `remoteId "${remoteId}" is already used by ${clash.localId} for connection ${t.seed.connectionId}`);
    setRemoteId(copy.remoteIdMap, t.seed.connectionId, remoteId);
  }
  if (!isNew) copy.lastModified = nextModified(ctx.clock.now(), current.lastModified);
  records.set(copy.localId, copy);
  ctx.changed();
  return copy;
}

/** The record named by the route's :localId. */
export function named<T>(records: Map<string, T>, request: FastifyRequest, what: string): T {
  const { localId } = request.params as { localId: string };
  const found = records.get(localId);
  if (!found) throw new Refusal(404, `${what} ${localId} not found`);
  return found;
}
