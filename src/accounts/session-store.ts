import type { SessionStore } from '@fastify/session';
import type { Session as FastifySession } from 'fastify';
import type { PrismaClient } from '../generated/prisma/client.js';

const DEFAULT_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * @fastify/session store backed by the Session table, so every console process sees the same
 * sessions, a restart logs nobody out, and signing out deletes the row (ends it server-side).
 */
export class PrismaSessionStore implements SessionStore {
  constructor(private readonly prisma: PrismaClient) {}

  set(sessionId: string, session: FastifySession, callback: (err?: unknown) => void): void {
    const data = JSON.parse(JSON.stringify(session)) as Record<string, unknown> & { cookie?: { expires?: string } };
    const expiresAt = data.cookie?.expires ? new Date(data.cookie.expires) : new Date(Date.now() + DEFAULT_TTL_MS);
    const userId = typeof data.userId === 'string' ? data.userId : null;
    this.prisma.session
      .upsert({
        where: { id: sessionId },
        create: { id: sessionId, userId, data: data as object, expiresAt },
        update: { userId, data: data as object, expiresAt },
      })
      .then(() => callback(), callback);
  }

  get(sessionId: string, callback: (err: unknown, result?: FastifySession | null) => void): void {
    this.prisma.session
      .findUnique({ where: { id: sessionId } })
      .then((row) => {
        if (!row || row.expiresAt.getTime() <= Date.now()) return callback(null, null);
        callback(null, row.data as unknown as FastifySession);
      }, callback);
  }

  destroy(sessionId: string, callback: (err?: unknown) => void): void {
    this.prisma.session.deleteMany({ where: { id: sessionId } }).then(() => callback(), callback);
  }

  /** Housekeeping: expired rows are never read, this only keeps the table small. */
  async prune(): Promise<number> {
    const { count } = await this.prisma.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
    return count;
  }
}
