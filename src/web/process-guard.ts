/**
 * The last line of defence: an error nobody awaited must not end the process for every seller.
 * One that belongs to a request is logged with that request's id and answered with the error page;
 * the process keeps serving. Only while starting (before the console listens) does such an error
 * end the process, since a half-started console is worse than none.
 */
import type { FastifyBaseLogger } from 'fastify';
import { requestContext, type RequestContext } from '../plugins/request-context.js';
import { isSafeHeaderValue } from './headers.js';

export interface ProcessGuard {
  /** From now on, unhandled errors are logged and survived. */
  serving(): void;
  /** Removes the listeners (tests). */
  remove(): void;
}

export function guardProcess(log: FastifyBaseLogger, opts: { exit?: (code: number) => void } = {}): ProcessGuard {
  let serving = false;
  const exit = opts.exit ?? ((code: number) => process.exit(code));

  const onError = (err: unknown, origin: string) => {
    const context = requestContext.getStore();
    if (context) {
      context.request.log.error({ err, origin }, 'unhandled error in a request; answered with the error page');
      answerWithErrorPage(context);
      return;
    }
    if (!serving) {
      log.fatal({ err, origin }, 'unhandled error while starting');
      exit(1);
      return;
    }
    log.error({ err, origin }, 'unhandled error outside any request; still serving');
  };
  const onRejection = (reason: unknown) => onError(reason, 'unhandledRejection');
  const onException = (err: Error, origin: string) => onError(err, origin);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    serving: () => {
      serving = true;
    },
    remove: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/** Replies the guard already answered once: a second failure there only closes the connection. */
const answered = new WeakSet<object>();

function answerWithErrorPage({ request, reply }: RequestContext): void {
  const raw = reply.raw;
  if (raw.writableEnded) return;
  if (raw.headersSent || answered.has(reply)) {
    // Half an answer is already out: ending the connection is the only honest thing left.
    raw.destroy();
    return;
  }
  answered.add(reply);
  try {
    // A header that cannot be written may be what failed; the error page goes without it.
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (!isSafeHeaderValue(value)) reply.removeHeader(name);
    }
    reply.removeHeader('location');
    reply.page('error', {
      title: 'Something went wrong',
      message: 'The console hit an unexpected problem. Nothing you entered was saved half-way; try again.',
      statusCode: 500,
      retry: request.method === 'GET' ? request.url : null,
    }, 500);
  } catch (err) {
    request.log.error({ err }, 'could not send the error page; closing the connection');
    raw.destroy();
  }
}
