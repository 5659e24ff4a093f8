import type { SessionStore } from '@fastify/session';
import type { Session as FastifySession } from 'fastify';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SessionCopies } from './session-copies.js';

const DEFAULT_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * @fastify/session store backed by the Session table, so every console process sees the same
 * sessions, a restart logs nobody out, and signing out deletes the row (ends it server-side).
 * Reads are served from this process's copies when it holds one (see session-copies.ts).
 */
export class PrismaSessionStore implements SessionStore {
  constructor(
    private readonly prisma: PrismaClient,
    readonly copies: SessionCopies | null = null,
  ) {}

  set(sessionId: string, session: FastifySession, callback: (err?: unknown) => void): void {
    const data = JSON.parse(JSON.stringify(session)) as Record<string, unknown> & { cookie?: { expires?: string } };
    const expiresAt = data.cookie?.expires ? new Date(data.cookie.expires) : new Date(Date.now() + DEFAULT_TTL_MS);
    const userId = typeof data.userId === 'string' ? data.userId : null;
    this.copies?.drop(sessionId);
    this.prisma.session
      .upsert({
        where: { id: sessionId },
        create: { id: sessionId, userId, data: data as object, expiresAt },
        update: { userId, data: data as object, expiresAt },
      })
      .then(() => {
        this.copies?.drop(sessionId);
        callback();
      }, callback);
  }

  get(sessionId: string, callback: (err: unknown, result?: FastifySession | null) => void): void {
    const copy = this.copies?.get(sessionId);
    if (copy) return callback(null, copy as FastifySession);
    const mark = this.copies?.mark() ?? 0;
    this.prisma.session
      .findUnique({ where: { id: sessionId } })
      .then((row) => {
        if (!row || row.expiresAt.getTime() <= Date.now()) return callback(null, null);
        this.copies?.keep(sessionId, mark, row);
        callback(null, row.data as unknown as FastifySession);
      }, callback);
  }

  destroy(sessionId: string, callback: (err?: unknown) => void): void {
    this.copies?.drop(sessionId);
    this.prisma.session.deleteMany({ where: { id: sessionId } }).then(() => callback(), callback);
  }

  /** Housekeeping: expired rows are never read, this only keeps the table small. */
  async prune(): Promise<number> {
    const { count } = await this.prisma.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
    return count;
  }
}
