/**
 * /o/token/ and /o/revoke_token/ as django-oauth-toolkit (oauthlib) serves them: client credentials
 * in the form body (as the reference's examples send them) or HTTP Basic, rotating refresh tokens.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from './accounts.js';
import { type SandboxClient, type SandboxContext, bindTo, field, rawQuery } from './context.js';
import { randomToken } from './store.js';

export function tokenRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const bind = bindTo(ctx);
  app.post('/o/token/', bind(issueToken));
  app.post('/o/revoke_token/', bind(revokeToken));
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function tokenError(reply: FastifyReply, status: number, error: string, description?: string) {
  if (status === 401) reply.header('www-authenticate', `Bearer error="${error}"${description ? `, error_description="${description}"` : ''}`);
  return reply.code(status).send(description ? { error, error_description: description } : { error });
}

/** oauthlib reads the form body only; anything else is an empty request. */
function formBody(request: FastifyRequest): Record<string, unknown> {
  if (!/^application\/x-www-form-urlencoded/i.test(request.headers['content-type'] ?? '')) return {};
  return (request.body as Record<string, unknown> | undefined) ?? {};
}

function authenticateClient(ctx: SandboxContext, request: FastifyRequest, body: unknown): SandboxClient | null {
  const known = (id: string, secret: string) => {
    const client = ctx.clients.get(id);
    return client && safeEqual(secret, client.clientSecret) ? client : null;
  };
  const auth = request.headers.authorization;
  if (auth && /^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    try {
      // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
      const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      const client = colon > 0 ? known(unform(decoded.slice(0, colon)), unform(decoded.slice(colon + 1))) : null;
      if (client) return client;
    } catch {
      // malformed escapes: fall through to the body's credentials
    }
  }
  const id = field(body, 'client_id');
  const secret = field(body, 'client_secret');
  return id && secret !== undefined ? known(id, secret) : null;
}

function newTokens(ctx: SandboxContext, clientId: string, username: string, scope: string) {
  const { store, settings } = ctx;
  const accessToken = randomToken(30);
  const refreshToken = randomToken(30);
  store.accessTokens.set(accessToken, { token: accessToken, clientId, username, scope, expiresAt: Date.now() + settings.accessTokenTtlSeconds * 1000, refreshToken });
  store.refreshTokens.set(refreshToken, { token: refreshToken, clientId, username, scope, accessToken, revoked: false });
  store.changed();
  return { access_token: accessToken, expires_in: settings.accessTokenTtlSeconds, token_type: 'Bearer', scope, refresh_token: refreshToken };
}

/** POST /o/token/: grant_type authorization_code or refresh_token; 200 with the token set. */
function issueToken(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  const body = formBody(request);
  const grantType = field(body, 'grant_type');
  if (!grantType) return tokenError(reply, 400, 'invalid_request', 'Missing grant_type parameter.');
  if (grantType === 'authorization_code') return codeGrant(ctx, request, reply, body);
  if (grantType === 'refresh_token') return refreshGrant(ctx, request, reply, body);
  return tokenError(reply, 400, 'unsupported_grant_type');
}

function codeGrant(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>) {
  const code = field(body, 'code');
  if (!code) return tokenError(reply, 400, 'invalid_request', 'Missing code parameter.');
  const client = authenticateClient(ctx, request, body);
  if (!client) return tokenError(reply, 401, 'invalid_client');
  const grant = ctx.store.grants.get(code);
  if (!grant || grant.clientId !== client.clientId || grant.expiresAt < Date.now()) return tokenError(reply, 400, 'invalid_grant');
  const verifier = field(body, 'code_verifier');
  if (grant.codeChallenge) {
    if (!verifier) return tokenError(reply, 400, 'invalid_request', 'Code verifier required.');
    const computed = grant.codeChallengeMethod === 'S256' ? s256(verifier) : verifier;
    if (!safeEqual(computed, grant.codeChallenge)) return tokenError(reply, 400, 'invalid_grant');
  } else if (ctx.settings.requirePkce) {
    if (verifier === undefined) return tokenError(reply, 400, 'invalid_request', 'Code verifier required.');
    return tokenError(reply, 400, 'invalid_grant', 'Challenge not found');
  }
  const redirectUri = field(body, 'redirect_uri') || ctx.redirectUris(client, request)[0];
  if (redirectUri !== grant.redirectUri) return tokenError(reply, 400, 'invalid_request', 'Mismatching redirect URI.');
  ctx.store.grants.delete(code);
  return reply.code(200).send(newTokens(ctx, client.clientId, grant.username, grant.scope));
}

/** Rotation, as DOT does it: the old refresh token is revoked and its access token deleted. */
function refreshGrant(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>) {
  const token = field(body, 'refresh_token');
  if (!token) return tokenError(reply, 400, 'invalid_request', 'Missing refresh token parameter.');
  const client = authenticateClient(ctx, request, body);
  if (!client) return tokenError(reply, 401, 'invalid_client');
  const record = ctx.store.refreshTokens.get(token);
  if (!record || record.revoked || record.clientId !== client.clientId) return tokenError(reply, 400, 'invalid_grant');
  const asked = [...new Set((field(body, 'scope') ?? '').trim().split(/\s+/).filter(Boolean))];
  const had = new Set(record.scope.split(' '));
  if (asked.some((s) => !had.has(s))) return tokenError(reply, 400, 'invalid_scope');
  record.revoked = true;
  if (record.accessToken) ctx.store.accessTokens.delete(record.accessToken);
  record.accessToken = null;
  return reply.code(200).send(newTokens(ctx, client.clientId, record.username, asked.length ? asked.join(' ') : record.scope));
}

/**
 * POST /o/revoke_token/ (RFC 7009 as DOT serves it): the token first, then the client's
 * credentials; 200 with an empty body for any token, even an unknown one. The hint's type is
 * looked up first, then the other; revoking a refresh token revokes its access token too.
 */
function revokeToken(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (rawQuery(request) !== '') return tokenError(reply, 400, 'invalid_request', 'URL query parameters are not allowed');
  const body = formBody(request);
  const token = field(body, 'token');
  if (!token) return tokenError(reply, 400, 'invalid_request', 'Missing token parameter.');
  if (!authenticateClient(ctx, request, body)) return tokenError(reply, 401, 'invalid_client');
  const { store } = ctx;
  const revokeAccess = () => {
    const access = store.accessTokens.get(token);
    if (!access) return false;
    store.accessTokens.delete(token);
    const refresh = access.refreshToken ? store.refreshTokens.get(access.refreshToken) : undefined;
    if (refresh) refresh.accessToken = null;
    return true;
  };
  const revokeRefresh = () => {
    const refresh = store.refreshTokens.get(token);
    if (!refresh) return false;
    refresh.revoked = true;
    if (refresh.accessToken) store.accessTokens.delete(refresh.accessToken);
    refresh.accessToken = null;
    return true;
  };
  const revoked = field(body, 'token_type_hint') === 'refresh_token' ? revokeRefresh() || revokeAccess() : revokeAccess() || revokeRefresh();
  if (revoked) store.changed();
  return reply.code(200).header('content-type', 'text/html; charset=utf-8').send('');
}
