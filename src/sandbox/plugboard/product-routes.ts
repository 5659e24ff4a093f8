/** /api/product: create, upsert by remoteId, partial update, read, and "changed since" lists. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answerStoredWrite, changedSince, named, need, recordToUpsert, storeWrite } from './api-answers.js';
import { type PlugboardContext, authenticatedTenant, baseUrlOf, fileUrls } from './context.js';
import { type StoredProduct, applyProductBody, newProduct, productView } from './products.js';
import { Refusal, flag, isObject, onlyKnownParams } from './refusal.js';
import { remoteIdIn } from './texts.js';
import { type Tenant, newLocalId } from './tenants.js';

type Handler = (ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply) => unknown;

export function productRoutes(app: FastifyInstance, ctx: PlugboardContext): void {
  const bind = (h: Handler) => (request: FastifyRequest, reply: FastifyReply) => h(ctx, request, reply);
  app.get('/api/product', bind(listProducts));
  app.post('/api/product', bind(createProduct));
  app.get('/api/product/:localId', bind(readProduct));
  app.put('/api/product/:localId', bind(updateProduct));
}

function view(ctx: PlugboardContext, request: FastifyRequest, t: Tenant, p: StoredProduct) {
  return productView(p, t, fileUrls(t, baseUrlOf(ctx, request)));
}

/** GET /api/product[?modifiedAtOrAfter=…]: a plain JSON array (decision 004). */
function listProducts(ctx: PlugboardContext, request: FastifyRequest) {
  const t = authenticatedTenant(ctx, request);
  need(t, 'product.view');
  return changedSince(request, t.products.values()).map((p) => view(ctx, request, t, p));
}

/** POST /api/product: 201 with the product; with ?updateOnRemoteId=true, 200 when it updated this connection's product. */
function createProduct(ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply) {
  const t = authenticatedTenant(ctx, request);
  need(t, 'product.edit');
  const upsert = flag(onlyKnownParams(request.query, ['updateOnRemoteId']), 'updateOnRemoteId');
  refuseOnRequest(ctx, isObject(request.body) ? remoteIdIn(request.body) : undefined);
  const existing = recordToUpsert(t.products, t, request.body, upsert, 'product');
  const current = existing ?? newProduct(newLocalId(t), ctx.clock.now());
  const p = storeWrite(ctx, t, t.products, current, !existing, (copy) => applyProductBody(copy, request.body, t, !existing));
  return answerStoredWrite(ctx, request, reply, existing ? 200 : 201, view(ctx, request, t, p));
}

function readProduct(ctx: PlugboardContext, request: FastifyRequest) {
  const t = authenticatedTenant(ctx, request);
  need(t, 'product.view');
  return view(ctx, request, t, named(t.products, request, 'Product'));
}

/** PUT /api/product/{localId}: fields left out are untouched; null removes translations and customData keys. */
function updateProduct(ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply) {
  const t = authenticatedTenant(ctx, request);
  need(t, 'product.edit');
  onlyKnownParams(request.query, []);
  const current = named(t.products, request, 'Product');
  refuseOnRequest(ctx, current.remoteIdMap[t.seed.connectionId]?.remoteId);
  const p = storeWrite(ctx, t, t.products, current, false, (copy) => applyProductBody(copy, request.body, t, false));
  return answerStoredWrite(ctx, request, reply, 200, view(ctx, request, t, p));
}

/** The refusal fault: a product the test named is refused before anything is stored. */
function refuseOnRequest(ctx: PlugboardContext, remoteId: unknown): void {
  if (typeof remoteId === 'string' && ctx.faults.refuseRemoteIds.includes(remoteId)) {
    throw new Refusal(422, `Product ${remoteId} cannot be accepted: its data is refused by this shop`);
  }
}
