import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { TaskEngine } from '../jobs/engine.js';
import type { ServiceOptions } from './options.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The durable-task engine, or null when this process does no background work. */
    jobs: TaskEngine | null;
  }
}

/** The engine only: the services define their tasks on it, and the background plugin starts it. */
export const jobsPlugin = fp(
  async (app: FastifyInstance, { prisma, background }: ServiceOptions) => {
    const engine = background
      ? new TaskEngine({ prisma, notifications: app.notifications, queue: background.queue, leaseMs: app.config.taskLeaseSeconds * 1000, clock: app.clock })
      : null;
    app.decorate('jobs', engine);
  },
  { name: 'jobs', dependencies: ['clock', 'db'] },
);
