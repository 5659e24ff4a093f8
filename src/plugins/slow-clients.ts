import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { syncHook } from '../web/sync-hooks.js';

/**
 * Server options that cut off clients who are too slow to send their headers or their request. The
 * whole-request limit is long (a 20 MB photo from a phone at 1 Mbit/s takes nearly three minutes):
 * what stops a client that trickles a body is the idle limit below.
 */
export function slowClientLimits(timeouts: Config['timeouts']) {
  return {
    requestTimeout: timeouts.requestMs,
    http: {
      headersTimeout: timeouts.headersMs,
      // Node checks those two limits on this interval; the default (30 s) would let a slow client
      // hold its socket for up to twice the limit.
      connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(timeouts.headersMs / 4))),
    },
  };
}

/**
 * A request body that stops arriving ends the request: nothing received for `bodyIdleMs` while the
 * body is still coming closes the connection (the upload's partial photo is then removed by its
 * reader, as for any cut-off upload). Any byte received starts the wait again, so a slow but steady
 * phone gets through.
 */
export const bodyIdleTimeout = fp(
  async (app, opts: { bodyIdleMs: number }) => {
    app.addHook('onRequest', syncHook((request) => {
      const raw = request.raw;
      const hasBody = Number(raw.headers['content-length'] ?? 0) > 0 || raw.headers['transfer-encoding'] !== undefined;
      const socket = raw.socket;
      // Requests injected in-process (tests, light-my-request) have no real socket to watch.
      if (!hasBody || raw.complete || typeof socket?.setTimeout !== 'function') return;
      const onIdle = () => {
        request.log.info({ bodyIdleMs: opts.bodyIdleMs }, 'request body stopped arriving; closing the connection');
        socket.destroy();
      };
      socket.setTimeout(opts.bodyIdleMs, onIdle);
      const stop = () => {
        socket.setTimeout(0);
        socket.off('timeout', onIdle);
      };
      raw.once('end', stop);
      raw.once('close', stop);
    }));
  },
  { name: 'body-idle-timeout' },
);
