import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import oauth2, { type OAuth2Namespace } from '@fastify/oauth2';
import { tokenSetFrom } from '../sonlet/oauth.js';
import { signedIn, type SellerRequest } from '../web/typed-routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    sonletOAuth2: OAuth2Namespace;
  }
}

/** The state did not come back, or not the one this session started with. */
class StateMismatchError extends Error {}

const Callback = {
  querystring: Type.Object({
    code: Type.Optional(Type.String({ maxLength: 1000 })),
    state: Type.Optional(Type.String({ maxLength: 1000 })),
    error: Type.Optional(Type.String({ maxLength: 200 })),
    error_description: Type.Optional(Type.String({ maxLength: 1000 })),
  }),
};

const Disconnect = { body: Type.Object({ confirm: Type.Optional(Type.Literal('yes')), _csrf: Type.Optional(Type.String({ maxLength: 200 })) }) };

export async function connectRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { config } = app;
  const sonlet = new URL(config.sonlet.baseUrl);
  const basePath = sonlet.pathname.replace(/\/$/, '');

  await app.register(oauth2, {
    name: 'sonletOAuth2',
    credentials: {
      client: { id: config.sonlet.clientId, secret: config.sonlet.clientSecret },
      auth: {
        authorizeHost: sonlet.origin,
        authorizePath: `${basePath}/o/authorize/`,
        tokenHost: sonlet.origin,
        tokenPath: `${basePath}/o/token/`,
      },
      // Sonlet's docs send the client credentials in the form body, not as HTTP Basic.
      options: { authorizationMethod: 'body' },
    },
    callbackUri: config.sonlet.redirectUri,
    pkce: 'S256',
    // The default cookie path would be the start route's; /cb must see it too.
    cookie: { path: '/', secure: config.secureCookies, sameSite: 'lax', httpOnly: true },
    // State is bound to the console session (not only a cookie) and consumed at the callback.
    generateStateFunction: (request: FastifyRequest) => {
      const state = randomBytes(24).toString('base64url');
      request.session.oauthState = state;
      return state;
    },
    checkStateFunction: async (request: FastifyRequest) => {
      const matches = stateMatches(request);
      request.session.oauthState = undefined;
      if (matches) return true;
      throw new StateMismatchError('state mismatch');
    },
  });

  app.get('/connect/sonlet', { preHandler: app.requireUser }, signedIn(startConnect));
  // A protocol answer, not a page a seller browses: odd values are refused, not ignored.
  app.get('/cb', { preHandler: app.requireUser, config: { strictQuery: true }, schema: Callback }, signedIn(callback));
  // A second step first (a page that says what happens); only its button, confirm=yes, disconnects.
  app.get('/connect/sonlet/disconnect', { preHandler: app.requireUser }, signedIn(confirmDisconnect));
  app.post('/connect/sonlet/disconnect', { preHandler: [app.requireUser, app.csrfProtection], schema: Disconnect }, signedIn(disconnect));

  async function startConnect(request: SellerRequest, reply: FastifyReply) {
    const url = new URL(await app.sonletOAuth2.generateAuthorizationUri(request, reply));
    // simple-oauth2 writes `scope=undefined` when no scope is configured; Sonlet's docs send none.
    if (url.searchParams.get('scope') === 'undefined') url.searchParams.delete('scope');
    return reply.redirect(url.toString());
  }

  async function callback(request: SellerRequest<typeof Callback>, reply: FastifyReply) {
    const { error, code, state } = request.query;
    if (error) {
      // Only the answer to the connection the seller started ends it: a link elsewhere cannot cancel it.
      if (stateMatches(request)) request.session.oauthState = undefined;
      const cancelled = error === 'access_denied';
      // Only OAuth's own codes are named: anything else is a stranger's text, not Sonlet's.
      const named = OAUTH_ERRORS.has(error) ? `Sonlet answered “${error}”` : 'Sonlet answered with an error';
      return reply.page(
        'connect-result',
        {
          title: cancelled ? 'Connection cancelled' : 'Sonlet did not connect',
          message: cancelled
            ? 'You cancelled at Sonlet, so nothing was connected. You can connect whenever you are ready.'
            : `${named}, so nothing was connected. Try again, and if it keeps happening, check the console’s Sonlet client settings.`,
        },
        cancelled ? 200 : 400,
      );
    }
    if (!code || !state) {
      return reply.page('connect-result', { title: 'Connection not completed', message: 'The answer from Sonlet was incomplete (no code or state). Start the connection again.' }, 400);
    }
    // Checked before the plugin, which clears the PKCE verifier at any callback: an answer to an older
    // Connect (another tab) must not spoil the connection the seller started last.
    if (!stateMatches(request)) return stateMismatchPage(reply);
    let token;
    try {
      token = await app.sonletOAuth2.getAccessTokenFromAuthorizationCodeFlow(request, reply);
    } catch (err) {
      if (err instanceof StateMismatchError || (err as Error).message === 'Invalid state') return stateMismatchPage(reply);
      const status = (err as { output?: { statusCode?: number } }).output?.statusCode ?? (err as { statusCode?: number }).statusCode;
      request.log.warn({ status }, 'Sonlet refused the authorization code');
      if (status && status >= 400 && status < 500) {
        return reply.page('connect-result', { title: 'Connection not completed', message: 'Sonlet did not accept this authorization (it may have been used already or expired). Start the connection again.' }, 400);
      }
      return reply.page('connect-result', { title: 'Sonlet is not answering', message: 'Sonlet could not be reached to finish connecting. Nothing was stored; try again in a moment.', retry: '/connect/sonlet' }, 502);
    }
    await app.vault.saveGrant(request.user.id, tokenSetFrom(token.token));
    await app.catalog.forget(request.user.id);
    await app.audit.record({ kind: 'sonlet-connected', actor: request.user, ip: request.ip });
    return reply.redirect('/items');
  }

  async function confirmDisconnect(_request: SellerRequest, reply: FastifyReply) {
    return reply.page('confirm', {
      title: 'Disconnect Sonlet?',
      consequences: [
        'The console forgets its access to your Sonlet account, and Sonlet is told to stop accepting it.',
        'Your items, images and pages here stay empty until you connect again.',
        'Photos still waiting to become items are kept, and are sent once you connect again.',
        'Nothing changes in Sonlet itself or in your web shop.',
      ],
      action: '/connect/sonlet/disconnect',
      fields: [],
      confirmLabel: 'Disconnect Sonlet',
      cancelHref: '/',
    });
  }

  async function disconnect(request: SellerRequest<typeof Disconnect>, reply: FastifyReply) {
    if (request.body?.confirm !== 'yes') return confirmDisconnect(request, reply);
    await app.vault.disconnect(request.user.id, request.log);
    await app.catalog.forget(request.user.id);
    await app.audit.record({ kind: 'sonlet-disconnected', actor: request.user, ip: request.ip });
    return reply.redirect('/');
  }
}

/** Whether the callback's state is the one this session's latest Connect started. */
/** The error codes of an authorization answer (RFC 6749 §4.1.2.1). */
const OAUTH_ERRORS = new Set(['invalid_request', 'unauthorized_client', 'access_denied', 'unsupported_response_type', 'invalid_scope', 'server_error', 'temporarily_unavailable']);

function stateMatches(request: FastifyRequest): boolean {
  const expected = request.session.oauthState;
  const got = (request.query as { state?: unknown }).state;
  return !!expected && typeof got === 'string' && expected.length === got.length && timingSafeEqual(Buffer.from(expected), Buffer.from(got));
}

function stateMismatchPage(reply: FastifyReply) {
  return reply.page('connect-result', { title: 'Connection not completed', message: 'This answer from Sonlet does not belong to the connection you started (the state did not match), so it was ignored. Finish the connection in the tab where you pressed Connect Sonlet last, or start it again.' }, 400);
}
