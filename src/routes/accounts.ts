import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AccountError, PASSWORD_MAX, isEmailAddress, normaliseEmail } from '../accounts/accounts.js';
import type { Role } from '../generated/prisma/client.js';
import { consoleTarget } from '../web/redirect-target.js';
import { SESSION_COOKIE } from '../plugins/browser-session.js';
import type { Req } from '../web/typed-routes.js';
import { perAddress } from '../web/attempt-limits.js';
import { DomainError } from '../errors.js';

/** No control or bidirectional-override characters: Postgres refuses NUL, and an RTL override would make an address display as a different one. */
const EMAIL_CHARACTERS = '^[^\\u0000-\\u001f\\u007f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$';

const Credentials = Type.Object(
  {
    email: Type.String({ maxLength: 254, pattern: EMAIL_CHARACTERS }),
    password: Type.String({ maxLength: PASSWORD_MAX }),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
    // Any value: a bad one sends the seller home (consoleTarget), never to a dead-end error page.
    next: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
const SignUpBody = Type.Object(
  {
    email: Type.String({ maxLength: 254, pattern: EMAIL_CHARACTERS }),
    password: Type.String({ maxLength: PASSWORD_MAX }),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
    // The token of the invitation link the person came through, if any.
    invite: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
const SignUp = { body: SignUpBody };
const SignIn = { body: Credentials };
const SignInPage = { querystring: Type.Object({ next: Type.Optional(Type.Unknown()) }) };

export async function accountRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, enrolment, audit } = app;
  const safeNext = (next: unknown) => consoleTarget(next, app.config.publicUrl);
  const signInLimit = perAddress(app.config.rateLimit.signInPerMinute);
  /** Sign-ins per address being checked in this process right now (a burst reaches the count before any failure is recorded). */
  const inFlight = new Map<string, number>();
  // A refused sign-up shows the form as it was offered: through the same invitation, or as the page offers it now.
  const signUpForm = {
    view: 'sign-up',
    page: async (request: Req<typeof SignUp>) => {
      const invite = request.body?.invite || null;
      return { title: 'Create your account', invite, offer: invite ? ('invitation' as const) : await enrolment.offer() };
    },
  } as const;
  const signInForm = { view: 'sign-in', page: (request: Req<typeof SignIn>) => ({ title: 'Sign in', values: { next: safeNext(request.body?.next) } }) } as const;

  app.get('/sign-up', showSignUp);
  app.post('/sign-up', { schema: SignUp, preHandler: app.csrfProtection, config: { form: signUpForm, rateLimit: signInLimit } }, signUp);
  app.get('/sign-in', { schema: SignInPage }, showSignIn);
  app.post('/sign-in', { schema: SignIn, preHandler: app.csrfProtection, config: { form: signInForm, rateLimit: signInLimit } }, signIn);
  app.post('/sign-out', { preHandler: app.csrfProtection }, signOut);

  async function showSignUp(request: Req, reply: FastifyReply) {
    if (request.user) return reply.redirect('/');
    return reply.page('sign-up', { title: 'Create your account', offer: await enrolment.offer(), values: {} });
  }

  async function signUp(request: Req<typeof SignUp>, reply: FastifyReply) {
    const { email, password, invite } = request.body;
    const user = await enrolment.signUp({ email, password, invite: invite || null, ip: request.ip });
    await startSession(request, user);
    return reply.redirect('/');
  }

  async function showSignIn(request: Req<typeof SignInPage>, reply: FastifyReply) {
    if (request.user) return reply.redirect(safeNext(request.query.next));
    return reply.page('sign-in', { title: 'Sign in', values: { next: safeNext(request.query.next) } });
  }

  async function signIn(request: Req<typeof SignIn>, reply: FastifyReply) {
    const typed = normaliseEmail(request.body.email);
    // Taken before the first await, so a burst sent at once queues up here in the order it arrived.
    const ahead = inFlight.get(typed) ?? 0;
    inFlight.set(typed, ahead + 1);
    let user;
    try {
      await refuseIfResting(typed, ahead, request.ip);
      user = await accounts.signIn(request.body.email, request.body.password);
    } catch (err) {
      if (err instanceof AccountError) {
        // The address, never the password; and not whatever was typed when it is no address (a password
        // typed into the wrong field is the usual case).
        await audit.record({ kind: 'sign-in-failed', subject: { email: isEmailAddress(typed) ? typed : null }, ip: request.ip, detail: { reason: err.kind === 'forbidden' ? 'disabled' : 'no match' } });
      }
      throw err;
    } finally {
      const left = (inFlight.get(typed) ?? 1) - 1;
      if (left > 0) inFlight.set(typed, left);
      else inFlight.delete(typed);
    }
    await startSession(request, user);
    await audit.record({ kind: 'sign-in', actor: user, ip: request.ip });
    return reply.redirect(safeNext(request.body.next));
  }

  /**
   * The per-address limit does not stop a guesser with many addresses; this one follows the account.
   * Addresses with no account rest the same way, so the answer says nothing about which ones exist.
   * Refused attempts are not recorded as failures: the account rests for the window, not for ever. An
   * address the account signed in from in the last 30 days is not held back (its per-address limit
   * still applies), so a stranger's guesses cannot keep the seller out from where they usually work.
   */
  async function refuseIfResting(email: string, ahead: number, ip: string) {
    if (!isEmailAddress(email)) return;
    const { failedSignInsPerAccount: most, failedSignInWindowMs: windowMs } = app.config.rateLimit;
    // Attempts that arrived earlier and are still being checked count too, as if they will fail.
    const failures = (await audit.failedSignInsSince(email, new Date(Date.now() - windowMs))) + ahead;
    if (failures < most) return;
    if (await audit.signedInFrom(email, ip, new Date(Date.now() - KNOWN_ADDRESS_MS))) return;
    const minutes = Math.round(windowMs / 60_000);
    throw new DomainError(
      'too-many-requests',
      `Too many failed sign-ins for this account in the last ${minutes} minutes. Wait ${minutes} minutes and try again, or ask the console's owner for a password-reset link.`,
      // The longest wait: the window's oldest failure may be younger than the whole window.
      { field: 'password', retryAfterSeconds: Math.ceil(windowMs / 1000) },
    );
  }

  async function signOut(request: Req, reply: FastifyReply) {
    if (request.user) await audit.record({ kind: 'sign-out', actor: request.user, ip: request.ip });
    await request.session.destroy();
    // The row is gone; the browser forgets the id too.
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/sign-in');
  }
}

/** How long an address the seller signed in from stays one they are known at. */
const KNOWN_ADDRESS_MS = 30 * 24 * 3600_000;

/** A fresh session id at sign-in, so an id planted before sign-in is worthless afterwards. */
async function startSession(request: Req, user: { id: string; email: string; role: Role; passwordHash: string }) {
  await request.session.regenerate();
  request.server.sessionStore.begin(request.session.sessionId, user);
  request.session.userId = user.id;
  request.session.userEmail = user.email;
  request.session.userRole = user.role;
  request.user = null;
}
