/**
 * The domain services are a list of named plugins, so a console can be built with another one in a
 * plugin's place: here a `jobs` plugin of the test's own, on a database of its own.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createPrisma } from '../src/db/client.js';
import { TaskEngine, type TaskDefinition } from '../src/jobs/engine.js';
import { servicePlugins, type ServiceOptions } from '../src/services/index.js';
import { freshDatabase } from './support/database.js';

/** A task engine that notes what the console asks of it. */
class RecordingEngine extends TaskEngine {
  readonly calls: string[] = [];

  override define<T extends object>(task: TaskDefinition<T>): void {
    this.calls.push(`define ${task.name}`);
    super.define(task);
  }

  override start(): void {
    this.calls.push('start');
    super.start();
  }

  override async stop(opts?: { timeoutMs?: number }): Promise<void> {
    this.calls.push('stop');
    await super.stop(opts);
  }
}

let database: { url: string; drop(): Promise<void> };
let app: FastifyInstance;
let engine: RecordingEngine;
const queue = `test-${randomBytes(4).toString('hex')}`;

const recordingJobs = fp(
  async (instance: FastifyInstance, { prisma }: ServiceOptions) => {
    engine = new RecordingEngine({ prisma, notifications: instance.notifications, queue });
    instance.decorate('jobs', engine);
  },
  { name: 'jobs', dependencies: ['db'] },
);

beforeAll(async () => {
  database = await freshDatabase();
  const config = loadConfig({
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'console-plugins-')),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
  });
  app = await buildApp({ config, prisma: createPrisma(database.url), services: { ...servicePlugins, jobs: recordingJobs } });
});
let closed = false;
afterAll(async () => {
  if (!closed) await app?.close();
  await database?.drop();
});

describe('a console built with its own jobs plugin', () => {
  it('gets every task defined on that engine, which the console starts, and serves its pages', async () => {
    expect(app.jobs).toBe(engine);
    expect(engine.calls.filter((c) => c.startsWith('define')).sort()).toEqual(['define audit-pruning', 'define publish', 'define shop-orders', 'define shop-sync', 'define upload']);
    expect(engine.calls.at(-1)).toBe('start');
    // The recurring audit pruning went to this engine's queue.
    expect(await app.prisma.task.findMany({ where: { queue }, select: { name: true } })).toEqual([{ name: 'audit-pruning' }]);

    const signUp = await app.inject('/sign-up');
    expect(signUp.statusCode).toBe(200);
    expect(signUp.body).toContain('name="_csrf"');
  });

  it('stops that engine when the console closes', async () => {
    await app.close();
    closed = true;
    expect(engine.calls.at(-1)).toBe('stop');
  });
});
