/**
 * OAuth 2 of the Sonlet sandbox, modelled on django-oauth-toolkit (oauthlib): /o/authorize/,
 * /o/token/, /o/revoke_token/, the sandbox's own sign-in, and the /tools/ pages for humans.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type SandboxClient, type SandboxContext, field, rawQuery } from './context.js';
import { esc, parseCookies, serializeCookie, shellQuote } from '../html.js';
import { sonletPage as sendPage } from './page.js';
import type { SessionRecord } from './model.js';
import { SEED_SELLERS } from './seed-catalog.js';
import { randomToken } from './store.js';

const SESSION_COOKIE = 'sonlet_sandbox_sid';
const SESSION_MAX_AGE_S = 14 * 24 * 3600;
const CODE_TTL_MS = 60_000;
const KNOWN_SCOPES = new Set(['read', 'write']);
const DEFAULT_SCOPE = 'read write';
const SCOPE_LABELS: Record<string, string> = {
  read: 'Reading scope: see your items, images, styles and sizes',
  write: 'Writing scope: create items and images in your Sonlet inventory',
};

interface AuthorizeParams {
  client: SandboxClient;
  redirectUri: string;
  responseType: string;
  state: string | undefined;
  scope: string;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
}

type AuthorizeCheck =
  | { kind: 'fatal'; error: string; description: string }
  | { kind: 'redirect'; url: string }
  | { kind: 'ok'; params: AuthorizeParams };

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v);
  return url.toString();
}

function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function registerOAuthRoutes(app: FastifyInstance, ctx: SandboxContext, prefix: string): void {
  const { store, settings } = ctx;
  const cookiePath = prefix || '/';
  const sellers = new Map(SEED_SELLERS.map((s) => [s.username, s]));

  function sessionOf(request: FastifyRequest): SessionRecord | null {
    const sid = parseCookies(request)[SESSION_COOKIE];
    if (!sid) return null;
    const session = store.sessions.get(sid);
    if (!session || Date.now() - session.createdAt > SESSION_MAX_AGE_S * 1000) return null;
    return session;
  }

  function checkAuthorize(source: unknown, request: FastifyRequest): AuthorizeCheck {
    const clientId = field(source, 'client_id');
    if (!clientId) return { kind: 'fatal', error: 'invalid_request', description: 'Missing client_id parameter.' };
    const client = ctx.clients.get(clientId);
    if (!client) return { kind: 'fatal', error: 'invalid_client_id', description: 'Invalid client_id parameter value.' };
    const registered = ctx.redirectUris(client, request, prefix);
    const given = field(source, 'redirect_uri');
    let redirectUri: string;
    if (given === undefined || given === '') {
      if (registered.length === 0) return { kind: 'fatal', error: 'invalid_request', description: 'Missing redirect URI.' };
      redirectUri = registered[0];
    } else {
      if (!registered.includes(given)) return { kind: 'fatal', error: 'invalid_request', description: 'Mismatching redirect URI.' };
      redirectUri = given;
    }
    const state = field(source, 'state') || undefined;
    const fail = (error: string, description?: string): AuthorizeCheck => ({
      kind: 'redirect',
      url: withParams(redirectUri, { error, error_description: description, state }),
    });
    const responseType = field(source, 'response_type');
    if (!responseType) return fail('invalid_request', 'Missing response_type parameter.');
    if (responseType !== 'code') return fail('unsupported_response_type');
    const codeChallenge = field(source, 'code_challenge') || null;
    let method: 'S256' | 'plain' | null = null;
    if (codeChallenge) {
      const m = field(source, 'code_challenge_method') || 'plain';
      if (m !== 'S256' && m !== 'plain') return fail('invalid_request', 'Transform algorithm not supported.');
      method = m;
    } else if (settings.requirePkce) {
      return fail('invalid_request', 'Code challenge required.');
    }
    const scopeParam = (field(source, 'scope') ?? '').trim();
    const scopes = scopeParam ? [...new Set(scopeParam.split(/\s+/))] : DEFAULT_SCOPE.split(' ');
    if (scopes.some((s) => !KNOWN_SCOPES.has(s))) return fail('invalid_scope');
    return {
      kind: 'ok',
      params: {
        client,
        redirectUri,
        responseType,
        state,
        scope: scopes.join(' '),
        codeChallenge,
        codeChallengeMethod: method,
      },
    };
  }

  function authorizeQuery(p: AuthorizeParams): string {
    const q = new URLSearchParams({ response_type: p.responseType, client_id: p.client.clientId, redirect_uri: p.redirectUri });
    if (p.state !== undefined) q.set('state', p.state);
    q.set('scope', p.scope);
    if (p.codeChallenge) {
      q.set('code_challenge', p.codeChallenge);
      q.set('code_challenge_method', p.codeChallengeMethod ?? 'plain');
    }
    return q.toString();
  }

  function fatalPage(reply: FastifyReply, check: { error: string; description: string }) {
    return sendPage(reply, 400, {
      title: 'Authorization error',
      prefix,
      body: `<h1>Authorization error</h1>
<p class="error"><strong>${esc(check.error)}</strong>: ${esc(check.description)}</p>
<p class="hint">The application sent you here with a request the sandbox cannot accept. Check the client ID and that the redirect URI is exactly one of those registered for the client.</p>`,
    });
  }

  function loginPage(reply: FastifyReply, status: number, next: string, opts: { error?: string; username?: string; appName?: string }) {
    return sendPage(reply, status, {
      title: 'Sign in',
      prefix,
      body: `<h1>Sign in to Sonlet</h1>
${opts.appName ? `<p><strong>${esc(opts.appName)}</strong> wants to connect to your Sonlet account. Sign in first.</p>` : ''}
${opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : ''}
<form method="post" action="${esc(prefix)}/accounts/login/">
<input type="hidden" name="next" value="${esc(next)}">
<label for="id_username">Username</label>
<input type="text" id="id_username" name="username" autocomplete="username" autocapitalize="none" required value="${esc(opts.username ?? '')}">
<label for="id_password">Password</label>
<input type="password" id="id_password" name="password" autocomplete="current-password" required>
<div class="actions"><button type="submit" class="primary">Sign in</button></div>
</form>
<p class="hint">Sandbox sellers: <code>demo</code> / <code>demo</code> (320 items) and <code>demo2</code> / <code>demo2</code> (7 items).</p>`,
    });
  }

  function consentPage(reply: FastifyReply, p: AuthorizeParams, session: SessionRecord) {
    const hidden = Object.entries({
      client_id: p.client.clientId,
      redirect_uri: p.redirectUri,
      response_type: p.responseType,
      state: p.state,
      scope: p.scope,
      code_challenge: p.codeChallenge ?? undefined,
      code_challenge_method: p.codeChallenge ? (p.codeChallengeMethod ?? 'plain') : undefined,
      csrfmiddlewaretoken: session.csrf,
    })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
      .join('\n');
    const next = `${prefix}/o/authorize/?${authorizeQuery(p)}`;
    const seller = sellers.get(session.username);
    return sendPage(reply, 200, {
      title: `Authorize ${p.client.name}`,
      prefix,
      formTargets: [new URL(p.redirectUri).origin],
      body: `<h1>Authorize ${esc(p.client.name)}?</h1>
<p>Signed in as <strong>${esc(session.username)}</strong>${seller ? ` (${esc(seller.displayName)})` : ''}. <a href="${esc(`${prefix}/accounts/logout/?next=${encodeURIComponent(next)}`)}">Use a different account</a></p>
<p><strong>${esc(p.client.name)}</strong> would like permission to:</p>
<ul class="scopes">${p.scope
        .split(' ')
        .map((s) => `<li>${esc(SCOPE_LABELS[s] ?? s)}</li>`)
        .join('')}</ul>
<p class="hint">You will be sent back to <code>${esc(p.redirectUri)}</code>.</p>
<form method="post" action="${esc(prefix)}/o/authorize/">
${hidden}
<div class="actions"><button type="submit">Cancel</button><button type="submit" class="primary" name="allow" value="Authorize">Authorize</button></div>
</form>`,
    });
  }

  app.get('/o/authorize/', async (request, reply) => {
    const check = checkAuthorize(request.query, request);
    if (check.kind === 'fatal') return fatalPage(reply, check);
    if (check.kind === 'redirect') return reply.redirect(check.url, 302);
    const session = sessionOf(request);
    if (!session) {
      const next = `${prefix}/o/authorize/?${rawQuery(request)}`;
      return loginPage(reply, 200, next, { appName: check.params.client.name });
    }
    return consentPage(reply, check.params, session);
  });

  app.post('/o/authorize/', async (request, reply) => {
    const body = request.body ?? {};
    const check = checkAuthorize(body, request);
    if (check.kind === 'fatal') return fatalPage(reply, check);
    if (check.kind === 'redirect') return reply.redirect(check.url, 302);
    const p = check.params;
    const session = sessionOf(request);
    if (!session) return reply.redirect(`${prefix}/o/authorize/?${authorizeQuery(p)}`, 302);
    const csrf = field(body, 'csrfmiddlewaretoken') ?? '';
    if (!safeEqual(csrf, session.csrf)) {
      return sendPage(reply, 403, {
        title: 'Forbidden',
        prefix,
        body: `<h1>Forbidden (403)</h1><p class="error">CSRF verification failed. Request aborted.</p>
<p><a href="${esc(`${prefix}/o/authorize/?${authorizeQuery(p)}`)}">Start again</a></p>`,
      });
    }
    if (!field(body, 'allow')) {
      return reply.redirect(withParams(p.redirectUri, { error: 'access_denied', state: p.state }), 302);
    }
    const code = randomToken(30);
    store.grants.set(code, {
      code,
      clientId: p.client.clientId,
      username: session.username,
      redirectUri: p.redirectUri,
      scope: p.scope,
      codeChallenge: p.codeChallenge,
      codeChallengeMethod: p.codeChallengeMethod,
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    for (const [c, g] of store.grants) if (g.expiresAt < Date.now()) store.grants.delete(c);
    store.changed();
    return reply.redirect(withParams(p.redirectUri, { code, state: p.state }), 302);
  });

  function safeNext(next: string | undefined): string {
    const fallback = `${prefix}/`;
    if (!next || !next.startsWith(`${prefix}/`) || next.startsWith('//') || next.includes('\\')) return fallback;
    return next;
  }

  app.get('/accounts/login/', async (request, reply) => {
    return loginPage(reply, 200, safeNext(field(request.query, 'next')), {});
  });

  app.post('/accounts/login/', async (request, reply) => {
    const body = request.body ?? {};
    const username = (field(body, 'username') ?? '').trim();
    const password = field(body, 'password') ?? '';
    const next = safeNext(field(body, 'next'));
    const seller = sellers.get(username);
    if (!seller || !safeEqual(password, seller.password)) {
      return loginPage(reply, 400, next, {
        username,
        error: 'Please enter a correct username and password. Note that both fields may be case-sensitive.',
      });
    }
    const session: SessionRecord = { id: randomToken(40), username, csrf: randomToken(32), createdAt: Date.now() };
    store.sessions.set(session.id, session);
    const old = parseCookies(request)[SESSION_COOKIE];
    if (old) store.sessions.delete(old);
    store.changed();
    reply.header(
      'set-cookie',
      serializeCookie(SESSION_COOKIE, session.id, { path: cookiePath, maxAge: SESSION_MAX_AGE_S, secure: request.protocol === 'https' }),
    );
    return reply.redirect(next, 302);
  });

  app.get('/accounts/logout/', async (request, reply) => {
    const sid = parseCookies(request)[SESSION_COOKIE];
    if (sid && store.sessions.delete(sid)) store.changed();
    reply.header('set-cookie', serializeCookie(SESSION_COOKIE, '', { path: cookiePath, maxAge: 0 }));
    return reply.redirect(safeNext(field(request.query, 'next')), 302);
  });

  // ---- token endpoint ----

  function tokenError(reply: FastifyReply, status: number, error: string, description?: string) {
    if (status === 401) {
      reply.header('www-authenticate', `Bearer error="${error}"${description ? `, error_description="${description}"` : ''}`);
    }
    return reply.code(status).send(description ? { error, error_description: description } : { error });
  }

  function authenticateClient(request: FastifyRequest, body: unknown): SandboxClient | null {
    const auth = request.headers.authorization;
    if (auth && /^basic /i.test(auth)) {
      const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        try {
          const id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
          const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
          const client = ctx.clients.get(id);
          if (client && safeEqual(secret, client.clientSecret)) return client;
        } catch {
          // malformed escapes: fall through to body credentials
        }
      }
    }
    const id = field(body, 'client_id');
    const secret = field(body, 'client_secret');
    if (id && secret !== undefined) {
      const client = ctx.clients.get(id);
      if (client && safeEqual(secret, client.clientSecret)) return client;
    }
    return null;
  }

  function issueTokens(clientId: string, username: string, scope: string) {
    const accessToken = randomToken(30);
    const refreshToken = randomToken(30);
    store.accessTokens.set(accessToken, {
      token: accessToken,
      clientId,
      username,
      scope,
      expiresAt: Date.now() + settings.accessTokenTtlSeconds * 1000,
      refreshToken,
    });
    store.refreshTokens.set(refreshToken, { token: refreshToken, clientId, username, scope, accessToken, revoked: false });
    store.changed();
    return {
      access_token: accessToken,
      expires_in: settings.accessTokenTtlSeconds,
      token_type: 'Bearer',
      scope,
      refresh_token: refreshToken,
    };
  }

  function formBody(request: FastifyRequest): Record<string, unknown> {
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/x-www-form-urlencoded/i.test(type)) return {};
    return (request.body as Record<string, unknown> | undefined) ?? {};
  }

  app.post('/o/token/', async (request, reply) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    const body = formBody(request);
    const grantType = field(body, 'grant_type');
    if (!grantType) return tokenError(reply, 400, 'invalid_request', 'Missing grant_type parameter.');

    if (grantType === 'authorization_code') {
      const code = field(body, 'code');
      if (!code) return tokenError(reply, 400, 'invalid_request', 'Missing code parameter.');
      const client = authenticateClient(request, body);
      if (!client) return tokenError(reply, 401, 'invalid_client');
      const grant = store.grants.get(code);
      if (!grant || grant.clientId !== client.clientId || grant.expiresAt < Date.now()) {
        return tokenError(reply, 400, 'invalid_grant');
      }
      const verifier = field(body, 'code_verifier');
      if (grant.codeChallenge) {
        if (!verifier) return tokenError(reply, 400, 'invalid_request', 'Code verifier required.');
        const computed = grant.codeChallengeMethod === 'S256' ? s256(verifier) : verifier;
        if (!safeEqual(computed, grant.codeChallenge)) return tokenError(reply, 400, 'invalid_grant');
      } else if (settings.requirePkce) {
        if (verifier === undefined) return tokenError(reply, 400, 'invalid_request', 'Code verifier required.');
        return tokenError(reply, 400, 'invalid_grant', 'Challenge not found');
      }
      const registered = ctx.redirectUris(client, request, prefix);
      const redirectUri = field(body, 'redirect_uri') || registered[0];
      if (redirectUri !== grant.redirectUri) {
        return tokenError(reply, 400, 'invalid_request', 'Mismatching redirect URI.');
      }
      store.grants.delete(code);
      return reply.code(200).send(issueTokens(client.clientId, grant.username, grant.scope));
    }

    if (grantType === 'refresh_token') {
      const token = field(body, 'refresh_token');
      if (!token) return tokenError(reply, 400, 'invalid_request', 'Missing refresh token parameter.');
      const client = authenticateClient(request, body);
      if (!client) return tokenError(reply, 401, 'invalid_client');
      const record = store.refreshTokens.get(token);
      if (!record || record.revoked || record.clientId !== client.clientId) return tokenError(reply, 400, 'invalid_grant');
      const scopeParam = (field(body, 'scope') ?? '').trim();
      let scope = record.scope;
      if (scopeParam) {
        const asked = [...new Set(scopeParam.split(/\s+/))];
        const had = new Set(record.scope.split(' '));
        if (asked.some((s) => !had.has(s))) return tokenError(reply, 400, 'invalid_scope');
        scope = asked.join(' ');
      }
      // rotation, like DOT: the old refresh token is revoked and its access token deleted
      record.revoked = true;
      if (record.accessToken) store.accessTokens.delete(record.accessToken);
      record.accessToken = null;
      return reply.code(200).send(issueTokens(client.clientId, record.username, scope));
    }

    return tokenError(reply, 400, 'unsupported_grant_type');
  });

  /**
   * RFC 7009 as django-oauth-toolkit (oauthlib) serves it: the token first, then the client's
   * credentials; 200 with an empty body for any token, even an unknown one. Like DOT, the token is
   * looked up by the hint's type first, then the other; revoking a refresh token revokes its
   * access token too.
   */
  app.post('/o/revoke_token/', async (request, reply) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    if (rawQuery(request) !== '') return tokenError(reply, 400, 'invalid_request', 'URL query parameters are not allowed');
    const body = formBody(request);
    const token = field(body, 'token');
    if (!token) return tokenError(reply, 400, 'invalid_request', 'Missing token parameter.');
    const client = authenticateClient(request, body);
    if (!client) return tokenError(reply, 401, 'invalid_client');
    const byRefreshFirst = field(body, 'token_type_hint') === 'refresh_token';
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
    const revoked = byRefreshFirst ? revokeRefresh() || revokeAccess() : revokeAccess() || revokeRefresh();
    if (revoked) store.changed();
    return reply.code(200).header('content-type', 'text/html; charset=utf-8').send('');
  });

  // ---- pages for humans ----

  function toolsClients(request: FastifyRequest): SandboxClient[] {
    const callback = `${ctx.baseUrl(request, prefix)}/tools/callback`;
    return [...ctx.clients.values()].filter((c) => ctx.redirectUris(c, request, prefix).includes(callback));
  }

  app.get('/tools/', async (request, reply) => {
    const base = ctx.baseUrl(request, prefix);
    const callback = `${base}/tools/callback`;
    const now = Date.now();
    for (const [s, t] of ctx.toolStates) if (t.expiresAt < now) ctx.toolStates.delete(s);
    const rows = toolsClients(request)
      .map((client) => {
        const verifier = randomToken(64);
        const state = randomToken(24);
        ctx.toolStates.set(state, { clientId: client.clientId, codeVerifier: verifier, expiresAt: now + 3600_000 });
        const q = new URLSearchParams({
          response_type: 'code',
          client_id: client.clientId,
          redirect_uri: callback,
          state,
          code_challenge: s256(verifier),
          code_challenge_method: 'S256',
        });
        return `<li><a href="${esc(`${prefix}/o/authorize/?${q.toString()}`)}">Connect a seller to ${esc(client.name)}</a> <span class="hint">(client <code>${esc(client.clientId)}</code>)</span></li>`;
      })
      .join('\n');
    return sendPage(reply, 200, {
      title: 'Outside tools',
      prefix,
      body: `<h1>Get a token for outside tools</h1>
<p>Use this to get an access token for curl, scripts or API browsers. The link starts the authorization code flow with PKCE; after you authorize, the callback page shows the exact curl command that exchanges the code (the code expires after 60 seconds).</p>
${rows ? `<ul>${rows}</ul>` : `<p class="error">No client has <code>${esc(callback)}</code> as a redirect URI.</p>`}`,
    });
  });

  app.get('/tools/callback', async (request, reply) => {
    const base = ctx.baseUrl(request, prefix);
    const q = request.query;
    const error = field(q, 'error');
    const code = field(q, 'code');
    const state = field(q, 'state');
    if (error || !code) {
      return sendPage(reply, 400, {
        title: 'Authorization failed',
        prefix,
        body: `<h1>Authorization failed</h1>
<p class="error"><strong>${esc(error ?? 'missing code')}</strong>${field(q, 'error_description') ? `: ${esc(field(q, 'error_description'))}` : ''}</p>
<p><a href="${esc(prefix)}/tools/">Start again</a></p>`,
      });
    }
    const grant = store.grants.get(code);
    const toolState = state ? ctx.toolStates.get(state) : undefined;
    const client =
      (grant && ctx.clients.get(grant.clientId)) ??
      (toolState && ctx.clients.get(toolState.clientId)) ??
      toolsClients(request)[0];
    const lines = [
      `curl -sS -X POST ${shellQuote(`${base}/o/token/`)}`,
      `  --data-urlencode 'grant_type=authorization_code'`,
      `  --data-urlencode ${shellQuote(`code=${code}`)}`,
      `  --data-urlencode ${shellQuote(`redirect_uri=${grant?.redirectUri ?? `${base}/tools/callback`}`)}`,
      `  --data-urlencode ${shellQuote(`client_id=${client?.clientId ?? 'CLIENT_ID'}`)}`,
      `  --data-urlencode ${shellQuote(`client_secret=${client?.clientSecret ?? 'CLIENT_SECRET'}`)}`,
    ];
    if (toolState) lines.push(`  --data-urlencode ${shellQuote(`code_verifier=${toolState.codeVerifier}`)}`);
    else if (!grant || grant.codeChallenge) lines.push(`  --data-urlencode "code_verifier=$CODE_VERIFIER"`);
    const apiCall = `curl -sS ${shellQuote(`${base}/api/v2/items/`)} -H "Authorization: Bearer $ACCESS_TOKEN"`;
    return sendPage(reply, 200, {
      title: 'Authorization code',
      prefix,
      body: `<h1>Authorization code received</h1>
<p>Code: <code>${esc(code)}</code>${state ? ` &nbsp; State: <code>${esc(state)}</code>` : ''}</p>
<p>Exchange it within 60 seconds${toolState ? '' : ' (set CODE_VERIFIER to the PKCE verifier your tool made)'}:</p>
<pre>${esc(lines.join(' \\\n'))}</pre>
<p>Then call the API with the <code>access_token</code> from the answer:</p>
<pre>${esc(apiCall)}</pre>`,
    });
  });
}
