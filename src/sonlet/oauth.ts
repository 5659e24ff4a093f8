import { ProviderUnavailableError } from '../errors.js';
import type { SonletHttp } from './http.js';

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

export interface OAuthClientConfig {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

/** Sonlet refused the refresh token: only the seller can fix it by reconnecting. `reason` is Sonlet's error code. */
export class RefreshRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`Sonlet refused the refresh token (${reason})`);
  }
}

/** An access token goes into an Authorization header as it is (RFC 6750's b64token), so it must be one. */
const ACCESS_TOKEN = /^[A-Za-z0-9\-._~+/]{1,4096}=*$/;
/** A refresh token is only sent back in a form body: any visible ASCII (RFC 6749's VSCHAR, without space). */
const REFRESH_TOKEN = /^[\x21-\x7e]{1,4096}$/;

export function tokenSetFrom(body: unknown, now = Date.now()): TokenSet {
  const raw = body as Record<string, unknown>;
  if (typeof raw?.access_token !== 'string' || typeof raw.refresh_token !== 'string') {
    throw new ProviderUnavailableError('Sonlet', 'sent a token answer without access_token or refresh_token');
  }
  // Kept, a token no request can carry would fail every call for as long as it lasts, looking like an outage.
  if (!ACCESS_TOKEN.test(raw.access_token) || !REFRESH_TOKEN.test(raw.refresh_token)) {
    throw new ProviderUnavailableError('Sonlet', 'sent a token the console cannot use');
  }
  return { accessToken: raw.access_token, refreshToken: raw.refresh_token, expiresAt: new Date(now + lifetimeSeconds(raw.expires_in) * 1000) };
}

const DEFAULT_LIFETIME_S = 14 * 24 * 3600;
/** Shorter could end between reading a token and using it; a 401 still triggers a refresh when it ends sooner. */
const MIN_LIFETIME_S = 60;
/** Beyond a year the date may not even be storable (1e300 seconds is no date at all), and the token is never refreshed early. */
const MAX_LIFETIME_S = 366 * 24 * 3600;

/** `expires_in` as Sonlet states it, bounded: missing or unreadable means Sonlet's documented default. */
function lifetimeSeconds(stated: unknown): number {
  const seconds = typeof stated === 'string' && stated.trim() !== '' ? Number(stated) : typeof stated === 'number' ? stated : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) return DEFAULT_LIFETIME_S;
  return Math.min(MAX_LIFETIME_S, Math.max(MIN_LIFETIME_S, seconds));
}

/** An OAuth error code is shown to sellers and kept in the database: only its plain letters, never an echo of the token. */
function errorCode(body: unknown, status: number): string {
  const error = (body as { error?: unknown } | null)?.error;
  return typeof error === 'string' && /^[a-z_]{1,40}$/.test(error) ? error : `HTTP ${status}`;
}

function form(config: OAuthClientConfig, fields: Record<string, string>) {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ ...fields, client_id: config.clientId, client_secret: config.clientSecret }).toString(),
  };
}

/**
 * `grant_type=refresh_token` with the client credentials in the form body, as Sonlet's docs show. Any 400 or
 * 401 for this refresh token (`invalid_grant` or otherwise) means it will never work again: reconnecting is
 * the only way. A 5xx or a timeout leaves the outcome unknown, so the old tokens are kept.
 */
export async function refreshTokens(http: SonletHttp, config: OAuthClientConfig, refreshToken: string, now = Date.now()): Promise<TokenSet> {
  const res = await http.exchange({ method: 'POST', url: new URL(`${config.baseUrl}/o/token/`), ...form(config, { grant_type: 'refresh_token', refresh_token: refreshToken }) });
  const body = await res.json();
  if (res.ok) return tokenSetFrom(body, now);
  if (res.status === 400 || res.status === 401) throw new RefreshRefusedError(errorCode(body, res.status));
  throw new ProviderUnavailableError('Sonlet', `answered ${res.status} to a token refresh`);
}

/**
 * RFC 7009 revocation (`POST /o/revoke_token/`, as django-oauth-toolkit serves it). Resolves when Sonlet
 * confirmed it; throws a domain error (never carrying the token) when it did not.
 */
export async function revokeToken(http: SonletHttp, config: OAuthClientConfig, token: string, hint: 'access_token' | 'refresh_token'): Promise<void> {
  const res = await http.exchange({ method: 'POST', url: new URL(`${config.baseUrl}/o/revoke_token/`), ...form(config, { token, token_type_hint: hint }) });
  await res.discard();
  if (!res.ok) throw new ProviderUnavailableError('Sonlet', `answered ${res.status} to a token revocation`);
}
