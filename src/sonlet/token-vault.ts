import { Semaphore } from '../semaphore.js';
import type { PrismaClient, SonletConnection } from '../generated/prisma/client.js';
import type { TokenCipher } from '../crypto/token-cipher.js';
import { NeedsReconnectError, NotConnectedError, ProviderUnavailableError } from '../errors.js';
import type { SonletAnswer, SonletHttp } from './http.js';
import { refreshTokens, revokeToken, RefreshRefusedError, type OAuthClientConfig, type TokenSet } from './oauth.js';
import { LiveTokens, type LiveToken } from './live-tokens.js';
import { observeTokenRefresh } from '../metrics/provider-calls.js';

export type ConnectionState =
  | { state: 'none' }
  | { state: 'active'; expiresAt: Date; connectedAt: Date }
  | { state: 'needs_reconnect'; reason: string | null };

export interface Clock {
  now(): number;
}

export interface VaultSettings extends OAuthClientConfig {
  refreshLeewaySeconds: number;
  /** How long the database bounds the wait for a refresh (the row lock is held while Sonlet answers). */
  timeoutMs: number;
}

/** What the vault tells the rest of the console about (the audit trail listens). */
export interface VaultEvents {
  reconnectNeeded?(userId: string): Promise<void>;
}

/** Where the vault says what went wrong in the background (never with a token in it). */
export interface VaultLog {
  warn(obj: object, msg: string): void;
}

/**
 * The one place that holds a seller's Sonlet tokens. The access token is kept in process memory (see
 * LiveTokens), attached as the bearer token, refreshed on 401 or shortly before expiry, and each refresh is
 * single-flight per seller across processes: with a rotating refresh token, two refreshes at once would burn
 * the token one of them depends on.
 */
