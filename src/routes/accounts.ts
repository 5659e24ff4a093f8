import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AccountError, PASSWORD_MAX, isEmailAddress, normaliseEmail } from '../accounts/accounts.js';
import { DomainError } from '../errors.js';
import { statusOf } from '../web/error-pages.js';
import type { Role } from '../generated/prisma/client.js';
import { consoleTarget } from '../web/redirect-target.js';
import { SESSION_COOKIE } from '../plugins/browser-session.js';

const credentialsBody = {
  type: 'object',
  required: ['email', 'password'],
  additionalProperties: false,
  properties: {
    // No control or bidirectional-override characters: Postgres refuses NUL, and an RTL override
    // would make an address display as a different one.
    email: { type: 'string', maxLength: 254, pattern: '^[^\\u0000-\\u001f\\u007f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$' },
    password: { type: 'string', maxLength: PASSWORD_MAX },
    _csrf: { type: 'string', maxLength: 200 },
    // Any value: a bad one is sent home (consoleTarget), never a dead-end error page.
    next: {},
    invite: { type: 'string', maxLength: 100 },
  },
} as const;

interface CredentialsBody {
  email: string;
  password: string;
  next?: unknown;
  /** The invitation token, when the person came through an invitation link. */
  invite?: string;
}

export async function accountRoutes(app: FastifyInstance) {
  const { accounts, enrolment, audit } = app.services;
  const safeNext = (next: unknown) => consoleTarget(next, app.config.publicUrl);
  const signInLimit = { max: app.config.rateLimit.signInPerMinute, timeWindow: '1 minute' };

  app.get('/sign-up', showSignUp);
  app.post<{ Body: CredentialsBody }>('/sign-up', { schema: { body: credentialsBody }, preHandler: app.csrfProtection, config: { formView: 'sign-up', rateLimit: signInLimit } }, signUp);
  app.get<{ Querystring: { next?: unknown } }>('/sign-in', showSignIn);
  app.post<{ Body: CredentialsBody }>('/sign-in', { schema: { body: credentialsBody }, preHandler: app.csrfProtection, config: { formView: 'sign-in', rateLimit: signInLimit } }, signIn);
  app.post('/sign-out', { preHandler: app.csrfProtection }, signOut);

  async function showSignUp(request: FastifyRequest, reply: FastifyReply) {
    if (request.user) return reply.redirect('/');
    return reply.page('sign-up', { title: 'Create your account', offer: await enrolment.offer(), values: {} });
  }

  async function signUp(request: FastifyRequest<{ Body: CredentialsBody }>, reply: FastifyReply) {
    const { email, password, invite } = request.body;
    try {
      const user = await enrolment.signUp({ email, password, invite: invite || null, ip: request.ip });
      await startSession(request, user);
      return reply.redirect('/');
    } catch (err) {
      const refusal = signUpRefusal(err);
      if (!refusal) throw err;
      const offer = invite ? 'invitation' : await enrolment.offer();
      return reply.page('sign-up', { title: 'Create your account', offer, invite: invite || null, error: refusal.message, field: refusal.field, values: { email } }, refusal.status);
    }
  }

  async function showSignIn(request: FastifyRequest<{ Querystring: { next?: unknown } }>, reply: FastifyReply) {
    if (request.user) return reply.redirect(safeNext(request.query.next));
    return reply.page('sign-in', { title: 'Sign in', values: { next: safeNext(request.query.next) } });
  }

  async function signIn(request: FastifyRequest<{ Body: CredentialsBody }>, reply: FastifyReply) {
    try {
      const user = await accounts.signIn(request.body.email, request.body.password);
      await startSession(request, user);
      await audit.record({ kind: 'sign-in', actor: user, ip: request.ip });
      return reply.redirect(safeNext(request.body.next));
    } catch (err) {
      if (!(err instanceof AccountError)) throw err;
      // The address, never the password; and not whatever was typed when it is no address (a password
      // typed into the wrong field is the usual case).
      const typed = normaliseEmail(request.body.email);
      await audit.record({ kind: 'sign-in-failed', subject: { email: isEmailAddress(typed) ? typed : null }, ip: request.ip, detail: { reason: err.statusCode === 403 ? 'disabled' : 'no match' } });
      return reply.page('sign-in', { title: 'Sign in', error: err.message, values: { email: request.body.email, next: safeNext(request.body.next) } }, err.statusCode);
    }
  }

  async function signOut(request: FastifyRequest, reply: FastifyReply) {
    if (request.user) await audit.record({ kind: 'sign-out', actor: request.user, ip: request.ip });
    await request.session.destroy();
    // The row is gone; the browser forgets the id too.
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/sign-in');
  }
}

/** A refused sign-up stays on the form with what was typed; an unusable invitation gets its own page. */
function signUpRefusal(err: unknown): { message: string; field: string | null; status: number } | null {
  if (err instanceof AccountError) return { message: err.message, field: err.field, status: err.statusCode };
  if (err instanceof DomainError && err.kind !== 'gone') return { message: err.message, field: err.field, status: statusOf(err) };
  return null;
}

/** A fresh session id at sign-in, so an id planted before sign-in is worthless afterwards. */
async function startSession(request: FastifyRequest, user: { id: string; email: string; role: Role }) {
  await request.session.regenerate();
  request.session.userId = user.id;
  request.session.userEmail = user.email;
  request.session.userRole = user.role;
  request.user = null;
}
