import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError } from '../errors.js';
import { consoleTarget } from '../web/redirect-target.js';
import { minutesAgo, type InventorySummary } from '../inventory/summary.js';
import { signedIn, type Req, type SellerRequest } from '../web/typed-routes.js';
import { whileSellerWaits } from '../web/seller-waits.js';
import { providerActions } from '../web/attempt-limits.js';

// `back`: the page the Refresh button was on (home, or the items grid with its search).
const RefreshSummary = { body: Type.Object({ back: Type.Optional(Type.String({ maxLength: 2000 })), _csrf: Type.Optional(Type.String({ maxLength: 200 })) }) };

export async function homeRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/', home);
  app.post('/summary/refresh', { preHandler: [app.requireUser, app.csrfProtection], schema: RefreshSummary, config: { rateLimit: providerActions() } }, signedIn(refreshSummary));

  async function home(request: Req, reply: FastifyReply) {
    if (!request.user) return reply.page('welcome', { title: 'Sonlet Seller Console' });
    const userId = request.user.id;
    const connection = await app.vault.state(userId);
    let summary: InventorySummary | null = null;
    let summaryError: string | null = null;
    if (connection.state === 'active') {
      try {
        summary = await app.summaries.get(userId, app.sonletApiFor(userId), { signal: whileSellerWaits(reply) });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        // The rest of the home page still works; the summary says what went wrong.
        summaryError = err.message;
      }
    }
    // A failed walk may have found the connection refused; only then is the state worth reading again.
    return reply.page('home', {
      title: 'Home',
      connection: summaryError ? await app.vault.state(userId) : connection,
      summary,
      summaryError,
      updatedAgo: summary ? minutesAgo(new Date(summary.computedAt)) : null,
    });
  }

  async function refreshSummary(request: SellerRequest<typeof RefreshSummary>, reply: FastifyReply) {
    await app.summaries.forget(request.user.id);
    return reply.redirect(consoleTarget(request.body?.back, app.config.publicUrl, { allow: (path) => path === '/' || /^\/items(\?|$)/.test(path) }));
  }
}
