/**
 * Limits on forms where each attempt is a guess at a secret (a password, a one-time link) and costs a slow
 * password hash. Before sign-in the client address is all there is; once signed in, the seller's own id is
 * the key, so a borrowed session (an unlocked laptop, a stolen cookie) cannot guess the account's password
 * from many addresses either.
 *
 * Buttons that make the console call a provider at once (Refresh, "Check now", "Test connection") have a
 * per-seller limit too: each press is a walk of the inventory or a call with the seller's credentials, so a
 * held-down key or a script would otherwise have the console hammer Sonlet or Plugboard on the seller's
 * account (and "Test connection" would be a way to guess a Plugboard password through the console).
 */
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../errors.js';

/**
 * Counted once the form's body is parsed (not when the request arrives, the limit's default): a form refused
 * for going past its limit then comes back with what was typed, as any refused form does. Still before the
 * password hash or the provider call the limit is there to spare.
 */
const AFTER_PARSING = 'preValidation' as const;

export function perAddress(perMinute: number) {
  return { max: perMinute, timeWindow: '1 minute', hook: AFTER_PARSING };
}

export function perSeller(perMinute: number) {
  return { ...perAddress(perMinute), keyGenerator: (request: FastifyRequest) => (request.user ? `seller:${request.user.id}` : `address:${request.ip}`) };
}

/** Presses of a provider-calling button per seller and minute: far more than a person clicks. */
export const PROVIDER_ACTIONS_PER_MINUTE = 10;

export function providerActions() {
  return {
    ...perSeller(PROVIDER_ACTIONS_PER_MINUTE),
    // The limit's own headers (Retry-After included) are already on the answer.
    errorResponseBuilder: () =>
      new DomainError('too-many-requests', `This was asked of the shop or of Sonlet more than ${PROVIDER_ACTIONS_PER_MINUTE} times in a minute. Wait a minute and try again.`),
  };
}
