/**
 * The console's Sonlet client (HTTP stack, token vault, API client) in this process, against the hostile double,
 * with a clock the test moves. A seller is a User row with a grant from the double.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createPrisma, type PrismaClient } from '../../src/db/client.js';
import { TokenCipher } from '../../src/crypto/token-cipher.js';
import { createSonlet, type SonletSettings } from '../../src/sonlet/sonlet.js';
import { tokenSetFrom } from '../../src/sonlet/oauth.js';
import type { HostileProvider } from './hostile-provider.js';
import './provided-context.js';

export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export function testClock(start = Date.now()): TestClock {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

export type SonletOnDouble = ReturnType<typeof createSonlet> & { prisma: PrismaClient; cipher: TokenCipher; clock: TestClock };

export function sonletOnDouble(double: HostileProvider, overrides: Partial<SonletSettings> = {}, shared?: { prisma: PrismaClient; cipher: TokenCipher; clock: TestClock }): SonletOnDouble {
  const prisma = shared?.prisma ?? createPrisma(inject('databaseUrl'));
  const cipher = shared?.cipher ?? new TokenCipher(randomBytes(32));
  const clock = shared?.clock ?? testClock();
  const settings: SonletSettings = {
    baseUrl: double.sonlet.url,
    clientId: double.sonlet.clientId,
    clientSecret: double.sonlet.clientSecret,
    timeoutMs: 2000,
    refreshLeewaySeconds: 3600,
    maxAnswerBytes: 4 * 1024 * 1024,
    maxMediaBytes: 1024 * 1024,
    maxWalkPages: 500,
    ...overrides,
  };
  return { ...createSonlet(settings, prisma, cipher, clock), prisma, cipher, clock };
}

/** A console user connected to the double as `doubleUser` (the authorization-code flow by plain HTTP). */
export async function connectedSeller(sonlet: SonletOnDouble, double: HostileProvider, doubleUser: string): Promise<string> {
  const user = await sonlet.prisma.user.create({ data: { email: `${doubleUser}-${randomBytes(4).toString('hex')}@example.com`, passwordHash: 'x' } });
  const authorize = new URL(`${double.sonlet.url}/o/authorize/`);
  authorize.search = new URLSearchParams({ response_type: 'code', client_id: double.sonlet.clientId, redirect_uri: 'http://console.test/cb', state: 's', as: doubleUser }).toString();
  const code = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
  const res = await fetch(`${double.sonlet.url}/o/token/`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'http://console.test/cb', client_id: double.sonlet.clientId, client_secret: double.sonlet.clientSecret }),
  });
  await sonlet.vault.saveGrant(user.id, tokenSetFrom(await res.json(), sonlet.clock.now()));
  return user.id;
}
