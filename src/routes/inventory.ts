import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { browseItems, pageLocally, withCatalogNames, type ItemsQuery } from '../inventory/browse.js';
import { whileSellerWaits } from '../web/seller-waits.js';
import { filterByShop, SHOP_FILTERS, type ShopFilter } from '../plugboard/shop-filter.js';
import { NeedsReconnectError, NotConnectedError } from '../errors.js';

const pkParam = {
  type: 'object',
  required: ['pk'],
  properties: { pk: { type: 'integer', minimum: 1, maximum: 2147483647 } },
} as const;

/** The `publish` flag of /items after "Publish selected" with nothing ticked. */
export const NOTHING_SELECTED = 'none-selected';

const pageNumber = { type: 'integer', minimum: 1, maximum: 100000, default: 1 } as const;

export async function inventoryRoutes(app: FastifyInstance) {
  const { services } = app;

  app.get<{ Querystring: ItemsQuery & { shop?: ShopFilter | ''; publish?: string } }>(
    '/items',
    {
      preHandler: app.requireUser,
      // The filter form sends every select, chosen or not: "All styles" arrives as style= and means no filter.
      preValidation: async (request) => {
        const query = request.query as unknown as Record<string, unknown>;
        for (const key of ['style', 'size', 'shop']) if (query[key] === '') delete query[key];
      },
      schema: {
        querystring: {
          type: 'object',
          // Unknown query parameters (tracking tags, old links) are ignored rather than refused.
          properties: {
            page: pageNumber,
            style: { type: 'integer', minimum: 1, maximum: 2147483647 },
            size: { type: 'integer', minimum: 1, maximum: 2147483647 },
            shop: { type: 'string', enum: [...SHOP_FILTERS, ''] },
            publish: { type: 'string', enum: [NOTHING_SELECTED] },
          },
        },
      },
    },
    listItems,
  );
  app.get<{ Params: { pk: number } }>('/items/:pk', { preHandler: app.requireUser, schema: { params: pkParam } }, showItem);
  app.get<{ Querystring: { page: number } }>(
    '/images',
    { preHandler: app.requireUser, schema: { querystring: { type: 'object', properties: { page: pageNumber } } } },
    listImages,
  );

  async function listItems(request: FastifyRequest<{ Querystring: ItemsQuery & { shop?: ShopFilter | ''; publish?: string } }>, reply: FastifyReply) {
    const userId = request.user!.id;
    const api = services.sonletApiFor(userId);
    const signal = whileSellerWaits(reply);
    const shop = request.query.shop || null;
    return whenConnected(reply, 'Items', async () => {
      const [catalog, view] = await Promise.all([
        services.catalog.get(userId, api, { signal }),
        shop
          ? browseByShop(userId, request.query, shop, signal)
          : browseItems(api, request.query, (filters) => services.summaries.matchingItems(userId, api, filters, { signal }), { signal }),
      ]);
      const pks = view.items.map((i) => i.pk);
      const [published, soldOn] = await Promise.all([services.publisher.statusOf(userId, pks), services.shopOrders.soldOn(userId, pks)]);
      const nothingSelected = request.query.publish === NOTHING_SELECTED;
      return reply.page('items', { title: 'Items', ...view, items: withCatalogNames(view.items, catalog), shop, catalog, ...published, soldOn, nothingSelected, scripts: ['/public/publish-select.js'] });
    });
  }

  /** The web-shop filter needs the whole inventory: the walked (and cached) matching items, filtered and paged here. */
  async function browseByShop(userId: string, query: ItemsQuery, shop: ShopFilter, signal: AbortSignal) {
    const filters = { style: query.style ?? null, size: query.size ?? null };
    const matching = await services.summaries.matchingItems(userId, services.sonletApiFor(userId), filters, { signal });
    return pageLocally(await filterByShop({ prisma: services.prisma, connections: services.plugboardConnections }, userId, matching, shop), query.page, 20, filters);
  }

  async function showItem(request: FastifyRequest<{ Params: { pk: number } }>, reply: FastifyReply) {
    const userId = request.user!.id;
    const api = services.sonletApiFor(userId);
    const signal = whileSellerWaits(reply);
    return whenConnected(reply, 'Item', async () => {
      const [catalog, found] = await Promise.all([services.catalog.get(userId, api, { signal }), api.getItem(request.params.pk, { signal })]);
      const [item] = withCatalogNames([found], catalog);
      const [{ plugboardReady, exports }, soldOn] = await Promise.all([services.publisher.statusOf(userId, [item!.pk]), services.shopOrders.soldOn(userId, [item!.pk])]);
      return reply.page('item', { title: `${item!.style} ${item!.size}`, item, plugboardReady, export: exports[item!.pk] ?? null, soldOn: soldOn[item!.pk] ?? null });
    });
  }

  async function listImages(request: FastifyRequest<{ Querystring: { page: number } }>, reply: FastifyReply) {
    const userId = request.user!.id;
    const api = services.sonletApiFor(userId);
    const signal = whileSellerWaits(reply);
    return whenConnected(reply, 'Images', async () => {
      // The gallery links each image to its items through the (cached) inventory walk.
      const [page, summary] = await Promise.all([api.listImages(request.query.page, { signal }), services.summaries.get(userId, api, { signal })]);
      const lastPage = page.next ? Math.ceil(page.count / Math.max(page.results.length, 1)) : request.query.page;
      return reply.page('images', { title: 'Images', images: page.results, count: page.count, page: request.query.page, lastPage, itemsByImage: summary.itemsByImage });
    });
  }

  /** Not connected, or needing a reconnect, is a normal state of these pages rather than an error. */
  async function whenConnected(reply: FastifyReply, title: string, render: () => Promise<FastifyReply>) {
    try {
      return await render();
    } catch (err) {
      if (err instanceof NotConnectedError) return reply.page('not-connected', { title, connection: { state: 'none' } });
      if (err instanceof NeedsReconnectError) return reply.page('not-connected', { title, connection: { state: 'needs_reconnect' } }, 409);
      throw err;
    }
  }
}
