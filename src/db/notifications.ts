/**
 * Postgres LISTEN/NOTIFY between console processes: "a task was queued" (wakes idle workers at once
 * instead of at their next poll) and "this seller's cached data changed" (every process drops its
 * in-memory copy). One dedicated connection per process listens; sending goes through the pool.
 *
 * A notification is a hint, never the only carrier of a fact: while the listening connection is
 * down (Postgres restarting) notifications are lost, so on every (re)connect the reconnect handlers
 * run, and listeners treat that as "anything may have changed" (drop every cached copy, look for work).
 */
import pg from 'pg';

type Handler = (payload: string) => void;

export interface Notifications {
  /** Calls `handler` with each payload sent on `channel` by any process (this one included). */
  on(channel: string, handler: Handler): () => void;
  /** Called after the listening connection was (re)established; notifications may have been missed. */
  onReconnect(handler: () => void): () => void;
  notify(channel: string, payload: string): Promise<void>;
  /** True while `channel` is being listened to: no notification on it can be missed right now. */
  listening(channel: string): boolean;
  /** Resolves once the first LISTEN is in place (tests wait for it before counting on delivery). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface NotificationsOptions {
  onError?: (err: Error) => void;
  /** How the listening connection shows in pg_stat_activity. */
  applicationName?: string;
  /** First delay before reconnecting; doubles up to 30 s. */
  reconnectDelayMs?: number;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
const MAX_RECONNECT_DELAY_MS = 30_000;
const HEARTBEAT_MS = 30_000;

export function createNotifications(pool: pg.Pool, opts: NotificationsOptions = {}): Notifications {
  const handlers = new Map<string, Set<Handler>>();
  const reconnectHandlers = new Set<() => void>();
  const onError = opts.onError ?? (() => undefined);
  let client: pg.Client | null = null;
  /** Channels whose LISTEN is in place on `client`. */
  let listened = new Set<string>();
  let connecting: Promise<void> | null = null;
  let closed = false;
  let delay = opts.reconnectDelayMs ?? 1000;
  let retryTimer: NodeJS.Timeout | null = null;
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));

  function connect(): Promise<void> {
    connecting ??= (async () => {
      // TCP keepalive and a periodic query: a connection a NAT or firewall dropped without a word would
      // otherwise look alive for ever, and every notification since would be lost unnoticed.
      const next = new pg.Client({
        ...pool.options,
        application_name: opts.applicationName ?? 'seller-console-notifications',
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        query_timeout: HEARTBEAT_MS,
      } as pg.ClientConfig);
      next.on('notification', (msg) => {
        for (const handler of handlers.get(msg.channel) ?? []) handler(msg.payload ?? '');
      });
      next.on('error', (err) => lost(next, err));
      next.on('end', () => lost(next, null));
      const nextListened = new Set<string>();
      try {
        await next.connect();
        for (const channel of handlers.keys()) {
          await next.query(`LISTEN ${channel}`);
          nextListened.add(channel);
        }
      } catch (err) {
        next.removeAllListeners('end');
        await next.end().catch(() => undefined);
        throw err;
      }
      if (closed) {
        await next.end().catch(() => undefined);
        return;
      }
      client = next;
      listened = nextListened;
      heartbeat(next);
      delay = opts.reconnectDelayMs ?? 1000;
      resolveReady();
      for (const handler of reconnectHandlers) handler();
    })()
      .catch((err: Error) => {
        onError(err);
        scheduleReconnect();
      })
      .finally(() => {
        connecting = null;
      });
    return connecting;
  }

  function heartbeat(which: pg.Client) {
    const timer = setInterval(() => {
      if (client !== which) return clearInterval(timer);
      // A check that fails or times out ends the connection; 'end' then reconnects (and clears the copies).
      which.query('SELECT 1').catch((err: Error) => {
        lost(which, err);
        void which.end().catch(() => undefined);
      });
    }, HEARTBEAT_MS);
    timer.unref();
  }

  function lost(which: pg.Client, err: Error | null) {
    if (client !== which) return;
    client = null;
    listened = new Set();
    if (err) onError(err);
    if (!closed) scheduleReconnect();
  }

  function scheduleReconnect() {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, delay);
    retryTimer.unref();
    delay = Math.min(delay * 2, MAX_RECONNECT_DELAY_MS);
  }

  return {
    on(channel, handler) {
      if (!CHANNEL.test(channel)) throw new Error(`invalid channel name ${channel}`);
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        const listen = () => {
          const on = client;
          on?.query(`LISTEN ${channel}`).then(
            () => {
              if (on !== client) return;
              listened.add(channel);
              // Changes made before this LISTEN went unheard: whoever keeps copies starts afresh, as after a reconnect.
              for (const handler of reconnectHandlers) handler();
            },
            (err: Error) => onError(err),
          );
        };
        if (client) void listen();
        // A connection on its way may have sent its LISTENs already: listen once it is there.
        else if (connecting) void connecting.then(listen);
        else if (!closed) void connect();
      }
      set.add(handler);
      return () => set.delete(handler);
    },
    onReconnect(handler) {
      reconnectHandlers.add(handler);
      return () => reconnectHandlers.delete(handler);
    },
    async notify(channel, payload) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    listening(channel) {
      return client !== null && listened.has(channel);
    },
    ready() {
      if (!client && !connecting && !closed) void connect();
      return readyPromise;
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      await connecting;
      const last = client;
      client = null;
      listened = new Set();
      if (last) {
        last.removeAllListeners('end');
        await last.end().catch(() => undefined);
      }
    },
  };
}
