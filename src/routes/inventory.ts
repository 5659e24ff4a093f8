import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { browseItems, withCatalogNames } from '../inventory/browse.js';
import { itemSearchOf, SORTS, STOCK_FILTERS } from '../inventory/search.js';
import { whileSellerWaits } from '../web/seller-waits.js';
import { filterByShop, SHOP_FILTERS } from '../plugboard/shop-filter.js';
import { NeedsReconnectError, NotConnectedError } from '../errors.js';
import { signedIn, type SellerRequest } from '../web/typed-routes.js';
import { NOTHING_SELECTED } from '../web/nothing-selected.js';


const sonletId = () => Type.Integer({ minimum: 1, maximum: 2147483647 });
const pageNumber = () => Type.Integer({ minimum: 1, maximum: 100000, default: 1 });
const amount = () => Type.Number({ minimum: 0, maximum: 100_000_000 });

// Unknown query parameters (tracking tags, old links) are ignored; odd values are treated as absent (web/lenient-query.ts).
const ListItems = {
  querystring: Type.Object({
    page: pageNumber(),
    style: Type.Optional(sonletId()),
    size: Type.Optional(sonletId()),
    shop: Type.Optional(Type.Enum(SHOP_FILTERS)),
    // Search (inventory/search.ts): words, a price range, stock, sort order.
    q: Type.Optional(Type.String({ maxLength: 200 })),
    min: Type.Optional(amount()),
    max: Type.Optional(amount()),
    stock: Type.Optional(Type.Enum(STOCK_FILTERS)),
    sort: Type.Optional(Type.Enum(SORTS)),
    publish: Type.Optional(Type.Enum(Object.values(NOTHING_SELECTED))),
  }),
};
const ShowItem = { params: Type.Object({ pk: sonletId() }) };
const ListImages = { querystring: Type.Object({ page: pageNumber() }) };

export async function inventoryRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/items', { preHandler: app.requireUser, schema: ListItems }, signedIn(listItems));
  app.get('/items/:pk', { preHandler: app.requireUser, schema: ShowItem }, signedIn(showItem));
  app.get('/images', { preHandler: app.requireUser, schema: ListImages }, signedIn(listImages));

  async function listItems(request: SellerRequest<typeof ListItems>, reply: FastifyReply) {
    const userId = request.user.id;
    const api = app.sonletApiFor(userId);
    const signal = whileSellerWaits(reply);
    const shop = request.query.shop || null;
    const search = itemSearchOf(request.query);
    return whenConnected(reply, 'Items', async () => {
      const [catalog, view] = await Promise.all([
        app.catalog.get(userId, api, { signal }),
        search
          ? app.inventorySearch.find(userId, api, search, request.query.page, { signal, filter: shop ? (items) => filterByShop({ prisma: app.prisma, connections: app.plugboardConnections }, userId, items, shop) : null })
          : browseItems(api, request.query, (filters) => app.summaries.matchingItems(userId, api, filters, { signal }), { signal }),
      ]);
      const pks = view.items.map((i) => i.pk);
      const [published, soldOn] = await Promise.all([app.publisher.statusOf(userId, pks), app.shopOrders.soldOn(userId, pks)]);
      const nothingSelected = request.query.publish ?? null;
      const { q, min, max, stock, sort } = request.query;
      const searched = { q: q ?? '', min: min ?? null, max: max ?? null, stock: stock ?? null, sort: sort ?? null, freshAt: 'freshAt' in view ? (view.freshAt as Date) : null };
      return reply.page('items', { title: 'Items', ...view, items: withCatalogNames(view.items, catalog), shop, catalog, ...published, soldOn, nothingSelected, search: searched, scripts: ['/public/publish-select.js'] });
    });
  }

  async function showItem(request: SellerRequest<typeof ShowItem>, reply: FastifyReply) {
    const userId = request.user.id;
    const api = app.sonletApiFor(userId);
    const signal = whileSellerWaits(reply);
    return whenConnected(reply, 'Item', async () => {
      const [catalog, found] = await Promise.all([app.catalog.get(userId, api, { signal }), api.getItem(request.params.pk, { signal })]);
      const [item] = withCatalogNames([found], catalog);
      const [{ plugboardReady, exports }, soldOn] = await Promise.all([app.publisher.statusOf(userId, [item!.pk]), app.shopOrders.soldOn(userId, [item!.pk])]);
      return reply.page('item', { title: `${item!.style} ${item!.size}`, item, plugboardReady, export: exports[item!.pk] ?? null, soldOn: soldOn[item!.pk] ?? null });
    });
  }

  async function listImages(request: SellerRequest<typeof ListImages>, reply: FastifyReply) {
    const userId = request.user.id;
    const api = app.sonletApiFor(userId);
    const page = request.query.page;
    const signal = whileSellerWaits(reply);
    return whenConnected(reply, 'Images', async () => {
      // The gallery links each image to its items through the (cached) inventory walk.
      const [images, summary] = await Promise.all([api.listImages(page, { signal }), app.summaries.get(userId, api, { signal })]);
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
