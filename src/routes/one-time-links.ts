import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AccountError, PASSWORD_MAX } from '../accounts/accounts.js';
import { ONE_TIME_TOKEN_PATTERN } from '../accounts/one-time-token.js';
import { ResetLinkUnusableError } from '../accounts/password-resets.js';
import { InvitationUnusableError } from '../accounts/invitations.js';

const tokenParams = { type: 'object', required: ['token'], additionalProperties: false, properties: { token: { type: 'string', maxLength: 100 } } } as const;
const resetBody = {
  type: 'object',
  required: ['token', 'password'],
  additionalProperties: false,
  properties: { token: { type: 'string', maxLength: 100 }, password: { type: 'string', maxLength: PASSWORD_MAX }, _csrf: { type: 'string', maxLength: 200 } },
} as const;

const looksLikeToken = (token: string) => new RegExp(ONE_TIME_TOKEN_PATTERN).test(token);

/**
 * The links people are handed: an invitation (`/join/<token>`) and a password reset
 * (`/reset-password/<token>`). The token is masked in logs; the pages post it back in the body.
 */
export async function oneTimeLinkRoutes(app: FastifyInstance) {
  const { services } = app;
  const limit = { rateLimit: { max: app.config.rateLimit.signInPerMinute, timeWindow: '1 minute' } };

  app.get<{ Params: { token: string } }>('/join/:token', { schema: { params: tokenParams }, config: limit }, showJoin);
  app.get<{ Params: { token: string } }>('/reset-password/:token', { schema: { params: tokenParams }, config: limit }, showReset);
  app.post<{ Body: { token: string; password: string } }>('/reset-password', { schema: { body: resetBody }, preHandler: app.csrfProtection, config: limit }, reset);

  async function showJoin(request: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply) {
    if (request.user) return reply.redirect('/');
    if (!looksLikeToken(request.params.token)) throw new InvitationUnusableError();
    const invitation = await services.invitations.open(request.params.token);
    return reply.page('sign-up', { title: 'Join the console', offer: 'invitation', invite: request.params.token, lockedEmail: invitation.email, values: { email: invitation.email ?? '' } });
  }

  async function showReset(request: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply) {
    if (!looksLikeToken(request.params.token)) throw new ResetLinkUnusableError();
    const { email } = await services.passwordResets.open(request.params.token);
    return reply.page('reset-password', { title: 'Choose a new password', email, token: request.params.token });
  }

  async function reset(request: FastifyRequest<{ Body: { token: string; password: string } }>, reply: FastifyReply) {
    const { token, password } = request.body;
    if (!looksLikeToken(token)) throw new ResetLinkUnusableError();
    try {
      const { email } = await services.passwordResets.use(token, password, request.ip);
      return reply.page('reset-password', { title: 'Password changed', email, done: true });
    } catch (err) {
      if (!(err instanceof AccountError)) throw err;
      const { email } = await services.passwordResets.open(token);
      return reply.page('reset-password', { title: 'Choose a new password', email, token, error: err.message }, err.statusCode);
    }
  }
}
