/** The Sonlet sandbox's own sign-in (Django's /accounts/login/), used by the authorize page and the tools. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { esc, parseCookies, serializeCookie } from '../html.js';
import { type SandboxContext, bindTo, field } from './context.js';
import type { SessionRecord } from './model.js';
import { sonletPage } from './page.js';
import { randomToken } from './store.js';

const SESSION_COOKIE = 'sonlet_sandbox_sid';
const SESSION_MAX_AGE_S = 14 * 24 * 3600;

export function accountRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const bind = bindTo(ctx);
  app.get('/accounts/login/', bind(showLogin));
  app.post('/accounts/login/', bind(signIn));
  app.get('/accounts/logout/', bind(signOut));
}

export function safeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The signed-in sandbox seller's session, or null. */
export function sessionOf(ctx: SandboxContext, request: FastifyRequest): SessionRecord | null {
  const sid = parseCookies(request)[SESSION_COOKIE];
  const session = sid ? ctx.store.sessions.get(sid) : undefined;
  if (!session || Date.now() - session.createdAt > SESSION_MAX_AGE_S * 1000) return null;
  return session;
}

/** Where to go after signing in: only back into this sandbox. */
export function safeNext(ctx: SandboxContext, next: string | undefined): string {
  const fallback = `${ctx.prefix}/`;
  if (!next || !next.startsWith(`${ctx.prefix}/`) || next.startsWith('//') || next.includes('\\')) return fallback;
  return next;
}

export function loginUrl(ctx: SandboxContext, next: string): string {
  return `${ctx.prefix}/accounts/login/?next=${encodeURIComponent(next)}`;
}

export function loginPage(ctx: SandboxContext, reply: FastifyReply, status: number, next: string, opts: { error?: string; username?: string; appName?: string }) {
  const sellers = [...ctx.sellers.values()].map((s) => `<code>${esc(s.username)}</code> / <code>${esc(s.password)}</code> (${s.itemCount} items)`);
  return sonletPage(reply, status, {
    title: 'Sign in',
    prefix: ctx.prefix,
    body: `<h1>Sign in to Sonlet</h1>
${opts.appName ? `<p><strong>${esc(opts.appName)}</strong> wants to connect to your Sonlet account. Sign in first.</p>` : ''}
${opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : ''}
<form method="post" action="${esc(ctx.prefix)}/accounts/login/">
<input type="hidden" name="next" value="${esc(next)}">
<label for="id_username">Username</label>
<input type="text" id="id_username" name="username" autocomplete="username" autocapitalize="none" required value="${esc(opts.username ?? '')}">
<label for="id_password">Password</label>
<input type="password" id="id_password" name="password" autocomplete="current-password" required>
<div class="actions"><button type="submit" class="primary">Sign in</button></div>
</form>
<p class="hint">Sandbox sellers: ${sellers.join(', ')}.</p>`,
  });
}

function showLogin(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  return loginPage(ctx, reply, 200, safeNext(ctx, field(request.query, 'next')), {});
}

function signIn(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const body = request.body ?? {};
  const username = (field(body, 'username') ?? '').trim();
  const next = safeNext(ctx, field(body, 'next'));
  const seller = ctx.sellers.get(username);
  if (!seller || !safeEqual(field(body, 'password') ?? '', seller.password)) {
    return loginPage(ctx, reply, 400, next, { username, error: 'Please enter a correct username and password. Note that both fields may be case-sensitive.' });
  }
  const session: SessionRecord = { id: randomToken(40), username, csrf: randomToken(32), createdAt: Date.now() };
  ctx.store.sessions.set(session.id, session);
  const old = parseCookies(request)[SESSION_COOKIE];
  if (old) ctx.store.sessions.delete(old);
  ctx.store.changed();
  reply.header('set-cookie', serializeCookie(SESSION_COOKIE, session.id, { path: ctx.prefix || '/', maxAge: SESSION_MAX_AGE_S, secure: request.protocol === 'https' }));
  return reply.redirect(next, 302);
}

function signOut(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const sid = parseCookies(request)[SESSION_COOKIE];
  if (sid && ctx.store.sessions.delete(sid)) ctx.store.changed();
  reply.header('set-cookie', serializeCookie(SESSION_COOKIE, '', { path: ctx.prefix || '/', maxAge: 0 }));
  return reply.redirect(safeNext(ctx, field(request.query, 'next')), 302);
}
