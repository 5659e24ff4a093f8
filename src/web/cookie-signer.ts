/**
 * Signs cookies (the session id, the CSRF secret) and checks their signatures, remembering what it
 * signed and the cookies found valid: a browser sends the same ones with every page, and each check is an HMAC. A cookie found
 * invalid is not remembered, so nobody can fill the memo by sending made-up ones.
 */
import { Signer } from '@fastify/cookie';

type Unsigned = ReturnType<Signer['unsign']>;
const MAX_REMEMBERED = 20_000;

export function rememberingSigner(secret: string): { sign(value: string): string; unsign(signed: string): Unsigned } {
  const signer = new Signer(secret, 'sha256');
  const valid = new Map<string, Unsigned>();
  // @fastify/session signs the session id again for every request that carries it.
  const signed = new Map<string, string>();
  return {
    sign(value) {
      let known = signed.get(value);
      if (known === undefined) {
        known = signer.sign(value);
        if (signed.size >= MAX_REMEMBERED) signed.clear();
        signed.set(value, known);
      }
      return known;
    },
    unsign(signed) {
      const known = valid.get(signed);
      if (known) return known;
      const result = signer.unsign(signed);
      if (result.valid) {
        if (valid.size >= MAX_REMEMBERED) valid.clear();
        valid.set(signed, Object.freeze(result));
      }
      return result;
    },
  };
}
