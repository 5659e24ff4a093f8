/** The API's reads: the root, and the list and detail of items, images, item choices and sizes. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiGuard, principalOf } from './api-guard.js';
import { imageWire, itemChoiceWire, itemWire, paginate, sizeWire } from './api-serialize.js';
import { type Handler, type SandboxContext, bindTo, field } from './context.js';
import type { ItemRecord } from './model.js';

const NOT_FOUND = { detail: 'Not found.' };

export function apiReadRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const bind = bindTo(ctx);
  const guarded = { onRequest: apiGuard(ctx) };
  const get = (url: string, handler: Handler) => app.get(url, guarded, bind(handler));
  get('/api/v2/', apiRoot);
  get('/api/v2/items/', listItems);
  get('/api/v2/items/:pk/', readItem);
  get('/api/v2/images/', listImages);
  get('/api/v2/images/:pk/', readImage);
  get('/api/v2/itemchoices/', listItemChoices);
  get('/api/v2/itemchoices/:pk/', readItemChoice);
  get('/api/v2/sizes/', listSizes);
  get('/api/v2/sizes/:pk/', readSize);
}

/** The route's :pk when it is a whole number, else null (a 404, as Django's URL patterns answer). */
function pkParam(request: FastifyRequest): number | null {
  const pk = (request.params as { pk?: string }).pk ?? '';
  return /^\d+$/.test(pk) && Number(pk) <= Number.MAX_SAFE_INTEGER ? Number(pk) : null;
}

function detail<R>(reply: FastifyReply, value: R | undefined) {
  return value === undefined ? reply.code(404).send(NOT_FOUND) : reply.header('vary', 'Accept').send(value);
}

/** DRF's API root: a link per resource. */
function apiRoot(ctx: SandboxContext, request: FastifyRequest) {
  const base = ctx.baseUrl(request);
  return { items: `${base}/api/v2/items/`, images: `${base}/api/v2/images/`, itemchoices: `${base}/api/v2/itemchoices/`, sizes: `${base}/api/v2/sizes/` };
}

/** The seller's items, newest first; `itemchoice_id` and `size_id` filter as DRF's filter fields do. */
function listItems(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const { username } = principalOf(ctx, request);
  const errors: Record<string, string[]> = {};
  const filters: { key: 'itemchoiceId' | 'sizeId'; value: number }[] = [];
  for (const [param, key] of [['itemchoice_id', 'itemchoiceId'], ['size_id', 'sizeId']] as const) {
    const raw = field(request.query, param);
    if (raw === undefined || raw.trim() === '') continue;
    if (!/^\s*[+-]?\d+(\.0*)?\s*$/.test(raw)) errors[param] = ['Enter a number.'];
    else filters.push({ key, value: Number.parseInt(raw, 10) });
  }
  if (Object.keys(errors).length) return reply.code(400).send(errors);
  const faults = ctx.faults();
  let list: readonly ItemRecord[] = ctx.store.sellerItems(username);
  if (faults.listOldestFirst) list = [...list].reverse();
  if (filters.length && !faults.ignoreItemFilters) list = list.filter((item) => filters.every((f) => item[f.key] === f.value));
  const base = ctx.baseUrl(request);
  return paginate(ctx, request, reply, list, (item) => itemWire(ctx, item, base));
}

function readItem(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const { username } = principalOf(ctx, request);
  const pk = pkParam(request);
  const item = pk === null ? undefined : ctx.store.items.get(pk);
  return detail(reply, item && item.owner === username ? itemWire(ctx, item, ctx.baseUrl(request)) : undefined);
}

function listImages(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const { username } = principalOf(ctx, request);
  const base = ctx.baseUrl(request);
  const images = ctx.store.sellerImages(username);
  return paginate(ctx, request, reply, ctx.faults().listOldestFirst ? [...images].reverse() : images, (img) => imageWire(img, base));
}

function readImage(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const { username } = principalOf(ctx, request);
  const pk = pkParam(request);
  const img = pk === null ? undefined : ctx.store.images.get(pk);
  return detail(reply, img && img.owner === username ? imageWire(img, ctx.baseUrl(request)) : undefined);
}

function listItemChoices(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  return paginate(ctx, request, reply, [...ctx.store.styles.values()], itemChoiceWire);
}

function readItemChoice(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  return catalogEntry(request, reply, ctx.store.styles, itemChoiceWire);
}

function listSizes(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  return paginate(ctx, request, reply, [...ctx.store.sizes.values()], sizeWire);
}

function readSize(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  return catalogEntry(request, reply, ctx.store.sizes, sizeWire);
}

/** Styles and sizes are shared by every seller. */
function catalogEntry<T, W>(request: FastifyRequest, reply: FastifyReply, catalog: Map<number, T>, wire: (t: T) => W) {
  const pk = pkParam(request);
  const entry = pk === null ? undefined : catalog.get(pk);
  return detail(reply, entry ? wire(entry) : undefined);
}
