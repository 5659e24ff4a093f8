import type { Config } from './config.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { createAccounts } from './accounts/accounts.js';
import { PrismaSessionStore } from './accounts/session-store.js';
import { TokenCipher } from './crypto/token-cipher.js';
import { createSonlet } from './sonlet/sonlet.js';
import { CatalogCache } from './inventory/catalog-cache.js';
import { InventorySummaries } from './inventory/summary.js';
import type { JobQueue } from './jobs/queue.js';
import { PlugboardConnectionStore } from './plugboard/connection-store.js';
import { Publisher } from './plugboard/publish.js';
import { PhotoStore } from './inventory/upload-store.js';
import { UploadPipeline } from './inventory/upload-pipeline.js';
import path from 'node:path';
import { createTeamServices } from './accounts/team-services.js';
import { createAuditTrail } from './audit/audit-trail.js';

/** The domain services, built once per app from config and the database; routes reach them through `app.services`. */
export function createServices(config: Config, prisma: PrismaClient, jobs: JobQueue | null = null) {
  const cipher = new TokenCipher(config.tokenEncryptionKey);
  const audit = createAuditTrail(prisma);
  const sonlet = createSonlet({ ...config.sonlet, maxMediaBytes: config.uploads.maxBytes }, prisma, cipher, Date, {
    reconnectNeeded: (userId) => audit.recordFor('sonlet-reconnect-needed', userId),
  });
  const { vault, apiFor: sonletApiFor } = sonlet;
  const plugboardConnections = new PlugboardConnectionStore(prisma, cipher, config.plugboard);
  const summaries = new InventorySummaries(prisma, config.summaryTtlSeconds);
  const photos = new PhotoStore(path.join(config.dataDir, 'uploads'), config.uploads.maxBytes);
  return {
    prisma,
    jobs,
    cipher,
    vault,
    accounts: createAccounts(prisma),
    sessionStore: new PrismaSessionStore(prisma),
    catalog: new CatalogCache(prisma, config.catalogTtlSeconds),
    summaries,
    sonletApiFor,
    plugboardConnections,
    publisher: new Publisher({ prisma, connections: plugboardConnections, sonletApiFor, jobs }),
    photos,
    uploads: new UploadPipeline({ prisma, photos, sonletApiFor, summaries, jobs, settings: config.uploads }),
    ...createTeamServices(config, prisma, audit, photos),
  };
}

export type Services = ReturnType<typeof createServices>;
