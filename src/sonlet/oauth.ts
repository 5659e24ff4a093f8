import { ProviderUnavailableError } from '../errors.js';

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

export interface OAuthClientConfig {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

/** Sonlet refused the refresh token (`invalid_grant`): only the seller can fix it by reconnecting. */
export class RefreshRefusedError extends Error {}

export function tokenSetFrom(body: unknown, now = Date.now()): TokenSet {
  const raw = body as Record<string, unknown>;
  if (typeof raw?.access_token !== 'string' || typeof raw.refresh_token !== 'string') {
    throw new Error('Sonlet token response lacks access_token or refresh_token');
  }
  const expiresIn = typeof raw.expires_in === 'number' ? raw.expires_in : Number(raw.expires_in ?? 14 * 24 * 3600);
  return { accessToken: raw.access_token, refreshToken: raw.refresh_token, expiresAt: new Date(now + expiresIn * 1000) };
}

/**
 * `grant_type=refresh_token` with the client credentials in the form body, as Sonlet's docs show.
 * A 5xx or a timeout leaves the outcome unknown, so it is never treated as a refusal.
 */
export async function refreshTokens(config: OAuthClientConfig, refreshToken: string): Promise<TokenSet> {
  let res: Response;
  try {
    res = await fetch(`${config.baseUrl}/o/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: config.clientId,
        client_secret: config.clientSecret,
      }),
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    throw new ProviderUnavailableError('Sonlet', timedOut ? 'did not answer in time' : 'could not be reached', { timedOut });
  }
  const body = await res.json().catch(() => null);
  if (res.ok) return tokenSetFrom(body);
  const error = (body as { error?: string } | null)?.error;
  if (res.status === 400 && error === 'invalid_grant') throw new RefreshRefusedError('Sonlet refused the refresh token');
  if (res.status >= 500) throw new ProviderUnavailableError('Sonlet', `answered ${res.status}`);
  // invalid_client and friends: our configuration is wrong, reconnecting will not help but the seller must know.
  throw new ProviderUnavailableError('Sonlet', `refused the console's credentials (${error ?? res.status})`);
}
