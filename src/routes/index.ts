import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import { accountRoutes } from './accounts.js';
import { connectRoutes } from './connect.js';
import { inventoryRoutes } from './inventory.js';
import { homeRoutes } from './home.js';
import { plugboardRoutes } from './plugboard.js';
import { shopRoutes } from './shop.js';
import { orderRoutes } from './orders.js';
import { uploadRoutes } from './uploads.js';
import { accountPageRoutes } from './account.js';
import { adminRoutes } from './admin.js';
import { oneTimeLinkRoutes } from './one-time-links.js';
import { queryWithoutNul, refuseNulInBody } from '../web/input-checks.js';
import { lenientQuery } from '../web/lenient-query.js';
import { notFoundPage } from '../web/error-pages.js';
import { DomainError } from '../errors.js';

import { browserSession, csrfUserInfo } from '../plugins/browser-session.js';
import { anonymousPageLimit } from '../plugins/anonymous-limit.js';
import { syncHook, syncOnSend } from '../web/sync-hooks.js';

export { SESSION_COOKIE, type SessionUser } from '../plugins/browser-session.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler for pages that need a signed-in seller. */
    requireUser: (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void;
  }
}

/**
 * Everything the seller's browser talks to: cookies, sessions, CSRF, forms. Encapsulated so the
 * provider sandboxes mounted beside it keep their own parsers and cookies.
 */
export async function consoleScope(app: FastifyInstance) {
  const { config } = app;

  // Registered without encapsulation: the hooks and decorators below belong to this scope.
  await app.register(fp(browserSession), { config, store: app.sessionStore });
  await app.register(rateLimit, { global: false });
  await app.register(fp(anonymousPageLimit), { perMinute: config.rateLimit.anonymousPagesPerMinute });
  app.addHook('preValidation', queryWithoutNul);
  app.addHook('preHandler', refuseNulInBody);
  app.addHook('preValidation', lenientQuery);
  app.addHook('onRequest', syncHook((request) => {
    request.pageLocals = (req, reply) => {
      // One token per page: a visitor without the cookie would otherwise get a new secret per form.
      let token: string | null = null;
      return {
        sandbox: config.sandbox,
        userEmail: req.user?.email ?? null,
        isAdmin: req.user?.role === 'owner' || req.user?.role === 'admin',
        csrf: () => (token ??= reply.generateCsrf({ userInfo: csrfUserInfo(req) })),
        path: req.url,
      };
    };
  }));

  // A callback hook, as the hooks above (web/sync-hooks.ts): answering here means not calling `done`.
  app.decorate('requireUser', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if (request.user) return done();
    if (request.method === 'GET') {
      // The OAuth callback's query holds the code: it is never carried along (nor logged inside `next`).
      const next = request.url.startsWith('/cb') ? '/' : request.url;
      void reply.redirect(`/sign-in?next=${encodeURIComponent(next)}`);
      return;
    }
    done(new DomainError('signed-out', 'Your session has ended. Sign in again to continue.'));
  });
  // Pages and redirects here carry a seller's data, a form token or session state: no cache keeps
  // them (the back button after sign-out included). A route that means to be cached says so itself.
  app.addHook(
    'onSend',
    syncOnSend((_request, reply) => {
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    }),
  );

  // Inside this scope so a page that is not there still knows who is signed in.
  app.setNotFoundHandler(notFoundPage);

  await app.register(accountRoutes);
  await app.register(connectRoutes);
  await app.register(homeRoutes);
  await app.register(inventoryRoutes);
  await app.register(plugboardRoutes);
  await app.register(shopRoutes);
  await app.register(orderRoutes);
  await app.register(accountPageRoutes);
  // Registers @fastify/multipart in its own scope: only the upload routes parse multipart bodies.
  await app.register(uploadRoutes);
  await app.register(adminRoutes);
  await app.register(oneTimeLinkRoutes);
}
