import type { FastifyInstance } from 'fastify';
import { DomainError } from '../errors.js';

/**
 * Anonymous page views cost no rows, but still cost work (rendering, a CSRF secret, a session
 * lookup for a signed cookie): a per-address limit keeps a flood from one address from taking the
 * server's time. Signed-in sellers are not counted here.
 */
export async function anonymousPageLimit(app: FastifyInstance, opts: { perMinute: number }) {
  const limit = app.createRateLimit({ max: opts.perMinute, timeWindow: '1 minute' });
  // A callback hook: a signed-in seller's page goes on without a promise (web/sync-hooks.ts).
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.user || (request.method !== 'GET' && request.method !== 'HEAD')) return done();
    limit(request).then(
      (verdict) =>
        done(
          !verdict.isAllowed && verdict.isExceeded
            ? new DomainError('too-many-requests', 'Too many pages from your address in a minute. Wait a minute and try again.', { retryAfterSeconds: verdict.ttlInSeconds })
            : undefined,
        ),
      done,
    );
  });
}
