/**
 * Sellers' access tokens in this process's memory, so an API call costs no database read and no decryption.
 * Each entry is keyed by its connection row's `generation` (bumped by every refresh and reconnect) and the
 * sealed token it came from (a disconnect and reconnect start a new row at generation 0 again).
 *
 * Another process may refresh, reconnect or disconnect at any time. It is noticed three ways: a 401 makes the
 * vault re-read the row under its lock before refreshing; an entry older than REVALIDATE_MS is checked against
 * the row (decrypting only when the row changed); and a disconnect revokes the tokens at Sonlet, so a stale
 * copy elsewhere meets a 401 on its next call.
 */
export interface LiveToken {
  accessToken: string;
  generation: number;
  /** The token as sealed in the row, to tell a rotated or re-created connection from this one. */
  sealed: string;
  expiresAt: number;
  /** When the row last took a token (its updatedAt): with expiresAt, how long this token was given for. */
  issuedAt: number;
  checkedAt: number;
}

interface ConnectionRow {
  accessTokenEnc: string;
  generation: number;
  expiresAt: Date;
  updatedAt: Date;
}

/** Long enough that a busy seller's pages cost no database read; short enough to notice another process. */
export const REVALIDATE_MS = 30_000;
const MAX_ENTRIES = 50_000;

export class LiveTokens {
  private readonly tokens = new Map<string, LiveToken>();

  constructor(private readonly clock: { now(): number }) {}

  static same(a: LiveToken, b: LiveToken): boolean {
    return a.generation === b.generation && a.sealed === b.sealed;
  }

  /** The token to use without asking the database, or undefined when it is unknown or due a check. */
  get(userId: string): LiveToken | undefined {
    const token = this.tokens.get(userId);
    return token && this.clock.now() - token.checkedAt < REVALIDATE_MS ? token : undefined;
  }

  /**
   * Remembers the row's token. `plain` is the access token itself, or how to open the sealed one; it is
   * only opened when the row holds a different token than the one already known.
   */
  remember(userId: string, row: ConnectionRow, plain: string | ((sealed: string) => string)): LiveToken {
    const known = this.tokens.get(userId);
    const same = known && known.generation === row.generation && known.sealed === row.accessTokenEnc;
    const token: LiveToken = {
      accessToken: same ? known.accessToken : typeof plain === 'string' ? plain : plain(row.accessTokenEnc),
      generation: row.generation,
      sealed: row.accessTokenEnc,
      expiresAt: row.expiresAt.getTime(),
      issuedAt: row.updatedAt.getTime(),
      checkedAt: this.clock.now(),
    };
    if (!known && this.tokens.size >= MAX_ENTRIES) this.tokens.delete(this.tokens.keys().next().value!);
    this.tokens.set(userId, token);
    return token;
  }

  forget(userId: string): void {
    this.tokens.delete(userId);
  }
}
