/** Errors raised by the Plugboard client. */

export type PlugboardErrorKind =
  /** Plugboard answered with an HTTP error status. */
  | 'http'
  /** We could not reach Plugboard (DNS, refused, TLS, reset). The request may or may not have been processed. */
  | 'network'
  /** No answer within the timeout. The request may or may not have been processed. */
  | 'timeout'
  /** Plugboard answered with something we cannot understand. */
  | 'protocol'
  /** Our own configuration is unusable (plain-HTTP URL, bad User-Agent, ...); nothing was sent. */
  | 'config';

/**
 * `message` is Plugboard's own `message` for HTTP errors (safe to show to the seller) or a
 * description of what went wrong on our side. It never contains credentials.
 */
export class PlugboardError extends Error {
  override name = 'PlugboardError';
  /** HTTP status; 0 when there was no HTTP answer (network, timeout, config). */
  readonly status: number;
  /** Plugboard's error `code` from the body, or null. */
  readonly code: number | null;
  /** Plugboard's error `time` from the body, or null. */
  readonly time: string | null;
  readonly kind: PlugboardErrorKind;

  constructor(
    message: string,
    init: { status?: number; code?: number | null; time?: string | null; kind?: PlugboardErrorKind; cause?: unknown } = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status ?? 0;
    this.code = init.code ?? null;
    this.time = init.time ?? null;
    this.kind = init.kind ?? (this.status > 0 ? 'http' : 'network');
  }

  /** True when the request might have been processed although we got no answer. */
  get outcomeUnknown(): boolean {
    return this.kind === 'network' || this.kind === 'timeout';
  }
}

/** Which connection setting a configuration problem is about. */
export type PlugboardSetting = 'baseUrl' | 'tenant' | 'connectionId' | 'username' | 'password';

/** Configuration problems detected before anything is sent; `setting` names the culprit when there is one. */
export class PlugboardConfigError extends PlugboardError {
  override name = 'PlugboardConfigError';
  constructor(
    message: string,
    readonly setting: PlugboardSetting | null = null,
  ) {
    super(message, { status: 0, kind: 'config' });
  }
}
