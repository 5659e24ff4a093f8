import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../errors.js';
import { MAX_ITEMS_PER_PUBLISH } from '../plugboard/publish.js';

const uuid = { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' } as const;
const itemPks = { type: 'array', maxItems: MAX_ITEMS_PER_PUBLISH, items: { type: 'integer', minimum: 1, maximum: 2147483647 } } as const;
const csrfField = { type: 'string', maxLength: 200 } as const;

interface UnpublishBody {
  pk?: number[];
  /** "yes" once the seller confirmed on the confirmation page. */
  confirm?: 'yes';
}

/** Taking items out of the web shop (with a confirmation step), and retrying a batch's failures in one step. */
export async function shopRoutes(app: FastifyInstance) {
  const { services } = app;
  const csrfAndUser = [app.requireUser, app.csrfProtection];

  app.post<{ Body: UnpublishBody }>(
    '/unpublish',
    {
      preHandler: csrfAndUser,
      attachValidation: true,
      schema: { body: { type: 'object', properties: { pk: itemPks, confirm: { type: 'string', enum: ['yes'] }, _csrf: csrfField } } },
    },
    unpublish,
  );
  app.post<{ Params: { batchId: string } }>(
    '/publish/:batchId/retry-failed',
    { preHandler: csrfAndUser, schema: { params: { type: 'object', required: ['batchId'], properties: { batchId: uuid } }, body: { type: 'object', properties: { _csrf: csrfField } } } },
    retryFailed,
  );

  /** The first post shows what would leave the shop; the confirmed one queues it. */
  async function unpublish(request: FastifyRequest<{ Body: UnpublishBody }>, reply: FastifyReply) {
    if (request.validationError) throw new InvalidInputError(`Take at most ${MAX_ITEMS_PER_PUBLISH} items out of the shop at a time, chosen from your items pages.`);
    const pks = [...new Set(request.body?.pk ?? [])];
    if (pks.length === 0) throw new InvalidInputError('Select at least one item to take out of the web shop.');
    const userId = request.user!.id;
    if (request.body.confirm !== 'yes') {
      const { exports } = await services.publisher.statusOf(userId, pks);
      const items = pks.map((pk) => ({ pk, title: exports[pk]?.title ?? null, thumbnailUrl: exports[pk]?.thumbnailUrl ?? null, published: Boolean(exports[pk]?.localId) }));
      return reply.page('unpublish-confirm', { title: 'Take out of the web shop', items });
    }
    const batchId = await services.publisher.unpublish(userId, pks);
    return reply.code(303).redirect(`/publish/${batchId}`);
  }

  async function retryFailed(request: FastifyRequest<{ Params: { batchId: string } }>, reply: FastifyReply) {
    const batchId = await services.publisher.retryFailed(request.user!.id, request.params.batchId.toLowerCase());
    return reply.code(303).redirect(`/publish/${batchId}`);
  }
}
