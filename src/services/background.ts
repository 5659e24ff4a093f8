import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { importLegacyPhotos } from '../inventory/upload-legacy-files.js';
import { scheduleShopTasks } from '../plugboard/shop-tasks.js';
import { scheduleAuditPruning } from '../audit/audit-pruning.js';
import type { ServiceOptions } from './options.js';

const PHOTO_SWEEP_EVERY_MS = 3600_000;

/**
 * This process's background work, started when the plugin loads (before the routes): photos left on disk
 * by older versions, the photo sweep, recurring tasks, the task workers. Registered after every plugin
 * that defines tasks, so its onClose runs before theirs and the database's: tasks in flight get
 * `stopTimeoutMs` to finish.
 */
export const backgroundPlugin = fp(
  async (app: FastifyInstance, { background }: ServiceOptions) => {
    const { config, prisma, jobs, photos, plugboardConnections } = app;
    if (!jobs) return;
    const log = app.log.child({ module: 'jobs' });
    const sweepPhotos = async () => {
      const swept = await photos.sweep().catch((err: unknown) => (log.error({ err }, 'could not sweep stored photos'), null));
      if (swept && (swept.orphans || swept.finished)) log.info(swept, 'removed photos no upload needs');
    };

    jobs.setLogger(log);
    const imported = await importLegacyPhotos(prisma, photos, path.join(config.dataDir, 'uploads'));
    if (imported) log.info({ photos: imported }, 'moved photos waiting on disk into the database');
    await sweepPhotos();
    await scheduleShopTasks(jobs, await plugboardConnections.sellers());
    await scheduleAuditPruning(jobs);
    const photoSweep = setInterval(() => void sweepPhotos(), PHOTO_SWEEP_EVERY_MS);
    photoSweep.unref();
    jobs.start();

    app.addHook('onClose', async () => {
      clearInterval(photoSweep);
      await jobs.stop({ timeoutMs: background?.stopTimeoutMs ?? 12_000 });
    });
  },
  { name: 'background', dependencies: ['db', 'jobs', 'audit', 'shop', 'inventory'] },
);
