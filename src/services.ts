import type { Config } from './config.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { createAccounts } from './accounts/accounts.js';
import { PrismaSessionStore } from './accounts/session-store.js';
import { TokenCipher } from './crypto/token-cipher.js';
import { createSonlet } from './sonlet/sonlet.js';
import { ImageDigests } from './sonlet/create-once.js';
import { CatalogCache } from './inventory/catalog-cache.js';
import { InventorySummaries } from './inventory/summary.js';
import { InventorySnapshots } from './inventory/inventory-snapshot.js';
import { InventorySearch } from './inventory/search.js';
import { poolOf } from './db/client.js';
import { createNotifications } from './db/notifications.js';
import { CacheInvalidation } from './db/cache-invalidation.js';
import { TaskEngine, type TaskLog } from './jobs/engine.js';
import { PlugboardConnectionStore } from './plugboard/connection-store.js';
import { Publisher } from './plugboard/publish.js';
import { publishTask } from './plugboard/publish-task.js';
import { ShopExports } from './plugboard/shop-exports.js';
import { KeepInStep } from './plugboard/keep-in-step.js';
import { ShopOrders } from './plugboard/shop-orders.js';
import { scheduleShopTasks, shopTasks } from './plugboard/shop-tasks.js';
import type { Clock } from './clock.js';
import { PhotoStore } from './inventory/upload-store.js';
import { UploadPipeline } from './inventory/upload-pipeline.js';
import { uploadTask } from './inventory/upload-task.js';
import { importLegacyPhotos } from './inventory/upload-legacy-files.js';
import path from 'node:path';
import { SellerSettings } from './accounts/seller-settings.js';
import { createOwnAccount } from './accounts/own-account.js';
import { createTeamServices } from './accounts/team-services.js';
import { createAuditTrail } from './audit/audit-trail.js';
import { auditPruningTask, scheduleAuditPruning } from './audit/audit-pruning.js';

/** Background work (photo uploads, publishing) in this process. */
export interface BackgroundWorkOptions {
  /** Only tasks of this queue are worked here (default "default"; each test stack has its own). */
  queue?: string;
  /** How long stopping waits for tasks in flight before leaving them to another process. Default 12 s. */
  stopTimeoutMs?: number;
  /** The engine's time, and the web shop's (tests move it to run a sync period's work at once). */
  clock?: Clock;
}

const PHOTO_SWEEP_EVERY_MS = 3600_000;

/**
 * The domain services, built once per app from config and the database; routes reach them through
 * `app.services`. With `background`, this process also works on durable tasks; without it, uploads and
 * publishing answer that they are unavailable.
 */
export function createServices(config: Config, prisma: PrismaClient, background: BackgroundWorkOptions | null = null) {
  let log: TaskLog | null = null;
  const notifications = createNotifications(poolOf(prisma), { onError: (err) => log?.warn({ err: { message: err.message } }, 'database notifications interrupted') });
  const invalidation = new CacheInvalidation(notifications);
  const cipher = new TokenCipher(config.tokenEncryptionKey);
  const audit = createAuditTrail(prisma);
  const sonlet = createSonlet({ ...config.sonlet, maxMediaBytes: config.uploads.maxBytes }, prisma, cipher, Date, {
    reconnectNeeded: (userId) => audit.recordFor('sonlet-reconnect-needed', userId),
  });
  const { vault, apiFor: sonletApiFor } = sonlet;
  const plugboardConnections = new PlugboardConnectionStore(prisma, cipher, config.plugboard, invalidation);
  const summaries = new InventorySummaries(prisma, config.summaryTtlSeconds, invalidation, new InventorySnapshots(prisma));
  const photos = new PhotoStore(prisma, config.uploads.maxBytes);
  const clock = background?.clock;
  const jobs = background ? new TaskEngine({ prisma, notifications, queue: background.queue, leaseMs: config.taskLeaseSeconds * 1000, clock }) : null;
  const shopExports = new ShopExports({ prisma, connections: plugboardConnections, sonletApiFor, readPictureFor: (userId) => (url) => sonletApiFor(userId).readMedia(url) });
  const keepInStep = new KeepInStep({ prisma, connections: plugboardConnections, shopExports, sonletApiFor, jobs }, clock);
  const shopOrders = new ShopOrders(prisma, plugboardConnections, clock);
  const publisher = new Publisher({ prisma, connections: plugboardConnections, jobs, clock });
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
  jobs?.define(publishTask({ prisma, shopExports }));
  const { syncPeriodMs, ordersPeriodMs } = config.plugboard;
  for (const task of shopTasks({ prisma, keepInStep, orders: shopOrders, syncPeriodMs, ordersPeriodMs })) jobs?.define(task);
  jobs?.define(auditPruningTask(audit, config.auditRetentionDays));
  const team = createTeamServices(config, prisma, audit, jobs, clock);
  let photoSweep: NodeJS.Timeout | null = null;

  const sweepPhotos = async () => {
    const swept = await photos.sweep().catch((err: unknown) => (log?.error({ err }, 'could not sweep stored photos'), null));
    if (swept && (swept.orphans || swept.finished)) log?.info(swept, 'removed photos no upload needs');
  };

  return {
    prisma,
    jobs,
    notifications,
    cipher,
    vault,
    accounts: createAccounts(prisma),
    sellerSettings: new SellerSettings(prisma),
    ownAccount: createOwnAccount({ prisma, audit, disconnectSonlet: (userId) => vault.disconnect(userId, log ?? undefined) }),
    sessionStore: new PrismaSessionStore(prisma),
    catalog: new CatalogCache(prisma, config.catalogTtlSeconds, invalidation),
    summaries,
    search: new InventorySearch(prisma, summaries),
    sonletApiFor,
    plugboardConnections,
    publisher,
    shopExports,
    keepInStep,
    shopOrders,
    /** Starts (or restarts) a seller's keep-in-step and order polling, e.g. once their settings are saved. */
    scheduleShop: async (userId: string) => (jobs ? scheduleShopTasks(jobs, [userId]) : undefined),
    photos,
    uploads: new UploadPipeline({ prisma, photos, sonletApiFor, jobs }),
    ...team,

    /** Starts this process's background work: photos left on disk by older versions, the photo sweep, the task workers. */
    async startWork(logger: TaskLog): Promise<void> {
      log = logger;
      if (!jobs) return;
      jobs.setLogger(logger);
      const imported = await importLegacyPhotos(prisma, photos, path.join(config.dataDir, 'uploads'));
      if (imported) logger.info({ photos: imported }, 'moved photos waiting on disk into the database');
      await sweepPhotos();
      await scheduleShopTasks(jobs, await plugboardConnections.sellers());
      await scheduleAuditPruning(jobs);
      photoSweep = setInterval(() => void sweepPhotos(), PHOTO_SWEEP_EVERY_MS);
      photoSweep.unref();
      jobs.start();
    },

    /** Stops background work (running tasks get a while to finish) and the notifications connection. */
    async stopWork(): Promise<void> {
      if (photoSweep) clearInterval(photoSweep);
      await jobs?.stop({ timeoutMs: background?.stopTimeoutMs ?? 12_000 });
      await notifications.close();
    },
  };
}

export type Services = ReturnType<typeof createServices>;
