import type { SessionStore } from '@fastify/session';
import type { Session as FastifySession } from 'fastify';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SessionCopies } from './session-copies.js';

const DEFAULT_TTL_MS = 7 * 24 * 3600 * 1000;
/** How long a session begun at sign-in may take to be written by the end of that request. */
const BEGIN_GRACE_MS = 5 * 60_000;

/**
 * @fastify/session store backed by the Session table, so every console process sees the same
 * sessions, a restart logs nobody out, and signing out deletes the row (ends it server-side).
 * Reads are served from this process's copies when it holds one (see session-copies.ts).
 *
 * Only a session begun at sign-in (`begin`) is ever inserted. Every other save updates the row if it is
 * still there: a request that loaded the session before it was ended (signed out everywhere, disabled,
 * password changed) and saves it afterwards must not bring it back.
 */
/** Prisma keeps DateTime columns as UTC wall time without a zone; a raw write says so whatever the server's zone. */
const utc = (date: Date) => date.toISOString();

export class PrismaSessionStore implements SessionStore {
  /** Sessions begun in this process and not yet written: whose, with the password they proved, until when. */
  private readonly beginning = new Map<string, { userId: string; passwordHash: string; until: number }>();

  constructor(
    private readonly prisma: PrismaClient,
    readonly copies: SessionCopies | null = null,
  ) {}

  /**
   * Called right after a session is regenerated at sign-in: its first save creates the row, if the
   * account is then still enabled and still has the password that was proved (a reset or a disable
   * that landed while the password was being checked ends the sign-in too).
   */
  begin(sessionId: string, user: { id: string; passwordHash: string }): void {
    const now = Date.now();
    for (const [id, { until }] of this.beginning) if (until < now) this.beginning.delete(id);
    this.beginning.set(sessionId, { userId: user.id, passwordHash: user.passwordHash, until: now + BEGIN_GRACE_MS });
  }

  set(sessionId: string, session: FastifySession, callback: (err?: unknown) => void): void {
    const data = JSON.parse(JSON.stringify(session)) as Record<string, unknown> & { cookie?: { expires?: string } };
    const expiresAt = data.cookie?.expires ? new Date(data.cookie.expires) : new Date(Date.now() + DEFAULT_TTL_MS);
    const begun = this.beginning.get(sessionId);
    this.beginning.delete(sessionId);
    this.copies?.drop(sessionId);
    const write = begun
      ? this.prisma.$executeRaw`
          INSERT INTO "Session" (id, "userId", data, "expiresAt", "createdAt", "updatedAt")
          SELECT ${sessionId}, u.id, ${JSON.stringify(data)}::jsonb, ${utc(expiresAt)}::timestamptz AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC' FROM "User" u
          WHERE u.id = ${begun.userId}::uuid AND u."disabledAt" IS NULL AND u."passwordHash" = ${begun.passwordHash}`
      : // Who the session belongs to is written at sign-in and kept in step by the team's changes (a role), never
        // by a request's save: one that read the session before an admin changed the role would write the old one back.
        this.prisma.$executeRaw`
          UPDATE "Session" SET
            data = ${JSON.stringify(data)}::jsonb || jsonb_strip_nulls(jsonb_build_object('userId', data->'userId', 'userEmail', data->'userEmail', 'userRole', data->'userRole')),
            "expiresAt" = ${utc(expiresAt)}::timestamptz AT TIME ZONE 'UTC', "updatedAt" = now() AT TIME ZONE 'UTC'
          WHERE id = ${sessionId}`;
    write.then(() => {
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
    this.beginning.delete(sessionId);
    this.copies?.drop(sessionId);
    this.prisma.session.deleteMany({ where: { id: sessionId } }).then(() => {
      // A read that overlapped the delete may have kept the row again; the notification would drop it too, later.
      this.copies?.drop(sessionId);
      callback();
    }, callback);
  }

  /** Housekeeping: expired rows are never read, this only keeps the table small. */
  async prune(): Promise<number> {
    const { count } = await this.prisma.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
    return count;
  }
}
