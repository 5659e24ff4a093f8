import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError } from '../errors.js';
import { signedIn, type SellerRequest } from '../web/typed-routes.js';
import { providerActions } from '../web/attempt-limits.js';

const csrfBody = () => Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) });

// An odd page number (page=0, page=abc) is treated as absent, so the list starts at page 1 (web/lenient-query.ts).
const ListOrders = { querystring: Type.Object({ page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }) }) };
const CheckNow = { body: csrfBody() };
const MarkProcessing = {
  params: Type.Object({ orderId: Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }) }),
  body: csrfBody(),
};

/** The web shop's orders, as polled into the console: the list, "check now", and marking one as processing. */
export async function orderRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const csrfAndUser = [app.requireUser, app.csrfProtection];

  app.get('/orders', { preHandler: app.requireUser, schema: ListOrders }, signedIn(listOrders));
  app.post('/orders/check', { preHandler: csrfAndUser, schema: CheckNow, config: { rateLimit: providerActions() } }, signedIn(checkNow));
  app.post('/orders/:orderId/processing', { preHandler: csrfAndUser, schema: MarkProcessing }, signedIn(markProcessing));

  async function listOrders(request: SellerRequest<typeof ListOrders>, reply: FastifyReply) {
    const userId = request.user.id;
    const [settings, list] = await Promise.all([app.plugboardConnections.forDisplay(userId), app.shopOrders.list(userId, request.query.page)]);
    const lastPage = Math.max(1, Math.ceil(list.total / 50));
    return reply.page('orders', { title: 'Orders', plugboardReady: settings !== null, ...list, page: request.query.page, lastPage });
  }

  /** Plugboard away is not a dead end: the page shows the stored orders and what went wrong. */
  async function checkNow(request: SellerRequest<typeof CheckNow>, reply: FastifyReply) {
    try {
      await app.shopOrders.poll(request.user.id);
    } catch (err) {
      if (!(err instanceof DomainError) || err.provider !== 'Plugboard') throw err;
    }
    return reply.code(303).redirect('/orders');
  }

  async function markProcessing(request: SellerRequest<typeof MarkProcessing>, reply: FastifyReply) {
    await app.shopOrders.markProcessing(request.user.id, request.params.orderId.toLowerCase());
    return reply.code(303).redirect('/orders');
  }
}
