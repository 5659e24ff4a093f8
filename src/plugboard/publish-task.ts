/**
 * The "publish" task: one export brought in line with the seller's wish (src/plugboard/shop-exports.ts
 * sends it: the item fetched from Sonlet, its picture, the upsert). Leases, retries and backoff are the
 * engine's.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import { defineTask, type TaskDefinition } from '../jobs/engine.js';
import { outcomeUnknown, permanent, transient, type Failure } from '../jobs/failure.js';
import { isTransientPlugboardError, PlugboardError, sellerErrorOf } from './errors.js';
import { PlugboardFormatError } from './format.js';
import type { ShopExports } from './shop-exports.js';

export { ConnectionChangedError } from './shop-exports.js';

export const PUBLISH_TASK = 'publish';
export const PUBLISH_CONCURRENCY = 4;

export interface PublishTaskData {
  exportId: string;
}

export interface PublishTaskDeps {
  prisma: PrismaClient;
  shopExports: ShopExports;
}

export function publishTask(deps: PublishTaskDeps): TaskDefinition<PublishTaskData> {
  return defineTask<PublishTaskData>({
    name: PUBLISH_TASK,
    concurrency: PUBLISH_CONCURRENCY,
    maxAttempts: 4,
    backoff: { firstDelayMs: 2000 },
    classify: classifyPublishFailure,
    async run(task) {
      const row = await deps.prisma.plugboardExport.findUnique({ where: { id: task.data.exportId } });
      if (!row) return;
      await deps.shopExports.send(row);
    },
  });
}

export function classifyPublishFailure(err: unknown): Failure | null {
  if (err instanceof PlugboardError) {
    const { message } = sellerErrorOf(err);
    if (err.outcomeUnknown) return outcomeUnknown(message);
    return isTransientPlugboardError(err) ? transient(message) : permanent(message);
  }
  // A Sonlet item the product mapping cannot express (it is a TypeError, but not a bug of ours).
  if (err instanceof PlugboardFormatError) return permanent(`This item cannot be sent to Plugboard: ${err.message}.`);
  return null;
}
