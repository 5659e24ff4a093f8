/**
 * The API's creates: POST /api/v2/images/ (a file in `image_full`) and POST /api/v2/items/. Both
 * answer 200, as the reference's examples check (`if res.status_code != 200: raise`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiGuard, principalOf } from './api-guard.js';
import { imageWire, itemWire } from './api-serialize.js';
import { type SandboxContext, bindTo } from './context.js';
import { type FieldErrors, decimal, integer, itemData, relatedPk } from './item-fields.js';
import type { ItemRecord } from './model.js';

const CREATED = 200;

export function apiCreateRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const bind = bindTo(ctx);
  const guarded = { onRequest: apiGuard(ctx) };
  app.post('/api/v2/images/', guarded, bind(createImage));
  app.post('/api/v2/items/', guarded, bind(createItem));
}

/** After a POST stored its object: answer, or (fault injection) drop the connection without answering. */
function committed(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply, body: unknown) {
  if (ctx.dropAfterCommit.has(request.raw)) {
    reply.hijack();
    request.raw.socket?.destroy();
    return reply;
  }
  return reply.code(CREATED).send(body);
}

async function createImage(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const { username } = principalOf(ctx, request);
  const { media, settings } = ctx;
  if (!request.isMultipart()) {
    const given = (request.body as Record<string, unknown> | undefined)?.image_full;
    const message = given !== undefined && given !== '' ? 'The submitted data was not a file. Check the encoding type on the form.' : 'No file was submitted.';
    return reply.code(400).send({ image_full: [message] });
  }
  let result: Awaited<ReturnType<typeof media.ingest>> | null = null;
  for await (const part of request.parts({ limits: { fileSize: settings.maxUploadBytes, files: 10, fields: 100, parts: 200 } })) {
    if (part.type !== 'file') continue;
    if (part.fieldname === 'image_full' && result === null && part.filename) {
      result = await media.ingest(part.file, settings.maxUploadBytes);
    } else {
      part.file.resume();
      await new Promise<void>((resolve, reject) => {
        part.file.once('end', resolve);
        part.file.once('error', reject);
      });
    }
  }
  if (!result) return reply.code(400).send({ image_full: ['No file was submitted.'] });
  if (!result.ok) return reply.code(400).send({ image_full: [result.message] });
  const img = ctx.store.addImage({ owner: username, created: new Date().toISOString(), source: result.source });
  return committed(ctx, request, reply, imageWire(img, ctx.baseUrl(request)));
}

async function createItem(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const { username } = principalOf(ctx, request);
  // A slow commit: the key is already spent, the item appears only later (even if the client gave up).
  const faults = ctx.faults();
  const commitDelay = faults.commitDelayMs;
  if (commitDelay > 0) {
    faults.delayedCommitsPending++;
    await new Promise((resolve) => setTimeout(resolve, commitDelay));
  }
  try {
    return await commitItem(ctx, request, reply, username);
  } finally {
    if (commitDelay > 0) faults.delayedCommitsPending--;
  }
}

async function commitItem(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply, username: string) {
  let body: Record<string, unknown> = {};
  if (request.isMultipart()) {
    for await (const part of request.parts({ limits: { fileSize: ctx.settings.maxUploadBytes, fields: 100 } })) {
      if (part.type === 'file') part.file.resume();
      else if (typeof part.value === 'string') body[part.fieldname] = part.value;
    }
  } else if (request.body && typeof request.body === 'object' && !Array.isArray(request.body)) {
    body = request.body as Record<string, unknown>;
  } else if (request.body !== undefined && request.body !== null) {
    return reply.code(400).send({ non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
  }
  const v = validateItem(ctx, body, username);
  if (!v.ok) return reply.code(400).send(v.errors);
  const item = ctx.store.addItem({ owner: username, created: new Date().toISOString(), ...v.value });
  return committed(ctx, request, reply, itemWire(ctx, item, ctx.baseUrl(request)));
}

/** Required: itemchoice_id, size_id, image_id (the seller's own). Optional: price, wholesale_price (style's defaults), quantity (1), data. */
function validateItem(ctx: SandboxContext, body: Record<string, unknown>, username: string): { ok: true; value: Omit<ItemRecord, 'pk' | 'owner' | 'created'> } | { ok: false; errors: FieldErrors } {
  const { store } = ctx;
  const errors: FieldErrors = {};
  const one = (name: string): unknown => {
    const v = body[name];
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v[v.length - 1] : v;
  };
  const style = relatedPk(one('itemchoice_id'), 'itemchoice_id', errors, (pk) => store.styles.get(pk));
  const size = relatedPk(one('size_id'), 'size_id', errors, (pk) => store.sizes.get(pk));
  const image = relatedPk(one('image_id'), 'image_id', errors, (pk) => {
    const img = store.images.get(pk);
    return img && img.owner === username ? img : undefined;
  });
  const price = decimal(one('price'), 'price', errors);
  const wholesale = decimal(one('wholesale_price'), 'wholesale_price', errors);
  const quantity = integer(one('quantity'), 'quantity', errors);
  const attributes = itemData(one('data'), errors);
  if (Object.keys(errors).length || !style || !size || !image || attributes === null) return { ok: false, errors };
  return {
    ok: true,
    value: {
      itemchoiceId: style.pk,
      sizeId: size.pk,
      imageId: image.pk,
      quantity: quantity ?? 1,
      price: price ?? style.min_advertised_price,
      wholesalePrice: wholesale ?? style.wholesale_price,
      attributes,
    },
  };
}
