import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PASSWORD_MAX } from '../accounts/accounts.js';
import { ONE_TIME_TOKEN_PATTERN } from '../accounts/one-time-token.js';
import { ResetLinkUnusableError } from '../accounts/password-resets.js';
import { InvitationUnusableError } from '../accounts/invitations.js';
import type { Req } from '../web/typed-routes.js';
import { perAddress } from '../web/attempt-limits.js';

const TokenParams = { params: Type.Object({ token: Type.String({ maxLength: 100 }) }, { additionalProperties: false }) };
const Reset = {
  body: Type.Object(
    { token: Type.String({ maxLength: 100 }), password: Type.String({ maxLength: PASSWORD_MAX }), _csrf: Type.Optional(Type.String({ maxLength: 200 })) },
    { additionalProperties: false },
  ),
};

const looksLikeToken = (token: unknown) => typeof token === 'string' && new RegExp(ONE_TIME_TOKEN_PATTERN).test(token);

/**
 * The links people are handed: an invitation (`/join/<token>`) and a password reset
 * (`/reset-password/<token>`). The token is masked in logs; the pages post it back in the body.
 */
export async function oneTimeLinkRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const limit = perAddress(app.config.rateLimit.signInPerMinute);
  /** A refused new password shows the form again, for the same link. */
  const resetForm = {
    view: 'reset-password',
    page: async (request: Req<typeof Reset>) => {
      const token = request.body?.token;
      if (!looksLikeToken(token)) throw new ResetLinkUnusableError();
      return { title: 'Choose a new password', token, email: (await app.passwordResets.open(token)).email };
    },
  } as const;

  app.get('/join/:token', { schema: TokenParams, config: { rateLimit: limit } }, showJoin);
  app.get('/reset-password/:token', { schema: TokenParams, config: { rateLimit: limit } }, showReset);
  app.post('/reset-password', { schema: Reset, preHandler: app.csrfProtection, config: { form: resetForm, rateLimit: limit } }, reset);

  async function showJoin(request: Req<typeof TokenParams>, reply: FastifyReply) {
    if (request.user) return reply.redirect('/');
    const { token } = request.params;
    if (!looksLikeToken(token)) throw new InvitationUnusableError();
    const invitation = await app.invitations.open(token);
    return reply.page('sign-up', { title: 'Join the console', offer: 'invitation', invite: token, lockedEmail: invitation.email, values: { email: invitation.email ?? '' } });
  }

  async function showReset(request: Req<typeof TokenParams>, reply: FastifyReply) {
    const { token } = request.params;
    if (!looksLikeToken(token)) throw new ResetLinkUnusableError();
    const { email } = await app.passwordResets.open(token);
    return reply.page('reset-password', { title: 'Choose a new password', email, token, values: {} });
  }

  async function reset(request: Req<typeof Reset>, reply: FastifyReply) {
    const { token, password } = request.body;
    if (!looksLikeToken(token)) throw new ResetLinkUnusableError();
    const { email } = await app.passwordResets.use(token, password, request.ip);
    return reply.page('reset-password', { title: 'Password changed', email, done: true, values: {} });
  }
}
