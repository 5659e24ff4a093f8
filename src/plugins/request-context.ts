import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface RequestContext {
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * Which request a piece of asynchronous work belongs to, so that a failure nobody awaited (an
 * unhandled rejection, an exception in a callback) can still be logged with its request id and
 * answered with an error page (see web/process-guard.ts).
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();

const RESOURCE = Symbol('request-context-resource');

declare module 'fastify' {
  interface FastifyRequest {
    [RESOURCE]?: AsyncResource;
  }
}

export const requestContextPlugin = fp(
  async (app) => {
    app.addHook('onRequest', (request, reply, done) => {
      requestContext.run({ request, reply }, () => {
        request[RESOURCE] = new AsyncResource('console-request');
        done();
      });
    });
    // Body parsing resumes in the socket's context, not the request's: step back into it before
    // validation and the handler (as @fastify/request-context does).
    app.addHook('preValidation', (request, _reply, done) => {
      const resource = request[RESOURCE];
      if (resource) resource.runInAsyncScope(done, request.raw);
      else done();
    });
  },
  { name: 'request-context' },
);
