import type { PrismaClient } from '../generated/prisma/client.js';
import { systemClock, type Clock } from '../clock.js';

/** Every kind of event the trail records, with the words the audit page shows for it. */
export const AUDIT_KINDS = {
  'owner-created': 'Owner account created',
  'account-created': 'Account created',
  'sign-in': 'Signed in',
  'sign-in-failed': 'Failed sign-in',
  'sign-out': 'Signed out',
  'sign-out-everywhere': 'Signed out everywhere',
  'password-changed': 'Password changed',
  'sonlet-connected': 'Sonlet connected',
  'sonlet-disconnected': 'Sonlet disconnected',
  'sonlet-reconnect-needed': 'Sonlet needs reconnecting',
  'plugboard-settings-saved': 'Plugboard settings saved',
  'invitation-issued': 'Invitation issued',
  'invitation-used': 'Invitation used',
  'invitation-revoked': 'Invitation revoked',
  'seller-disabled': 'Seller disabled',
  'seller-enabled': 'Seller enabled',
  'admin-granted': 'Made admin',
  'admin-revoked': 'No longer admin',
  'password-reset-issued': 'Password-reset link issued',
  'password-reset-used': 'Password reset through a link',
  'account-deleted': 'Account deleted',
} as const;

export type AuditKind = keyof typeof AUDIT_KINDS;

export interface AuditParty {
  id?: string | null;
  email?: string | null;
}

export type AuditDetail = Record<string, string | number | boolean | null>;

export interface AuditEntry {
  kind: AuditKind;
  /** Who did it (absent for a failed sign-in, or the command line). */
  actor?: AuditParty | null;
  /** Whom it was about, when that is someone else (or an address that has no account). */
  subject?: AuditParty | null;
  ip?: string | null;
  detail?: AuditDetail;
}

export interface AuditRecord {
  id: string;
  at: Date;
  kind: AuditKind;
  label: string;
  actorEmail: string | null;
  subjectEmail: string | null;
  ip: string | null;
  detail: AuditDetail;
}

// Belt and braces: no caller passes secrets, but a detail named like one never reaches the table.
const SECRET_KEY = /pass|token|secret|key|code|cookie|hash/i;
const MAX_TEXT = 254;

function clean(detail: AuditDetail | undefined): AuditDetail {
  const out: AuditDetail = {};
  for (const [key, value] of Object.entries(detail ?? {})) {
    if (SECRET_KEY.test(key)) continue;
    out[key] = typeof value === 'string' ? value.slice(0, MAX_TEXT) : value;
  }
  return out;
}

const text = (value: string | null | undefined) => (value ? value.slice(0, MAX_TEXT) : null);

/**
 * The append-only audit trail. Rows are only ever inserted here; the database refuses updates and
 * the removal of rows younger than a day (see the migration), so not even a bug here can rewrite it.
 */
export function createAuditTrail(prisma: PrismaClient) {
  return {
    async record(entry: AuditEntry): Promise<void> {
      await prisma.auditEvent.create({
        data: {
          kind: entry.kind,
          actorId: entry.actor?.id ?? null,
          actorEmail: text(entry.actor?.email),
          subjectId: entry.subject?.id ?? null,
          subjectEmail: text(entry.subject?.email),
          ip: text(entry.ip),
          detail: clean(entry.detail),
        },
      });
    },

    /** An event about an account known only by its id (from a background step); its email is looked up. */
    async recordFor(kind: AuditKind, userId: string, detail?: AuditDetail): Promise<void> {
      const user = await prisma.user.findUnique({ where: { id: userId }, select: { id: true, email: true } });
      await this.record({ kind, actor: user ?? { id: userId }, detail });
    },

    /**
     * Failed sign-ins with this address since `since`, from any client address: what a guesser spread
     * over many addresses still adds up to. Counted from the trail, so every process sees the same.
     * Failures before the account's latest password change or reset no longer count: a new password
     * (through the owner's reset link) lets the seller back in at once.
     */
    async failedSignInsSince(email: string, since: Date): Promise<number> {
      const address = text(email);
      const changed = await prisma.auditEvent.findFirst({
        where: { kind: { in: ['password-changed', 'password-reset-used'] }, actorEmail: address, at: { gte: since } },
        orderBy: { at: 'desc' },
        select: { at: true },
      });
      return prisma.auditEvent.count({ where: { kind: 'sign-in-failed', subjectEmail: address, at: changed ? { gt: changed.at } : { gte: since } } });
    },

    /** Whether this account signed in from this client address since `since`: a place the seller is known at. */
    async signedInFrom(email: string, ip: string, since: Date): Promise<boolean> {
      return (await prisma.auditEvent.count({ where: { kind: 'sign-in', actorEmail: text(email), ip: text(ip), at: { gte: since } }, take: 1 })) > 0;
    },

    /** Newest first; `before` is the id of the last event of the previous page. */
    async list(opts: { limit: number; before?: string | null }): Promise<AuditRecord[]> {
      const rows = await prisma.auditEvent.findMany({
        where: opts.before ? { id: { lt: BigInt(opts.before) } } : {},
        orderBy: { id: 'desc' },
        take: opts.limit,
      });
      return rows.map((row) => ({
        id: row.id.toString(),
        at: row.at,
        kind: row.kind as AuditKind,
        label: AUDIT_KINDS[row.kind as AuditKind] ?? row.kind,
        actorEmail: row.actorEmail,
        subjectEmail: row.subjectEmail,
        ip: row.ip,
        detail: (row.detail ?? {}) as AuditDetail,
      }));
    },

    /** Removes events older than the retention period; answers how many went. */
    async prune(retentionDays: number, clock: Clock = systemClock): Promise<number> {
      const cutoff = new Date(clock.now() - retentionDays * 24 * 3600 * 1000);
      const { count } = await prisma.auditEvent.deleteMany({ where: { at: { lt: cutoff } } });
      return count;
    },
  };
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;
