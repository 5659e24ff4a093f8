import type { FastifyInstance, FastifyReply } from 'fastify';
import { DomainError } from '../errors.js';
import { minutesAgo, type InventorySummary } from '../inventory/summary.js';
import { signedIn, type Req, type SellerRequest } from '../web/typed-routes.js';
import { whileSellerWaits } from '../web/seller-waits.js';

export async function homeRoutes(app: FastifyInstance) {
  const { services } = app;

  app.get('/', home);
  app.post('/summary/refresh', { preHandler: [app.requireUser, app.csrfProtection] }, signedIn(refreshSummary));

  async function home(request: Req, reply: FastifyReply) {
    if (!request.user) return reply.page('welcome', { title: 'Sonlet Seller Console' });
    const userId = request.user.id;
    const connection = await services.vault.state(userId);
    let summary: InventorySummary | null = null;
    let summaryError: string | null = null;
    if (connection.state === 'active') {
      try {
        summary = await services.summaries.get(userId, services.sonletApiFor(userId), { signal: whileSellerWaits(reply) });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        // The rest of the home page still works; the summary says what went wrong.
        summaryError = err.message;
      }
    }
    // A failed walk may have found the connection refused; only then is the state worth reading again.
    return reply.page('home', {
      title: 'Home',
      connection: summaryError ? await services.vault.state(userId) : connection,
      summary,
      summaryError,
      updatedAgo: summary ? minutesAgo(new Date(summary.computedAt)) : null,
    });
  }

  async function refreshSummary(request: SellerRequest, reply: FastifyReply) {
    await services.summaries.forget(request.user.id);
    return reply.redirect('/');
  }
}
