/** Pictures behind the API's image URLs, served without auth like a CDN. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type SandboxContext, bindTo } from './context.js';
import { MEDIA_CACHE_CONTROL, MEDIA_CORP } from './media.js';
import type { UploadImageSource } from './model.js';

const NOT_FOUND = { detail: 'Not found.' };

export function mediaRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const bind = bindTo(ctx);
  app.get('/media/seed/:pk/:file', bind(seedPicture));
  app.get('/media/uploads/:slug/:file', bind(uploadedPicture));
}

/** Generated on first use from the seed's style, colour and pattern, then cached. */
async function seedPicture(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const { pk, file } = request.params as { pk: string; file: string };
  const img = /^\d+$/.test(pk) ? ctx.store.images.get(Number(pk)) : undefined;
  if (!img || img.source.kind !== 'seed' || (file !== 'full.jpg' && file !== 'thumb.jpg')) return reply.code(404).send(NOT_FOUND);
  const buf = await ctx.media.seedPicture(img.pk, img.source, file === 'full.jpg' ? 'full' : 'thumb');
  return reply.header('content-type', 'image/jpeg').header('cache-control', MEDIA_CACHE_CONTROL).header('cross-origin-resource-policy', MEDIA_CORP).send(buf);
}

function uploadOf(ctx: SandboxContext, slug: string): UploadImageSource | undefined {
  for (const img of ctx.store.images.values()) if (img.source.kind === 'upload' && img.source.slug === slug) return img.source;
  return undefined;
}

async function uploadedPicture(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const { slug, file } = request.params as { slug: string; file: string };
  const src = /^[A-Za-z0-9]+$/.test(slug) ? uploadOf(ctx, slug) : undefined;
  if (!src || (file !== 'thumb.jpg' && file !== src.fullName)) return reply.code(404).send(NOT_FOUND);
  const filePath = ctx.media.uploadPath(slug, file);
  const info = await stat(filePath).catch(() => null);
  if (!info?.isFile()) return reply.code(404).send(NOT_FOUND);
  return reply
    .header('content-type', file === 'thumb.jpg' ? 'image/jpeg' : src.fullType)
    .header('content-length', info.size)
    .header('cache-control', MEDIA_CACHE_CONTROL)
    .header('cross-origin-resource-policy', MEDIA_CORP)
    .send(createReadStream(filePath));
}
