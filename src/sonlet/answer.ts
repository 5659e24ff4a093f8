import type { Dispatcher } from 'undici';

/**
 * What the console needs from any HTTP answer of Sonlet's, whichever client fetched it: the hot GET path
 * uses undici's request (several times cheaper than fetch per call), uploads use node:http streams.
 */
export interface SonletAnswer {
  status: number;
  ok: boolean;
  json(): Promise<unknown>;
  /** Drops an answer that will not be read, so its connection can be reused. */
  discard(): Promise<void>;
}

export function fromFetch(res: Response): SonletAnswer {
  return {
    status: res.status,
    ok: res.ok,
    json: () => res.json(),
    discard: async () => {
      await res.body?.cancel();
    },
  };
}

export function fromUndici(res: Dispatcher.ResponseData): SonletAnswer {
  return {
    status: res.statusCode,
    ok: res.statusCode >= 200 && res.statusCode < 300,
    json: () => res.body.json(),
    discard: async () => {
      await res.body.dump();
    },
  };
}
