import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { browseItems, pageLocally, withCatalogNames, type ItemsQuery } from '../inventory/browse.js';
import { whileSellerWaits } from '../web/seller-waits.js';
import { filterByShop, SHOP_FILTERS, type ShopFilter } from '../plugboard/shop-filter.js';
import { NeedsReconnectError, NotConnectedError } from '../errors.js';
import { signedIn, type SellerRequest } from '../web/typed-routes.js';

/** The `publish` flag of /items after "Publish selected" with nothing ticked. */
export const NOTHING_SELECTED = 'none-selected';

const sonletId = () => Type.Integer({ minimum: 1, maximum: 2147483647 });
const pageNumber = () => Type.Integer({ minimum: 1, maximum: 100000, default: 1 });

// Unknown query parameters (tracking tags, old links) are ignored; odd values are treated as absent (web/lenient-query.ts).
const ListItems = {
  querystring: Type.Object({
    page: pageNumber(),
    style: Type.Optional(sonletId()),
    size: Type.Optional(sonletId()),
    shop: Type.Optional(Type.Enum(SHOP_FILTERS)),
    publish: Type.Optional(Type.Literal(NOTHING_SELECTED)),
  }),
};
const ShowItem = { params: Type.Object({ pk: sonletId() }) };
const ListImages = { querystring: Type.Object({ page: pageNumber() }) };

export async function inventoryRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { services } = app;

  app.get('/items', { preHandler: app.requireUser, schema: ListItems }, signedIn(listItems));
  app.get('/items/:pk', { preHandler: app.requireUser, schema: ShowItem }, signedIn(showItem));
  app.get('/images', { preHandler: app.requireUser, schema: ListImages }, signedIn(listImages));

  async function listItems(request: SellerRequest<typeof ListItems>, reply: FastifyReply) {
    const userId = request.user.id;
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

  async function showItem(request: SellerRequest<typeof ShowItem>, reply: FastifyReply) {
    const userId = request.user.id;
    const api = services.sonletApiFor(userId);
    const signal = whileSellerWaits(reply);
    return whenConnected(reply, 'Item', async () => {
      const [catalog, found] = await Promise.all([services.catalog.get(userId, api, { signal }), api.getItem(request.params.pk, { signal })]);
      const [item] = withCatalogNames([found], catalog);
      const [{ plugboardReady, exports }, soldOn] = await Promise.all([services.publisher.statusOf(userId, [item!.pk]), services.shopOrders.soldOn(userId, [item!.pk])]);
      return reply.page('item', { title: `${item!.style} ${item!.size}`, item, plugboardReady, export: exports[item!.pk] ?? null, soldOn: soldOn[item!.pk] ?? null });
    });
  }

  async function listImages(request: SellerRequest<typeof ListImages>, reply: FastifyReply) {
    const userId = request.user.id;
    const api = services.sonletApiFor(userId);
    const page = request.query.page;
    const signal = whileSellerWaits(reply);
    return whenConnected(reply, 'Images', async () => {
      // The gallery links each image to its items through the (cached) inventory walk.
      const [images, summary] = await Promise.all([api.listImages(page, { signal }), services.summaries.get(userId, api, { signal })]);
      const lastPage = images.next ? Math.ceil(images.count / Math.max(images.results.length, 1)) : page;
      return reply.page('images', { title: 'Images', images: images.results, count: images.count, page, lastPage, itemsByImage: summary.itemsByImage });
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
