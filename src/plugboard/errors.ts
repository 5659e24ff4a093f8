/** Errors raised by the Plugboard client. */
import { PlugboardFormatError } from './format.js';
import { DomainError } from '../errors.js';

export type PlugboardErrorKind =
  /** Plugboard answered with an HTTP error status. */
  | 'http'
  /**
   * We could not reach Plugboard (DNS, refused, TLS, reset, or an address the private-host rule refuses);
   * all read the same. The request may or may not have been processed.
   */
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

/** Which setting a configuration problem is about, so a form can point at it without reading the message. */
export type PlugboardSetting = 'baseUrl' | 'tenant' | 'connectionId' | 'username' | 'password' | 'userAgent' | 'timeoutMs' | 'body';

/** Configuration problems detected before anything is sent; `field` names the setting at fault. */
export class PlugboardConfigError extends PlugboardError {
  override name = 'PlugboardConfigError';
  constructor(
    message: string,
    readonly field: PlugboardSetting = 'body',
  ) {
    super(message, { status: 0, kind: 'config' });
  }
}

/**
 * A Plugboard failure as the seller's error: what kind of trouble it is and a message to show. Transport
 * trouble is "provider unavailable" (worth trying again); Plugboard's own refusals keep its message.
 */
export function sellerErrorOf(err: PlugboardError): DomainError {
  const opts = { provider: 'Plugboard' as const, cause: err };
  switch (err.kind) {
    case 'timeout':
      return new DomainError('provider-timeout', `${err.message}. Your data is safe; try again in a moment.`, opts);
    case 'network':
    case 'protocol':
      return new DomainError('provider-unavailable', `${err.message}. Your data is safe; try again in a moment.`, opts);
    case 'config':
      return new DomainError('invalid-input', `${err.message}.`, opts);
    case 'http':
      if (err.status >= 500 || err.status === 408 || err.status === 429) {
        return new DomainError('provider-unavailable', `Plugboard answered: ${err.message}. Your data is safe; try again in a moment.`, opts);
      }
      return new DomainError('provider-refused', `Plugboard answered: ${err.message}`, opts);
  }
}

/** True when sending the same thing again later may work (Plugboard away, slow or busy). */
export function isTransientPlugboardError(err: PlugboardError): boolean {
  return err.outcomeUnknown || err.status >= 500 || err.status === 408 || err.status === 429;
}

/** Statuses by which Plugboard refuses what was sent (rather than who sent it, or when). */
const CONTENT_REFUSALS: ReadonlySet<number> = new Set([400, 409, 413, 415, 422]);

/**
 * The seller's words for a send that fails the same way however often it is repeated: Plugboard refused
 * the content, or the item cannot be put in Plugboard's format. Null for anything worth another try
 * (or fixed elsewhere, such as credentials).
 */
export function refusalOf(err: unknown): string | null {
  if (err instanceof PlugboardFormatError) return `This item cannot be sent to Plugboard: ${err.message}.`;
  if (!(err instanceof PlugboardError) || err.outcomeUnknown) return null;
  if (err.kind === 'config' || (err.kind === 'http' && CONTENT_REFUSALS.has(err.status))) return sellerErrorOf(err).message;
  return null;
}
