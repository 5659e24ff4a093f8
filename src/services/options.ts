import type { FastifyPluginAsync } from 'fastify';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Clock } from '../clock.js';

/** Background work (photo uploads, publishing) in this process. */
export interface BackgroundWorkOptions {
  /** Only tasks of this queue are worked here (default "default"; each test stack has its own). */
  queue?: string;
  /** How long stopping waits for tasks in flight before leaving them to another process. Default 12 s. */
  stopTimeoutMs?: number;
  /** The engine's time, the web shop's and the catalog's (tests move it instead of sleeping through a period). */
  clock?: Clock;
}

/** What every service plugin is registered with; each reads only what it needs (`app.config` for the rest). */
export interface ServiceOptions {
  prisma: PrismaClient;
  /** With it, this process also works on durable tasks; without it, uploads and publishing answer that they are unavailable. */
  background: BackgroundWorkOptions | null;
}

export type ServicePlugin = FastifyPluginAsync<ServiceOptions>;
