import { DomainError } from '../errors.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const uuid = { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' } as const;
const csrfBody = { type: 'object', properties: { _csrf: { type: 'string', maxLength: 200 } } } as const;

/** The web shop's orders, as polled into the console: the list, "check now", and marking one as processing. */
export async function orderRoutes(app: FastifyInstance) {
  const { services } = app;
  const csrfAndUser = [app.requireUser, app.csrfProtection];

  app.get<{ Querystring: { page: number } }>(
    '/orders',
    { preHandler: app.requireUser, schema: { querystring: { type: 'object', properties: { page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 } } } } },
    listOrders,
  );
  app.post('/orders/check', { preHandler: csrfAndUser, schema: { body: csrfBody } }, checkNow);
  app.post<{ Params: { orderId: string } }>(
    '/orders/:orderId/processing',
    { preHandler: csrfAndUser, schema: { params: { type: 'object', required: ['orderId'], properties: { orderId: uuid } }, body: csrfBody } },
    markProcessing,
  );

  async function listOrders(request: FastifyRequest<{ Querystring: { page: number } }>, reply: FastifyReply) {
    const userId = request.user!.id;
    const [settings, list] = await Promise.all([services.plugboardConnections.forDisplay(userId), services.shopOrders.list(userId, request.query.page)]);
    const lastPage = Math.max(1, Math.ceil(list.total / 50));
    return reply.page('orders', { title: 'Orders', plugboardReady: settings !== null, ...list, page: request.query.page, lastPage });
  }

  /** Plugboard away is not a dead end: the page shows the stored orders and what went wrong. */
  async function checkNow(request: FastifyRequest, reply: FastifyReply) {
    try {
      await services.shopOrders.poll(request.user!.id);
    } catch (err) {
      if (!(err instanceof DomainError) || err.provider !== 'Plugboard') throw err;
    }
    return reply.code(303).redirect('/orders');
  }

  async function markProcessing(request: FastifyRequest<{ Params: { orderId: string } }>, reply: FastifyReply) {
    await services.shopOrders.markProcessing(request.user!.id, request.params.orderId.toLowerCase());
    return reply.code(303).redirect('/orders');
  }
}
