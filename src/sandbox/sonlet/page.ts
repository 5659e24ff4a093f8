/** Pages of the Sonlet sandbox: the shared page frame with Sonlet's banner. */
import type { FastifyReply } from 'fastify';
import { type PageOptions, sendPage } from '../html.js';

export function sonletPage(reply: FastifyReply, status: number, opts: Omit<PageOptions, 'brand' | 'standsInFor'>): FastifyReply {
  return sendPage(reply, status, { brand: 'Sonlet sandbox', standsInFor: 'sonlet.com', ...opts });
}
