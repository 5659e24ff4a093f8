/**
 * Failures a seller can act on, as values: a kind and a message in the seller's words. They carry no
 * HTTP status, page or link; the web edge (src/web/error-pages.ts) maps each kind to those in one table.
 * Anything that is not a DomainError is an unexpected problem (a 500 with a generic page).
 */
export type ErrorKind =
  /** The seller has not connected Sonlet. */
  | 'not-connected'
  /** Sonlet refused the console's grant; only reconnecting helps. */
  | 'needs-reconnect'
  /** A provider could not be reached, answered 5xx or something unreadable. */
  | 'provider-unavailable'
  /** A provider did not answer in time. */
  | 'provider-timeout'
  /** A provider refused what was sent (4xx other than auth); sending it again will not help. */
  | 'provider-refused'
  /** The thing asked for does not exist, or is not the seller's (the two look the same). */
  | 'not-found'
  /** A page number past the end of a list. */
  | 'invalid-page'
  /** Seller input that cannot be used; `field` names the form field when there is one. */
  | 'invalid-input'
  /** Seller input larger than the console accepts. */
  | 'too-large'
  /** A file that is not a photo the console accepts. */
  | 'unsupported-media'
  /** Plugboard is not set up for this seller. */
  | 'not-set-up'
  /** Something this server cannot do right now (e.g. no background workers). */
  | 'unavailable'
  /** Something that existed is gone for good (a photo removed before it was sent). */
  | 'gone'
  /** Too many requests from one address or seller in a short time. */
  | 'too-many-requests'
  /** Seller input that clashes with what exists (an email already registered). */
  | 'already-exists'
  /** An email and password that do not match an account. */
  | 'wrong-credentials'
  /** A form whose CSRF token is missing, stale or forged. */
  | 'form-expired'
  /** A form sent after the seller's session ended. */
  | 'signed-out'
  /** A request body of a kind the route does not read (JSON at a form). */
  | 'unsupported-body'
  /** The signed-in person may not do this (not an admin, or acting on the owner). */
  | 'forbidden';

export type Provider = 'Sonlet' | 'Plugboard';

export interface DomainErrorOptions {
  /** The form field the problem is about, for invalid-input and friends. */
  field?: string | null;
  /** Which provider, for provider-* kinds. */
  provider?: Provider;
  /** For too-many-requests: when trying again can work, sent as `Retry-After`. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly field: string | null;
  readonly provider: Provider | null;
  readonly retryAfterSeconds: number | null;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    opts: DomainErrorOptions = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.field = opts.field ?? null;
    this.provider = opts.provider ?? null;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? null;
  }
}

export class NotConnectedError extends DomainError {
  constructor() {
    super('not-connected', 'Connect your Sonlet account to see your inventory.');
  }
}

export class NeedsReconnectError extends DomainError {
  constructor() {
    super('needs-reconnect', 'Sonlet no longer accepts the console’s access. Reconnect to continue; nothing in the console was lost.');
  }
}

/** A provider could not be reached or answered nonsense; `timedOut` when it did not answer in time. */
export class ProviderUnavailableError extends DomainError {
  constructor(provider: Provider, detail: string, opts: { timedOut?: boolean; cause?: unknown } = {}) {
    super(opts.timedOut ? 'provider-timeout' : 'provider-unavailable', `${provider} ${detail}. Your data is safe; try again in a moment.`, { provider, cause: opts.cause });
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('not-found', `${what} was not found. It may have been removed, or it belongs to another account.`);
  }
}

export class InvalidInputError extends DomainError {
  constructor(message: string, field: string | null = null) {
    super('invalid-input', message, { field });
  }
}

/** True for failures worth trying again later (provider away or slow). */
export function isTransient(err: unknown): boolean {
  return err instanceof DomainError && (err.kind === 'provider-unavailable' || err.kind === 'provider-timeout');
}
