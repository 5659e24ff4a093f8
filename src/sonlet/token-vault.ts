import type { PrismaClient, SonletConnection } from '../generated/prisma/client.js';
import type { TokenCipher } from '../crypto/token-cipher.js';
import { NeedsReconnectError, NotConnectedError, ProviderUnavailableError } from '../errors.js';
import type { SonletAnswer } from './answer.js';
import { refreshTokens, RefreshRefusedError, type OAuthClientConfig, type TokenSet } from './oauth.js';
import { observeTokenRefresh } from '../metrics/provider-calls.js';

/** What the vault tells the rest of the console about (the audit trail listens). */
export interface VaultEvents {
  reconnectNeeded?(userId: string): Promise<void>;
}

export type ConnectionState =
  | { state: 'none' }
  | { state: 'active'; expiresAt: Date; connectedAt: Date }
  | { state: 'needs_reconnect'; reason: string | null };

interface LiveToken {
  accessToken: string;
  generation: number;
}

/**
 * The one place that holds a seller's Sonlet tokens. Attaches the bearer token, refreshes on 401 or
 * shortly before expiry, and makes each refresh single-flight per seller across processes: with a
 * rotating refresh token, two refreshes at once would burn the token one of them depends on.
 */
export class TokenVault {
  /** Same-process callers share one refresh; other processes are serialised by the row lock. */
  private readonly inFlight = new Map<string, Promise<LiveToken>>();
  /**
   * A refresh holds a database connection (the row lock) while it waits on Sonlet. Bounding how many
   * run at once keeps most of the pool for pages even if Sonlet's token endpoint hangs.
   */
  private readonly refreshSlots = new Semaphore(4);

  constructor(
    private readonly prisma: PrismaClient,
    private readonly cipher: TokenCipher,
    private readonly oauth: OAuthClientConfig & { refreshLeewaySeconds: number },
    private readonly events: VaultEvents = {},
  ) {}

  async saveGrant(userId: string, tokens: TokenSet): Promise<void> {
    const sealed = {
      baseUrl: this.oauth.baseUrl,
      accessTokenEnc: this.cipher.encrypt(tokens.accessToken),
      refreshTokenEnc: this.cipher.encrypt(tokens.refreshToken),
      expiresAt: tokens.expiresAt,
      status: 'active' as const,
      lastRefreshError: null,
    };
    await this.prisma.sonletConnection.upsert({
      where: { userId },
      create: { userId, ...sealed },
      update: { ...sealed, generation: { increment: 1 } },
    });
  }

  async disconnect(userId: string): Promise<void> {
    await this.prisma.sonletConnection.deleteMany({ where: { userId } });
  }

  async state(userId: string): Promise<ConnectionState> {
    const row = await this.prisma.sonletConnection.findUnique({ where: { userId } });
    if (!row) return { state: 'none' };
    if (row.status === 'needs_reconnect') return { state: 'needs_reconnect', reason: row.lastRefreshError };
    return { state: 'active', expiresAt: row.expiresAt, connectedAt: row.createdAt };
  }

  /**
   * Runs `call` with a valid access token. A 401 answer triggers one refresh and one retry;
   * `call` must return the answer so the vault can see the status.
   */
  async withAccessToken(userId: string, call: (accessToken: string) => Promise<SonletAnswer>): Promise<SonletAnswer> {
    let token = await this.current(userId);
    const res = await call(token.accessToken);
    if (res.status !== 401) return res;
    await res.discard();
    token = await this.refresh(userId, token.generation);
    return call(token.accessToken);
  }

  private async current(userId: string): Promise<LiveToken> {
    const row = await this.prisma.sonletConnection.findUnique({ where: { userId } });
    const live = this.usable(row);
    const expiresAt = row!.expiresAt.getTime();
    if (expiresAt - Date.now() < this.oauth.refreshLeewaySeconds * 1000) {
      try {
        return await this.refresh(userId, live.generation);
      } catch (err) {
        // An early refresh that Sonlet did not answer is retried on a later call; the current token still works.
        if (err instanceof ProviderUnavailableError && expiresAt > Date.now()) return live;
        throw err;
      }
    }
    return live;
  }

  private usable(row: SonletConnection | null): LiveToken {
    if (!row) throw new NotConnectedError();
    if (row.status === 'needs_reconnect') throw new NeedsReconnectError();
    return { accessToken: this.cipher.decrypt(row.accessTokenEnc), generation: row.generation };
  }

  private refresh(userId: string, seenGeneration: number): Promise<LiveToken> {
    const pending = this.inFlight.get(userId);
    if (pending) return pending;
    const run = this.refreshSlots.run(() => this.refreshUnderLock(userId, seenGeneration)).finally(() => this.inFlight.delete(userId));
    this.inFlight.set(userId, run);
    return run;
  }

  private async refreshUnderLock(userId: string, seenGeneration: number): Promise<LiveToken> {
    let outcome;
    try {
      outcome = await this.refreshInTransaction(userId, seenGeneration);
    } catch (err) {
      if (err instanceof ProviderUnavailableError) observeTokenRefresh('unavailable');
      throw err;
    }
    if ('refused' in outcome) {
      observeTokenRefresh('refused');
      await this.events.reconnectNeeded?.(userId);
      throw new NeedsReconnectError();
    }
    if (outcome.refreshed) observeTokenRefresh('ok');
    return outcome.live;
  }

  private refreshInTransaction(userId: string, seenGeneration: number) {
    return this.prisma.$transaction(
      async (tx) => {
        // Row lock: a second process waits here, then sees the bumped generation and skips its refresh.
        const locked = await tx.$queryRaw<SonletConnection[]>`
          SELECT * FROM "SonletConnection" WHERE "userId" = ${userId}::uuid FOR UPDATE`;
        const row = locked[0] ?? null;
        const live = this.usable(row);
        if (row!.generation !== seenGeneration) return { live, refreshed: false };

        try {
          const tokens = await refreshTokens(this.oauth, this.cipher.decrypt(row!.refreshTokenEnc));
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
          return { live: { accessToken: tokens.accessToken, generation: updated.generation }, refreshed: true };
        } catch (err) {
          if (!(err instanceof RefreshRefusedError)) throw err;
          // Read under the lock, so this really is the current refresh token being refused.
          await tx.sonletConnection.update({
            where: { userId },
            data: { status: 'needs_reconnect', lastRefreshError: 'Sonlet refused the refresh token (invalid_grant).' },
          });
          return { refused: true as const };
        }
      },
      { timeout: this.oauth.timeoutMs + 5_000, maxWait: this.oauth.timeoutMs + 5_000 },
    );
  }
}

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
