import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import session from '@fastify/session';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import { accountRoutes } from './accounts.js';
import { connectRoutes } from './connect.js';
import { inventoryRoutes } from './inventory.js';
import { homeRoutes } from './home.js';
import { plugboardRoutes } from './plugboard.js';
import { uploadRoutes } from './uploads.js';
import { adminRoutes } from './admin.js';
import { oneTimeLinkRoutes } from './one-time-links.js';
import type { Role } from '../generated/prisma/client.js';
import { lenientQuery } from '../web/lenient-query.js';
import { notFoundPage } from '../web/error-pages.js';

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
  interface FastifyInstance {
    /** preHandler for pages that need a signed-in seller. */
    requireUser: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

export const SESSION_COOKIE = 'sid';

/**
 * Everything the seller's browser talks to: cookies, sessions, CSRF, forms. Encapsulated so the
 * provider sandboxes mounted beside it keep their own parsers and cookies.
 */
export async function consoleScope(app: FastifyInstance) {
  const { config, services } = app;

  await app.register(cookie);
  await app.register(session, {
    secret: config.sessionSecret,
    cookieName: SESSION_COOKIE,
    store: services.sessionStore,
    saveUninitialized: false,
    // Saving the session on every request would cost a database write per page; it lasts 7 days from sign-in.
    rolling: false,
    cookie: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: config.secureCookies,
      maxAge: 7 * 24 * 3600 * 1000,
    },
  });
  await app.register(csrf, { sessionPlugin: '@fastify/session' });
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  // Pages post HTML forms only; JSON or plain text at a form route is refused with 415 rather than
  // parsed (Fastify's defaults). The sandboxes beside this scope keep their JSON parser.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  await app.register(rateLimit, { global: false });

  app.decorateRequest('user', null);
  // Session rows cascade-delete with their user, so a live session is proof enough: no user query per
  // request. Known from the first hook on, so every page (error pages included) shows the navigation.
  app.addHook('onRequest', async (request) => {
    const { userId, userEmail } = request.session;
    if (userId && userEmail) request.user = { id: userId, email: userEmail, role: request.session.userRole ?? 'seller' };
  });
  app.addHook('preValidation', lenientQuery);
  app.addHook('onRequest', async (request) => {
    request.pageLocals = (req, reply) => ({
      sandbox: config.sandbox,
      userEmail: req.user?.email ?? null,
      isAdmin: req.user?.role === 'owner' || req.user?.role === 'admin',
      csrf: () => reply.generateCsrf(),
      path: req.url,
    });
  });

  app.decorate('requireUser', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.user) return;
    if (request.method === 'GET') {
      // The OAuth callback's query holds the code: it is never carried along (nor logged inside `next`).
      const next = request.url.startsWith('/cb') ? '/' : request.url;
      await reply.redirect(`/sign-in?next=${encodeURIComponent(next)}`);
      return;
    }
    await reply.page('error', { title: 'Signed out', message: 'Your session has ended. Sign in again to continue.', statusCode: 401 }, 401);
  });

  // Inside this scope so a page that is not there still knows who is signed in.
  app.setNotFoundHandler(notFoundPage);

  await app.register(accountRoutes);
  await app.register(connectRoutes);
  await app.register(homeRoutes);
  await app.register(inventoryRoutes);
  await app.register(plugboardRoutes);
  // Registers @fastify/multipart in its own scope: only the upload routes parse multipart bodies.
  await app.register(uploadRoutes);
  await app.register(adminRoutes);
  await app.register(oneTimeLinkRoutes);
}
