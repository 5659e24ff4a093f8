/**
 * The one gate for header values the console writes from input (a redirect target, a provider's
 * photo address): Node throws while writing a header with a control character, and a throw at that
 * point (inside a session-store callback) escapes every error handler.
 */
import { DomainError } from '../errors.js';

/** Visible ASCII and spaces only: no control characters, nothing Node or a browser could read differently. */
const SAFE = /^[\x20-\x7e]*$/;

export function isSafeHeaderValue(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(isSafeHeaderValue);
  if (typeof value === 'number') return true;
  return typeof value === 'string' && SAFE.test(value);
}

/** The value itself when it may go into a header; otherwise a DomainError (the request gets an error page). */
export function headerValue(value: string): string {
  if (!isSafeHeaderValue(value)) throw new DomainError('invalid-input', 'That address or name contains characters the console cannot send back.');
  return value;
}
