import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { CatalogCache } from '../inventory/catalog-cache.js';
import { InventorySummaries } from '../inventory/summary.js';
import { InventorySnapshots } from '../inventory/inventory-snapshot.js';
import { InventorySearch } from '../inventory/search.js';
import { PhotoStore } from '../inventory/upload-store.js';
import { UploadPipeline } from '../inventory/upload-pipeline.js';
import { uploadTask } from '../inventory/upload-task.js';
import { ImageDigests } from '../sonlet/create-once.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Each seller's Sonlet styles and sizes, cached in Postgres. */
    catalog: CatalogCache;
    summaries: InventorySummaries;
    inventorySearch: InventorySearch;
    /** Photos waiting to become items, stored in Postgres. */
    photos: PhotoStore;
    uploads: UploadPipeline;
  }
}

/** The seller's inventory: catalog, summaries and search, and photo uploads (the upload task). */
export const inventoryPlugin = fp(
  async (app: FastifyInstance) => {
    const { config, prisma, invalidation, jobs, clock, sonletApiFor, publisher } = app;
    const summaries = new InventorySummaries(prisma, config.summaryTtlSeconds, invalidation, new InventorySnapshots(prisma));
    const photos = new PhotoStore(prisma, config.uploads.maxBytes);
    jobs?.define(
      uploadTask({
        prisma,
        photos,
        sonletApiFor,
        digests: new ImageDigests(),
        onItemCreated: async (userId, pk) => {
          await summaries.forget(userId);
          await publisher.autoPublish(userId, pk);
        },
        settings: config.uploads,
      }),
    );
    app.decorate('catalog', new CatalogCache(prisma, config.catalogTtlSeconds, invalidation, clock));
    app.decorate('summaries', summaries);
    app.decorate('inventorySearch', new InventorySearch(prisma, summaries));
    app.decorate('photos', photos);
    app.decorate('uploads', new UploadPipeline({ prisma, photos, sonletApiFor, jobs }));
  },
  // The shop's publisher: a new item goes to the web shop at once when the seller asked for that.
  { name: 'inventory', dependencies: ['clock', 'db', 'jobs', 'sonlet', 'shop'] },
);