export class TokenVault {
  /** Same-process callers share one refresh; other processes are serialised by the row lock. */
  private readonly inFlight = new Map<string, Promise<LiveToken>>();
  /**
   * A refresh holds a database connection (the row lock) while it waits on Sonlet. Bounding how many
   * run at once keeps most of the pool for pages even if Sonlet's token endpoint hangs.
   */
  private readonly refreshSlots = new Semaphore(4);
  private readonly live: LiveTokens;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly cipher: TokenCipher,
    private readonly http: SonletHttp,
    private readonly settings: VaultSettings,
    private readonly clock: Clock = Date,
    private readonly events: VaultEvents = {},
  ) {
    this.live = new LiveTokens(clock);
  }

  async saveGrant(userId: string, tokens: TokenSet): Promise<void> {
    const sealed = {
      baseUrl: this.settings.baseUrl,
      accessTokenEnc: this.cipher.encrypt(tokens.accessToken),
      refreshTokenEnc: this.cipher.encrypt(tokens.refreshToken),
      expiresAt: tokens.expiresAt,
      status: 'active' as const,
      lastRefreshError: null,
    };
    const row = await this.prisma.sonletConnection.upsert({
      where: { userId },
      create: { userId, ...sealed },
      update: { ...sealed, generation: { increment: 1 } },
    });
    this.live.remember(userId, row, tokens.accessToken);
  }

  /**
   * Revokes both tokens at Sonlet (best effort: a failure or timeout is logged and does not stop the
   * disconnect), then forgets them here and in the database.
   */
  async disconnect(userId: string, log?: VaultLog): Promise<void> {
    this.live.forget(userId);
    const row = await this.prisma.sonletConnection.findUnique({ where: { userId } });
    if (row) {
      const tokens = [
        { sealed: row.refreshTokenEnc, hint: 'refresh_token' as const },
        { sealed: row.accessTokenEnc, hint: 'access_token' as const },
      ];
      await Promise.all(
        tokens.map(async ({ sealed, hint }) => {
          try {
            await revokeToken(this.http, this.settings, this.cipher.decrypt(sealed), hint);
          } catch (err) {
            log?.warn({ tokenType: hint, problem: err instanceof Error ? err.message : 'unknown' }, 'could not revoke a Sonlet token at disconnect');
          }
        }),
      );
    }
    await this.prisma.sonletConnection.deleteMany({ where: { userId } });
    this.live.forget(userId);
  }

  async state(userId: string): Promise<ConnectionState> {
    const row = await this.prisma.sonletConnection.findUnique({ where: { userId } });
    if (!row) return { state: 'none' };
    if (row.status === 'needs_reconnect') return { state: 'needs_reconnect', reason: row.lastRefreshError };
    return { state: 'active', expiresAt: row.expiresAt, connectedAt: row.createdAt };
  }

  /**
   * Runs `call` with a valid access token. A 401 answer triggers one refresh and one retry (when another
   * process has already refreshed, its token is used instead); `call` returns the answer so the vault sees it.
   */
  async withAccessToken(userId: string, call: (accessToken: string) => Promise<SonletAnswer>): Promise<SonletAnswer> {
    let token = await this.current(userId);
    const res = await call(token.accessToken);
    if (res.status !== 401) return res;
    await res.discard();
    token = await this.refresh(userId, token);
    return call(token.accessToken);
  }

  private async current(userId: string): Promise<LiveToken> {
    const token = this.live.get(userId) ?? (await this.load(userId));
    if (token.expiresAt - this.clock.now() < this.leewayMs(token)) {
      try {
        return await this.refresh(userId, token);
      } catch (err) {
        // An early refresh that Sonlet did not answer is retried on a later call; the current token still works.
        if (err instanceof ProviderUnavailableError && token.expiresAt > this.clock.now()) return token;
        throw err;
      }
    }
    return token;
  }

  /**
   * How long before expiry a token is renewed: the configured leeway, but never more than half the token's
   * life. A Sonlet that gives tokens for less than the leeway would otherwise be asked for a new one on
   * every call (a 500-page walk, 500 refreshes).
   */
  private leewayMs(token: LiveToken): number {
    return Math.min(this.settings.refreshLeewaySeconds * 1000, Math.max(0, (token.expiresAt - token.issuedAt) / 2));
  }

  private async load(userId: string): Promise<LiveToken> {
    const row = await this.prisma.sonletConnection.findUnique({ where: { userId } });
    return this.usable(userId, row);
  }

  private usable(userId: string, row: SonletConnection | null): LiveToken {
    if (!row || row.status === 'needs_reconnect') {
      this.live.forget(userId);
      throw row ? new NeedsReconnectError() : new NotConnectedError();
    }
    return this.live.remember(userId, row, (sealed) => this.cipher.decrypt(sealed));
  }

  private refresh(userId: string, seen: LiveToken): Promise<LiveToken> {
    const pending = this.inFlight.get(userId);
    if (pending) return pending;
    const run = this.refreshSlots.run(() => this.refreshUnderLock(userId, seen)).finally(() => this.inFlight.delete(userId));
    this.inFlight.set(userId, run);
    return run;
  }

  private async refreshUnderLock(userId: string, seen: LiveToken): Promise<LiveToken> {
    let outcome;
    try {
      outcome = await this.refreshInTransaction(userId, seen);
    } catch (err) {
      if (err instanceof ProviderUnavailableError) observeTokenRefresh('unavailable');
      throw err;
    }
    if ('refused' in outcome) {
      observeTokenRefresh('refused');
      this.live.forget(userId);
      await this.events.reconnectNeeded?.(userId);
      throw new NeedsReconnectError();
    }
    if (outcome.refreshed) observeTokenRefresh('ok');
    return outcome.live;
  }

  private refreshInTransaction(userId: string, seen: LiveToken) {
    return this.prisma.$transaction(
      async (tx) => {
        // Row lock: a second process waits here, then sees that the tokens changed and skips its refresh.
        const locked = await tx.$queryRaw<SonletConnection[]>`
          SELECT * FROM "SonletConnection" WHERE "userId" = ${userId}::uuid FOR UPDATE`;
        const row = locked[0] ?? null;
        const current = this.usable(userId, row);
        if (!LiveTokens.same(current, seen)) return { live: current, refreshed: false };

        try {
          const tokens = await refreshTokens(this.http, this.settings, this.cipher.decrypt(row!.refreshTokenEnc), this.clock.now());
          const updated = await tx.sonletConnection.update({
            where: { userId },
            data: {
              accessTokenEnc: this.cipher.encrypt(tokens.accessToken),
              refreshTokenEnc: this.cipher.encrypt(tokens.refreshToken),
              expiresAt: tokens.expiresAt,
              generation: { increment: 1 },
              lastRefreshError: null,
            },
          });
          return { live: this.live.remember(userId, updated, tokens.accessToken), refreshed: true };
        } catch (err) {
          if (!(err instanceof RefreshRefusedError)) throw err;
          // Read under the lock, so this really is the current refresh token being refused.
          await tx.sonletConnection.update({
            where: { userId },
            data: { status: 'needs_reconnect', lastRefreshError: `Sonlet refused the refresh token (${err.reason}).` },
          });
          return { refused: true as const };
        }
      },
      { timeout: this.settings.timeoutMs + 5_000, maxWait: this.settings.timeoutMs + 5_000 },
    );
  }
}
