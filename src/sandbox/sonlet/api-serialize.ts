/** How the API shows its objects, and Django REST framework's page-number paging. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiRouteAllow } from './api-guard.js';
import { type SandboxContext, field, rawQuery, relativePath } from './context.js';
import type { ImageRecord, ItemRecord } from './model.js';
import type { SeedSize, SeedStyle } from './seed-catalog.js';
import type { ImageWire, ItemChoiceWire, ItemWire, PageWire, SizeWire } from './wire.js';

function imageUrls(img: ImageRecord, base: string): { image_full: string; image_thumbnail: string } {
  if (img.source.kind === 'seed') return { image_full: `${base}/media/seed/${img.pk}/full.jpg`, image_thumbnail: `${base}/media/seed/${img.pk}/thumb.jpg` };
  const dir = `${base}/media/uploads/${img.source.slug}`;
  return { image_full: `${dir}/${img.source.fullName}`, image_thumbnail: `${dir}/thumb.jpg` };
}

export function imageWire(img: ImageRecord, base: string): ImageWire {
  return { pk: img.pk, ...imageUrls(img, base), created: img.created };
}

export function itemWire(ctx: SandboxContext, item: ItemRecord, base: string): ItemWire {
  const img = item.imageId !== null ? ctx.store.images.get(item.imageId) : undefined;
  const urls = img ? imageUrls(img, base) : null;
  return {
    pk: item.pk,
    style: ctx.store.styles.get(item.itemchoiceId)?.name ?? '',
    size: ctx.store.sizes.get(item.sizeId)?.name ?? '',
    itemchoice_id: item.itemchoiceId,
    size_id: item.sizeId,
    quantity: item.quantity,
    price: item.price,
    wholesale_price: item.wholesalePrice,
    data: { attributes: { ...item.attributes } },
    image: img && urls ? { pk: img.pk, ...urls } : null,
    image_thumbnail: urls ? urls.image_thumbnail : null,
    created: item.created,
  };
}

export const itemChoiceWire = (s: SeedStyle): ItemChoiceWire => ({ pk: s.pk, name: s.name, min_advertised_price: s.min_advertised_price, wholesale_price: s.wholesale_price });
export const sizeWire = (s: SeedSize): SizeWire => ({ pk: s.pk, name: s.name });

/** DRF's links: absolute, the request's own query kept (sorted), `page` replaced, and no `page` for the first. */
function pageLink(ctx: SandboxContext, request: FastifyRequest, page: number | null): string {
  const entries = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(rawQuery(request))) entries.set(k, [...(entries.get(k) ?? []), v]);
  if (page === null) entries.delete('page');
  else entries.set('page', [String(page)]);
  const out = new URLSearchParams();
  for (const k of [...entries.keys()].sort()) for (const v of entries.get(k) ?? []) out.append(k, v);
  const qs = out.toString();
  return `${ctx.baseUrl(request)}${relativePath(request, ctx.prefix)}${qs ? `?${qs}` : ''}`;
}

/** `{count, next, previous, results}`; a page out of range, or not a number, is 404 "Invalid page." */
export function paginate<T, R>(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply, list: readonly T[], map: (t: T) => R) {
  const raw = field(request.query, 'page') || '1';
  const count = list.length;
  const pages = Math.max(1, Math.ceil(count / ctx.settings.pageSize));
  const page = raw === 'last' ? pages : /^\s*[+-]?\d+\s*$/.test(raw) ? Number(raw.trim()) : Number.NaN;
  if (!(page >= 1 && page <= pages)) return reply.code(404).send({ detail: 'Invalid page.' });
  const start = (page - 1) * ctx.settings.pageSize;
  const body: PageWire<R> = {
    count,
    next: page < pages ? pageLink(ctx, request, page + 1) : null,
    previous: page > 1 ? pageLink(ctx, request, page === 2 ? null : page - 1) : null,
    results: list.slice(start, start + ctx.settings.pageSize).map(map),
  };
  return reply.header('allow', apiRouteAllow(relativePath(request, ctx.prefix)) ?? 'GET').header('vary', 'Accept').send(body);
}
