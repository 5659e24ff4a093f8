/**
 * Limits on forms where each attempt is a guess at a secret (a password, a one-time link) and costs a slow
 * password hash. Before sign-in the client address is all there is; once signed in, the seller's own id is
 * the key, so a borrowed session (an unlocked laptop, a stolen cookie) cannot guess the account's password
 * from many addresses either.
 */
import type { FastifyRequest } from 'fastify';

export function perAddress(perMinute: number) {
  return { max: perMinute, timeWindow: '1 minute' };
}

export function perSeller(perMinute: number) {
  return { max: perMinute, timeWindow: '1 minute', keyGenerator: (request: FastifyRequest) => (request.user ? `seller:${request.user.id}` : `address:${request.ip}`) };
}
