/** /api/order: create (as the reference shows), upsert by remoteId, update, read, and "changed since" lists. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { changedSince, named, need, recordToUpsert, storeWrite } from './api-answers.js';
import { type PlugboardContext, authenticatedTenant, withAndWithoutSlash } from './context.js';
import { applyOrderBody, newOrder, orderView } from './orders.js';
import { flag, onlyKnownParams } from './refusal.js';
import { newLocalId } from './tenants.js';

type Handler = (ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply) => unknown;

export function orderRoutes(app: FastifyInstance, ctx: PlugboardContext): void {
  const bind = (h: Handler) => (request: FastifyRequest, reply: FastifyReply) => h(ctx, request, reply);
  // The reference posts to /api/order/; decision 004's facts use /api/order: both are the collection.
  withAndWithoutSlash(app, 'GET', '/api/order', bind(listOrders));
  withAndWithoutSlash(app, 'POST', '/api/order', bind(createOrder));
  app.get('/api/order/:localId', bind(readOrder));
  app.put('/api/order/:localId', bind(updateOrder));
}

/** GET /api/order[?modifiedAtOrAfter=…]: every order of the tenant (its web shop's too), as a plain JSON array. */
function listOrders(ctx: PlugboardContext, request: FastifyRequest) {
  const t = authenticatedTenant(ctx, request);
  need(t, 'order.view');
  return changedSince(request, t.orders.values()).map((o) => orderView(o, t));
}

/**
 * POST /api/order/: 201 with the order; with ?updateOnRemoteId=true an order this connection
 * gave the same remoteId is updated (200). Totals follow the rows unless suppressTotalsRecalc=true.
 */
function createOrder(ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply) {
  const t = authenticatedTenant(ctx, request);
  need(t, 'order.edit');
  const params = onlyKnownParams(request.query, ['updateOnRemoteId', 'suppressTotalsRecalc']);
  const keepTotals = flag(params, 'suppressTotalsRecalc');
  const existing = recordToUpsert(t.orders, t, request.body, flag(params, 'updateOnRemoteId'), 'order');
  const source = { connectionType: 'api', connectionId: t.seed.connectionId, code: null, connectionName: t.seed.connectionName };
  const current = existing ?? newOrder(newLocalId(t), source, ctx.clock.now());
  const o = storeWrite(ctx, t, t.orders, current, !existing, (copy) => applyOrderBody(copy, request.body, t, { isNew: !existing, keepTotals }));
  return reply.code(existing ? 200 : 201).send(orderView(o, t));
}

function readOrder(ctx: PlugboardContext, request: FastifyRequest) {
  const t = authenticatedTenant(ctx, request);
  need(t, 'order.view');
  return orderView(named(t.orders, request, 'Order'), t);
}

/** PUT /api/order/{localId}: e.g. {"orderStatus": "processing", "remoteOrderNo": "…"}; fields left out are untouched. */
function updateOrder(ctx: PlugboardContext, request: FastifyRequest) {
  const t = authenticatedTenant(ctx, request);
  need(t, 'order.edit');
  const keepTotals = flag(onlyKnownParams(request.query, ['suppressTotalsRecalc']), 'suppressTotalsRecalc');
  const current = named(t.orders, request, 'Order');
  return orderView(storeWrite(ctx, t, t.orders, current, false, (copy) => applyOrderBody(copy, request.body, t, { isNew: false, keepTotals })), t);
}
