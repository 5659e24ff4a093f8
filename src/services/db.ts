import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { PrismaClient } from '../generated/prisma/client.js';
import { poolOf } from '../db/client.js';
import { createNotifications, type Notifications } from '../db/notifications.js';
import { CacheInvalidation } from '../db/cache-invalidation.js';
import { TokenCipher } from '../crypto/token-cipher.js';
import type { ServiceOptions } from './options.js';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
    /** Postgres LISTEN/NOTIFY, shared by every service that hears other processes. */
    notifications: Notifications;
    /** Drops a cached copy in every process when one of them changes it. */
    invalidation: CacheInvalidation;
    /** Secrets at rest: Sonlet tokens, Plugboard passwords. */
    cipher: TokenCipher;
  }
}

/**
 * The database and what lives next to it. The Prisma client is handed in (its owner disconnects it);
 * the notifications connection is this plugin's, closed once the plugins registered after it have closed.
 */
export const dbPlugin = fp(
  async (app: FastifyInstance, { prisma }: ServiceOptions) => {
    const log = app.log.child({ module: 'jobs' });
    const notifications = createNotifications(poolOf(prisma), { onError: (err) => log.warn({ err: { message: err.message } }, 'database notifications interrupted') });
    app.decorate('prisma', prisma);
    app.decorate('notifications', notifications);
    app.decorate('invalidation', new CacheInvalidation(notifications));
    app.decorate('cipher', new TokenCipher(app.config.tokenEncryptionKey));
    app.addHook('onClose', async () => notifications.close());
  },
  { name: 'db', decorators: { fastify: ['config'] } },
);
