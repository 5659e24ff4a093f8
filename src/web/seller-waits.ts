import type { FastifyReply } from 'fastify';

/**
 * Aborts when the seller's browser gives up on this request (the connection closes before the answer is
 * sent), so work done only for this answer, such as a walk of Sonlet's pages, can stop.
 */
export function whileSellerWaits(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return gone.signal;
}
