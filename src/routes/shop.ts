import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { InvalidInputError } from '../errors.js';
import { MAX_ITEMS_PER_PUBLISH } from '../plugboard/publish.js';
import { signedIn, type SellerRequest } from '../web/typed-routes.js';
import { NOTHING_SELECTED, backWithNothingSelected } from '../web/nothing-selected.js';

const uuid = () => Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const csrfField = () => Type.Optional(Type.String({ maxLength: 200 }));

const Unpublish = {
  body: Type.Object({
    pk: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 2147483647 }), { maxItems: MAX_ITEMS_PER_PUBLISH })),
    /** "yes" once the seller confirmed on the confirmation page. */
    confirm: Type.Optional(Type.Literal('yes')),
    /** The grid page of the bulk form, to go back to when nothing is ticked. */
    back: Type.Optional(Type.String({ maxLength: 2000 })),
    _csrf: csrfField(),
  }),
};
const RetryFailed = { params: Type.Object({ batchId: uuid() }), body: Type.Object({ _csrf: csrfField() }) };

/** Taking items out of the web shop (with a confirmation step), and retrying a batch's failures in one step. */
export async function shopRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { config } = app;
  const csrfAndUser = [app.requireUser, app.csrfProtection];

  app.post('/unpublish', { preHandler: csrfAndUser, attachValidation: true, schema: Unpublish }, signedIn(unpublish));
  app.post('/publish/:batchId/retry-failed', { preHandler: csrfAndUser, schema: RetryFailed }, signedIn(retryFailed));

  /** The first post shows what would leave the shop; the confirmed one queues it. */
  async function unpublish(request: SellerRequest<typeof Unpublish>, reply: FastifyReply) {
    if (request.validationError) throw new InvalidInputError(`Take at most ${MAX_ITEMS_PER_PUBLISH} items out of the shop at a time, chosen from your items pages.`);
    const pks = [...new Set(request.body?.pk ?? [])];
    // Said next to the grid's button, as "Publish selected" does.
    if (pks.length === 0) return reply.code(303).redirect(backWithNothingSelected(request.body?.back, config.publicUrl, NOTHING_SELECTED.unpublish));
    const userId = request.user.id;
    if (request.body.confirm !== 'yes') {
      const { exports } = await app.publisher.statusOf(userId, pks);
      const items = pks.map((pk) => ({ pk, title: exports[pk]?.title ?? null, thumbnailUrl: exports[pk]?.thumbnailUrl ?? null, published: Boolean(exports[pk]?.localId) }));
      return reply.page('unpublish-confirm', { title: 'Take out of the web shop', items });
    }
    const batchId = await app.publisher.unpublish(userId, pks);
    return reply.code(303).redirect(`/publish/${batchId}`);
  }

  async function retryFailed(request: SellerRequest<typeof RetryFailed>, reply: FastifyReply) {
    const batchId = await app.publisher.retryFailed(request.user.id, request.params.batchId.toLowerCase());
    return reply.code(303).redirect(`/publish/${batchId}`);
  }
}
