/**
 * The "publish" task: one Sonlet item, fetched with the seller's token, sent to their Plugboard
 * connection as a product (src/plugboard/export-item.ts). Leases, retries and backoff are the engine's.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import { defineTask, type TaskDefinition } from '../jobs/engine.js';
import { outcomeUnknown, permanent, transient, type Failure } from '../jobs/failure.js';
import { DomainError } from '../errors.js';
import type { SonletApi } from '../sonlet/api-client.js';
import type { PlugboardClient } from './client.js';
import type { PlugboardConnectionStore } from './connection-store.js';
import { PlugboardError } from './errors.js';
import { exportItem } from './export-item.js';
import { PlugboardFormatError } from './format.js';

export const PUBLISH_TASK = 'publish';
export const PUBLISH_CONCURRENCY = 4;
const LANGUAGE_CACHE_MS = 5 * 60 * 1000;

export interface PublishTaskData {
  exportId: string;
}

export interface PublishTaskDeps {
  prisma: PrismaClient;
  connections: PlugboardConnectionStore;
  sonletApiFor: (userId: string) => SonletApi;
}

export class ConnectionChangedError extends DomainError {
  constructor() {
    super('gone', 'The Plugboard connection was changed after this item was queued. Publish it again to send it to the new connection.');
  }
}

export function publishTask(deps: PublishTaskDeps): TaskDefinition<PublishTaskData> {
  const languages = new DefaultLanguages();
  return defineTask<PublishTaskData>({
    name: PUBLISH_TASK,
    concurrency: PUBLISH_CONCURRENCY,
    maxAttempts: 4,
    backoff: { firstDelayMs: 2000 },
    classify: classifyPublishFailure,
    async run(task, ctx) {
      const row = await deps.prisma.plugboardExport.findUnique({ where: { id: task.data.exportId } });
      if (!row) return;
      const { client, settings } = await deps.connections.connectionFor(row.userId);
      if (settings.connectionId !== row.connectionId) throw new ConnectionChangedError();
      const language3 = settings.language ?? (await languages.of(row.userId, settings.updatedAt, client, ctx.clock.now()));
      const item = await deps.sonletApiFor(row.userId).getItem(row.sonletItemId);
      const sent = await exportItem({ client, settings, item, language3, lookFirst: task.attempt > 1 || task.lastFailure !== null });
      await ctx.whileHeld((tx) => tx.plugboardExport.update({ where: { id: row.id }, data: { localId: sent.localId, title: sent.title } }));
    },
  });
}

export function classifyPublishFailure(err: unknown): Failure | null {
  if (err instanceof PlugboardError) {
    const message = err.kind === 'http' ? `Plugboard answered: ${err.message}` : `${err.message}.`;
    if (err.outcomeUnknown) return outcomeUnknown(message);
    if (err.status >= 500 || err.status === 408 || err.status === 429) return transient(message);
    return permanent(message);
  }
  // A Sonlet item the product mapping cannot express (it is a TypeError, but not a bug of ours).
  if (err instanceof PlugboardFormatError) return permanent(`This item cannot be sent to Plugboard: ${err.message}.`);
  return null;
}

/** The connection's default language from its API root, asked at most every few minutes per settings version. */
class DefaultLanguages {
  private readonly known = new Map<string, { language: string; until: number }>();

  async of(userId: string, settingsUpdatedAt: Date, client: PlugboardClient, now: number): Promise<string> {
    const key = `${userId}:${settingsUpdatedAt.getTime()}`;
    const cached = this.known.get(key);
    if (cached && cached.until > now) return cached.language;
    const root = await client.apiRoot();
    if (this.known.size > 10_000) this.known.clear();
    this.known.set(key, { language: root.defaultLanguage, until: now + LANGUAGE_CACHE_MS });
    return root.defaultLanguage;
  }
}
