/**
 * The token vault against the hostile double over real HTTP and real Postgres: the access token lives in
 * process memory (no database read per call), another process's refresh, reconnect or disconnect is noticed,
 * refresh refusals mean "needs reconnecting", and disconnect revokes both tokens at Sonlet, best effort.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHostileProvider, type HostileProvider } from './support/hostile-provider.js';
import { connectedSeller, sonletOnDouble, type SonletOnDouble } from './support/sonlet-on-double.js';
import { REVALIDATE_MS } from '../src/sonlet/live-tokens.js';
import { NeedsReconnectError, NotConnectedError, ProviderUnavailableError } from '../src/errors.js';

let double: HostileProvider;
let a: SonletOnDouble;
/** A second console process on the same database (its own memory, HTTP stack and vault). */
let b: SonletOnDouble;

beforeAll(async () => {
  double = await startHostileProvider();
  a = sonletOnDouble(double, { timeoutMs: 1500 });
  b = sonletOnDouble(double, { timeoutMs: 1500 }, { prisma: a.prisma, cipher: a.cipher, clock: a.clock });
});
afterAll(async () => {
  await Promise.all([a.http.close(), b.http.close()]);
  await a.prisma.$disconnect();
  await double.close();
});
beforeEach(() => {
  double.sonlet.off();
  double.sonlet.refuseRefresh(null);
  double.resetCounts();
});

const tokenRequests = () => double.sonlet.count('/o/token/');

/** A seller connected to the double; the counts start after the code exchange. */
async function connected(s: SonletOnDouble, user: string): Promise<string> {
  const userId = await connectedSeller(s, double, user);
  double.resetCounts();
  return userId;
}
const sizes = (s: SonletOnDouble, userId: string) => s.apiFor(userId).listAllSizes();
const row = (userId: string) => a.prisma.sonletConnection.findUnique({ where: { userId } });

describe('the access token in process memory', () => {
  it('is used without reading the row again until it is due a check; then a changed row is noticed', async () => {
    const seller = await connected(a, 'memory');
    expect(await sizes(a, seller)).toHaveLength(5);
    // Another process could have changed the row; here it now holds a token Sonlet does not know.
    const sealedJunk = a.cipher.encrypt('not-a-token-sonlet-knows');
    await a.prisma.sonletConnection.update({ where: { userId: seller }, data: { accessTokenEnc: sealedJunk, generation: { increment: 1 } } });
    for (let i = 0; i < 5; i++) expect(await sizes(a, seller)).toHaveLength(5);
    expect(double.requests.filter((r) => r.path === '/api/v2/sizes/').every((r) => r.user === 'memory')).toBe(true);

    a.clock.advance(REVALIDATE_MS + 1);
    double.resetCounts();
    // The check finds the junk token: Sonlet answers 401, the vault refreshes once and carries on.
    expect(await sizes(a, seller)).toHaveLength(5);
    expect(double.requests.filter((r) => r.path === '/api/v2/sizes/').map((r) => r.user)).toEqual([null, 'memory']);
    expect(tokenRequests()).toBe(1);
  });

  it('a process whose token another process refreshed notices on the 401 and uses the new token without refreshing again', async () => {
    const seller = await connected(a, 'stale');
    expect(await sizes(a, seller)).toHaveLength(5);
    expect(await sizes(b, seller)).toHaveLength(5);
    const before = await row(seller);
    double.sonlet.expireAccessTokens('stale');
    expect(await sizes(b, seller)).toHaveLength(5);
    expect(tokenRequests()).toBe(1);
    // A still holds the old token (and the refresh revoked it at Sonlet).
    expect(await sizes(a, seller)).toHaveLength(5);
    expect(tokenRequests()).toBe(1);
    expect((await row(seller))!.generation).toBe(before!.generation + 1);
  });

  it('refreshes early when the token is within the leeway of expiring, by the clock', async () => {
    const seller = await connected(a, 'leeway');
    expect(await sizes(a, seller)).toHaveLength(5);
    a.clock.advance(14 * 24 * 3600 * 1000 - 1800 * 1000);
    expect(await sizes(a, seller)).toHaveLength(5);
    expect(tokenRequests()).toBe(1);
    expect(await sizes(a, seller)).toHaveLength(5);
    expect(tokenRequests()).toBe(1);
  });
});

