/**
 * Types from schemas: a route's TypeBox schema gives its handler the types of its query, params and
 * body, and a signed-in route's handler gets a request whose `user` is there (checked once, here).
 *
 *   const ListItems = { querystring: Type.Object({ page: Type.Integer({ default: 1 }) }) };
 *   app.get('/items', { schema: ListItems, preHandler: app.requireUser }, signedIn(listItems));
 *   async function listItems(request: SellerRequest<typeof ListItems>, reply: FastifyReply) { … }
 */
import type { FastifyReply, FastifyRequest, FastifySchema, RawRequestDefaultExpression, RawServerDefault, RouteGenericInterface } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DomainError } from '../errors.js';
import type { SessionUser } from '../plugins/browser-session.js';

/** A request typed by its route's schema. */
export type Req<S extends FastifySchema = FastifySchema> = FastifyRequest<RouteGenericInterface, RawServerDefault, RawRequestDefaultExpression, S, TypeBoxTypeProvider>;

/** A request typed by its route's schema, from a signed-in seller. */
export type SellerRequest<S extends FastifySchema = FastifySchema> = Req<S> & { user: SessionUser };

/** The handler of a route behind `requireUser`, given the seller it checked. */
export function signedIn<S extends FastifySchema, T>(handler: (request: SellerRequest<S>, reply: FastifyReply) => Promise<T>): (request: Req<S>, reply: FastifyReply) => Promise<T> {
  return async function (request, reply) {
    // requireUser answered already when nobody is signed in; this is the typed proof of it.
    sellerOf(request);
    return handler(request as SellerRequest<S>, reply);
  };
}

/** The signed-in seller of a request that must have one (a form page shown again after a refusal). */
export function sellerOf(request: FastifyRequest): SessionUser {
  if (!request.user) throw new DomainError('signed-out', 'Your session has ended. Sign in again to continue.');
  return request.user;
}
