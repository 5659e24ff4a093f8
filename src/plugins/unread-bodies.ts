import fp from 'fastify-plugin';
import { syncHook, syncOnSend } from '../web/sync-hooks.js';

/**
 * An answer sent before the request body was read (an upload refused after its first bytes) leaves
 * the rest of that body in the connection. Left there, the keep-alive connection is stuck: the
 * browser sends its next request on it (the next photo) and the server never reads that far, so
 * the request hangs for good. After such an answer the rest of the body is read and thrown away,
 * up to `maxBytes`; past that the connection is closed instead.
 */
export const unreadBodiesPlugin = fp(
  async (app, opts: { maxBytes: number }) => {
    app.addHook(
      'onSend',
      syncOnSend((request, reply) => {
        // A client still sending a large body will not send it all for nothing: say this connection ends.
        if (!request.raw.complete && remainingBytes(request.raw.headers, request.raw.socket.bytesRead) > opts.maxBytes) reply.header('connection', 'close');
      }),
    );
    app.addHook('onResponse', syncHook((request) => {
      const raw = request.raw;
      if (raw.complete || raw.destroyed) return;
      let drained = 0;
      raw.unpipe();
      raw.on('data', (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > opts.maxBytes) raw.socket.destroy();
      });
      raw.on('error', () => undefined);
      raw.resume();
    }));
  },
  { name: 'unread-bodies' },
);

/** What the request said it would still send (Infinity when it did not say). */
function remainingBytes(headers: Record<string, string | string[] | undefined>, read: number): number {
  const declared = Number(headers['content-length']);
  return Number.isFinite(declared) ? Math.max(0, declared - read) : Infinity;
}