describe('refresh failures', () => {
  for (const [status, body] of [
    [400, { error: 'invalid_grant' }],
    [400, { error: 'invalid_request', error_description: 'refresh token <b>unknown</b>' }],
    [401, { error: 'invalid_client' }],
    [401, '<html>Unauthorized</html>'],
  ] as const) {
    it(`${status} ${JSON.stringify(body).slice(0, 30)} from /o/token/ means "needs reconnecting"`, async () => {
      const seller = await connected(a, `refused-${status}`);
      double.sonlet.expireAccessTokens(`refused-${status}`);
      double.sonlet.refuseRefresh({ status, body });
      await expect(sizes(a, seller)).rejects.toBeInstanceOf(NeedsReconnectError);
      const stored = await row(seller);
      expect(stored!.status).toBe('needs_reconnect');
      expect(stored!.lastRefreshError).toMatch(/^Sonlet refused the refresh token \((invalid_\w+|HTTP 401)\)\.$/);
      // Nothing is asked of Sonlet again until the seller reconnects.
      double.resetCounts();
      await expect(sizes(a, seller)).rejects.toBeInstanceOf(NeedsReconnectError);
      expect(double.requests).toHaveLength(0);
    });
  }

  it('a 503 or a timeout keeps the old tokens and the connection', async () => {
    const seller = await connected(a, 'flaky');
    const before = await row(seller);
    double.sonlet.expireAccessTokens('flaky');
    double.sonlet.refuseRefresh({ status: 503, body: { detail: 'down' } });
    await expect(sizes(a, seller)).rejects.toBeInstanceOf(ProviderUnavailableError);
    double.sonlet.refuseRefresh(null);
    double.sonlet.on('/o/token/', { kind: 'hang' });
    const err = await sizes(a, seller).catch((e: unknown) => e);
    expect((err as ProviderUnavailableError).kind).toBe('provider-timeout');
    const after = await row(seller);
    expect(after).toMatchObject({ status: 'active', refreshTokenEnc: before!.refreshTokenEnc, generation: before!.generation });
    double.sonlet.off();
    expect(await sizes(a, seller)).toHaveLength(5);
  });
});

describe('disconnect', () => {
  it('revokes the refresh and the access token at Sonlet, then forgets them; another process notices at once', async () => {
    const seller = await connected(a, 'leaving');
    expect(await sizes(a, seller)).toHaveLength(5);
    expect(await sizes(b, seller)).toHaveLength(5);
    const stored = await row(seller);
    const access = a.cipher.decrypt(stored!.accessTokenEnc);
    const refresh = a.cipher.decrypt(stored!.refreshTokenEnc);
    await a.vault.disconnect(seller);
    expect(double.sonlet.revoked).toEqual(expect.arrayContaining([access, refresh]));
    expect(await row(seller)).toBeNull();
    await expect(sizes(a, seller)).rejects.toBeInstanceOf(NotConnectedError);
    // B still held the access token in memory: Sonlet now refuses it, and B finds the row gone.
    await expect(sizes(b, seller)).rejects.toBeInstanceOf(NotConnectedError);
    expect(tokenRequests()).toBe(0);
  });

  it('still disconnects when Sonlet refuses or does not answer the revocation, and logs no secret', async () => {
    for (const behaviour of [{ kind: 'status', status: 503, body: { detail: 'down' } }, { kind: 'hang' }] as const) {
      const seller = await connected(a, `revoke-${behaviour.kind}`);
      const stored = await row(seller);
      double.sonlet.on('/o/revoke_token/', behaviour);
      const lines: string[] = [];
      await a.vault.disconnect(seller, { warn: (obj, msg) => lines.push(`${msg} ${JSON.stringify(obj)}`) });
      expect(await row(seller)).toBeNull();
      expect(lines).toHaveLength(2);
      expect(lines.join('\n')).toMatch(/could not revoke a Sonlet token/);
      for (const sealed of [stored!.accessTokenEnc, stored!.refreshTokenEnc]) expect(lines.join('\n')).not.toContain(a.cipher.decrypt(sealed));
      expect(lines.join('\n')).not.toContain(double.sonlet.clientSecret);
    }
  });
});
