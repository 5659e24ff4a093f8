/**
 * /o/authorize/ as django-oauth-toolkit (oauthlib) serves it: the authorization-code grant the
 * reference documents, PKCE accepted when sent (required only when the sandbox is told so).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { esc } from '../html.js';
import { loginPage, safeEqual, sessionOf } from './accounts.js';
import { type SandboxClient, type SandboxContext, bindTo, field, rawQuery } from './context.js';
import type { SessionRecord } from './model.js';
import { sonletPage } from './page.js';
import { randomToken } from './store.js';

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

export function authorizeRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const bind = bindTo(ctx);
  app.get('/o/authorize/', bind(showAuthorize));
  app.post('/o/authorize/', bind(decideAuthorize));
}

export function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v);
  return url.toString();
}

/** oauthlib's order: client and redirect URI first (errors shown here), then the rest (errors sent back to the client). */
function checkAuthorize(ctx: SandboxContext, source: unknown, request: FastifyRequest): AuthorizeCheck {
  const clientId = field(source, 'client_id');
  if (!clientId) return { kind: 'fatal', error: 'invalid_request', description: 'Missing client_id parameter.' };
  const client = ctx.clients.get(clientId);
  if (!client) return { kind: 'fatal', error: 'invalid_client_id', description: 'Invalid client_id parameter value.' };
  const registered = ctx.redirectUris(client, request);
  const given = field(source, 'redirect_uri');
  if (given && !registered.includes(given)) return { kind: 'fatal', error: 'invalid_request', description: 'Mismatching redirect URI.' };
  const redirectUri = given || registered[0];
  if (!redirectUri) return { kind: 'fatal', error: 'invalid_request', description: 'Missing redirect URI.' };
  const state = field(source, 'state') || undefined;
  const fail = (error: string, description?: string): AuthorizeCheck => ({ kind: 'redirect', url: withParams(redirectUri, { error, error_description: description, state }) });
  const responseType = field(source, 'response_type');
  if (!responseType) return fail('invalid_request', 'Missing response_type parameter.');
  if (responseType !== 'code') return fail('unsupported_response_type');
  const codeChallenge = field(source, 'code_challenge') || null;
  const method = field(source, 'code_challenge_method') || 'plain';
  if (codeChallenge && method !== 'S256' && method !== 'plain') return fail('invalid_request', 'Transform algorithm not supported.');
  if (!codeChallenge && ctx.settings.requirePkce) return fail('invalid_request', 'Code challenge required.');
  const scopeParam = (field(source, 'scope') ?? '').trim();
  const scopes = scopeParam ? [...new Set(scopeParam.split(/\s+/))] : DEFAULT_SCOPE.split(' ');
  if (scopes.some((s) => !KNOWN_SCOPES.has(s))) return fail('invalid_scope');
  return {
    kind: 'ok',
    params: { client, redirectUri, responseType, state, scope: scopes.join(' '), codeChallenge, codeChallengeMethod: codeChallenge ? (method as 'S256' | 'plain') : null },
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

function fatalPage(ctx: SandboxContext, reply: FastifyReply, check: { error: string; description: string }) {
  return sonletPage(reply, 400, {
    title: 'Authorization error',
    prefix: ctx.prefix,
    body: `<h1>Authorization error</h1>
<p class="error"><strong>${esc(check.error)}</strong>: ${esc(check.description)}</p>
<p class="hint">The application sent you here with a request the sandbox cannot accept. Check the client ID and that the redirect URI is exactly one of those registered for the client.</p>`,
  });
}

function consentPage(ctx: SandboxContext, reply: FastifyReply, p: AuthorizeParams, session: SessionRecord) {
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
  const next = `${ctx.prefix}/o/authorize/?${authorizeQuery(p)}`;
  const seller = ctx.sellers.get(session.username);
  const scopes = p.scope.split(' ').map((s) => `<li>${esc(SCOPE_LABELS[s] ?? s)}</li>`);
  return sonletPage(reply, 200, {
    title: `Authorize ${p.client.name}`,
    prefix: ctx.prefix,
    formTargets: [new URL(p.redirectUri).origin],
    body: `<h1>Authorize ${esc(p.client.name)}?</h1>
<p>Signed in as <strong>${esc(session.username)}</strong>${seller ? ` (${esc(seller.displayName)})` : ''}. <a href="${esc(`${ctx.prefix}/accounts/logout/?next=${encodeURIComponent(next)}`)}">Use a different account</a></p>
<p><strong>${esc(p.client.name)}</strong> would like permission to:</p>
<ul class="scopes">${scopes.join('')}</ul>
<p class="hint">You will be sent back to <code>${esc(p.redirectUri)}</code>.</p>
<form method="post" action="${esc(ctx.prefix)}/o/authorize/">
${hidden}
<div class="actions"><button type="submit">Cancel</button><button type="submit" class="primary" name="allow" value="Authorize">Authorize</button></div>
</form>`,
  });
}

/** GET /o/authorize/: sign in first if needed, then ask the seller. */
function showAuthorize(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const check = checkAuthorize(ctx, request.query, request);
  if (check.kind === 'fatal') return fatalPage(ctx, reply, check);
  if (check.kind === 'redirect') return reply.redirect(check.url, 302);
  const session = sessionOf(ctx, request);
  if (!session) return loginPage(ctx, reply, 200, `${ctx.prefix}/o/authorize/?${rawQuery(request)}`, { appName: check.params.client.name });
  return consentPage(ctx, reply, check.params, session);
}

/** POST /o/authorize/: Authorize issues a code bound to the client, redirect URI and PKCE challenge; Cancel sends access_denied. */
function decideAuthorize(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const body = request.body ?? {};
  const check = checkAuthorize(ctx, body, request);
  if (check.kind === 'fatal') return fatalPage(ctx, reply, check);
  if (check.kind === 'redirect') return reply.redirect(check.url, 302);
  const p = check.params;
  const session = sessionOf(ctx, request);
  if (!session) return reply.redirect(`${ctx.prefix}/o/authorize/?${authorizeQuery(p)}`, 302);
  if (!safeEqual(field(body, 'csrfmiddlewaretoken') ?? '', session.csrf)) {
    return sonletPage(reply, 403, {
      title: 'Forbidden',
      prefix: ctx.prefix,
      body: `<h1>Forbidden (403)</h1><p class="error">CSRF verification failed. Request aborted.</p>
<p><a href="${esc(`${ctx.prefix}/o/authorize/?${authorizeQuery(p)}`)}">Start again</a></p>`,
    });
  }
  if (!field(body, 'allow')) return reply.redirect(withParams(p.redirectUri, { error: 'access_denied', state: p.state }), 302);
  const code = randomToken(30);
  const now = Date.now();
  ctx.store.grants.set(code, {
    code,
    clientId: p.client.clientId,
    username: session.username,
    redirectUri: p.redirectUri,
    scope: p.scope,
    codeChallenge: p.codeChallenge,
    codeChallengeMethod: p.codeChallengeMethod,
    expiresAt: now + CODE_TTL_MS,
  });
  for (const [c, g] of ctx.store.grants) if (g.expiresAt < now) ctx.store.grants.delete(c);
  ctx.store.changed();
  return reply.redirect(withParams(p.redirectUri, { code, state: p.state }), 302);
}
