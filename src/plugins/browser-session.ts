import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import session from '@fastify/session';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { Config } from '../config.js';
import type { PrismaSessionStore } from '../accounts/session-store.js';
import type { Role } from '../generated/prisma/client.js';
import { rememberingSigner } from '../web/cookie-signer.js';
import { syncHook } from '../web/sync-hooks.js';

export const SESSION_COOKIE = 'sid';
export const CSRF_COOKIE = 'csrf';

/** The signed-in seller, as the session knows them. */
export interface SessionUser {
  id: string;
  email: string;
  /** As of sign-in (kept in step by role changes); the admin pages read it afresh anyway. */
  role: Role;
}

declare module 'fastify' {
  interface Session {
    userId?: string;
    userEmail?: string;
    userRole?: Role;
    oauthState?: string;
  }
  interface FastifyRequest {
    user: SessionUser | null;
  }
}

/** Keys for the CSRF cookie and tokens, derived from SESSION_SECRET (which signs the session cookie itself) so no two uses share one. */
function keyFor(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(`sonlet-seller-console:${purpose}`).digest('base64url');
}

/**
 * What a browser keeps with the console: the session (a row, only once someone signs in), the CSRF
 * secret (a signed cookie, so an anonymous visitor's form costs no row), and form parsing.
 *
 * CSRF is a signed double-submit cookie: the form's token must match the secret in the cookie, the
 * cookie is signed so it cannot be planted with a value of the attacker's choosing, and a signed-in
 * seller's tokens also carry their session id, so a secret tossed in from elsewhere is worthless.
 */
export async function browserSession(app: FastifyInstance, opts: { config: Config; store: PrismaSessionStore }) {
  const { config } = opts;
  await app.register(cookie, { secret: rememberingSigner(keyFor(config.sessionSecret, 'csrf-cookie')) });
  await app.register(session, {
    secret: rememberingSigner(config.sessionSecret),
    cookieName: SESSION_COOKIE,
    store: opts.store,
    saveUninitialized: false,
    // Saving the session on every request would cost a database write per page; it lasts 7 days from sign-in.
    rolling: false,
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies, maxAge: 7 * 24 * 3600 * 1000 },
  });
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    // Lax, not strict: a seller arriving from a link elsewhere must not get a fresh secret that
    // breaks the forms open in their other tabs.
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies, signed: true },
    getUserInfo: csrfUserInfo,
    csrfOpts: { hmacKey: keyFor(config.sessionSecret, 'csrf-token') },
  });
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  // Pages post HTML forms only; JSON or plain text at a form route is refused with 415 rather than
  // parsed (Fastify's defaults). The sandboxes beside this scope keep their JSON parser.
  app.removeContentTypeParser(['application/json', 'text/plain']);

  app.decorateRequest('user', null);
  // Session rows cascade-delete with their user, so a live session is proof enough: no user query per
  // request. Known from the first hook on, so every page (error pages included) shows the navigation.
  app.addHook(
    'onRequest',
    syncHook((request) => {
      const { userId, userEmail } = request.session;
      if (userId && userEmail) request.user = { id: userId, email: userEmail, role: request.session.userRole ?? 'seller' };
    }),
  );
}

/** Binds a signed-in seller's CSRF tokens to their session; anonymous forms share one marker. */
export function csrfUserInfo(request: FastifyRequest): string {
  return request.session?.userId ? `session:${request.session.sessionId}` : 'anonymous';
}
