/**
 * The reference's "Basics of the REST API": HTTP 1.1 only, HTTPS only (plain HTTP is served to
 * loopback peers so tests and the local console can reach it), Basic auth with UTF-8 credentials,
 * X-Tenant and X-ConnectionId, an RFC 2616 User-Agent when one is sent, JSON answers.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { PlugboardContext } from './context.js';
import { Refusal } from './refusal.js';
import type { Tenant } from './tenants.js';

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="Plugboard API", charset="UTF-8"' };

export function authenticate(ctx: PlugboardContext, request: FastifyRequest): Tenant | Refusal {
  if (request.raw.httpVersion !== '1.1') return new Refusal(505, `HTTP/${request.raw.httpVersion} is not supported; use HTTP/1.1`);
  if (request.protocol !== 'https' && !ctx.allowPlainHttpFromAnyHost && !fromLoopback(request.socket.remoteAddress)) {
    return new Refusal(403, 'Plain HTTP is refused: clients MUST use HTTPS');
  }
  const ua = request.headers['user-agent'];
  if (ua !== undefined && !isRfc2616UserAgent(ua)) {
    return new Refusal(400, 'The User-Agent must be formatted according to RFC 2616, e.g. "my-app/1.0 (test@example.com)"');
  }
  if (!acceptsJson(request.headers.accept)) return new Refusal(406, 'This API only answers application/json');

  const failed = (why: string) => new Refusal(401, `Auth Failed: ${why}`, CHALLENGE);
  const m = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(request.headers.authorization ?? '');
  if (!m) return failed('HTTP Basic Authorization header missing or malformed');
  let credentials: string;
  try {
    credentials = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(m[1]!, 'base64'));
  } catch {
    return failed('credentials must be encoded as UTF-8 before base64');
  }
  const colon = credentials.indexOf(':');
  if (colon < 0) return failed('Basic credentials must be "username:password"');
  const tenantName = request.headers['x-tenant'];
  if (typeof tenantName !== 'string' || tenantName === '') return failed('X-Tenant header missing');
  const tenant = ctx.tenants.get(tenantName);
  if (!tenant) return failed(`unknown tenant "${tenantName}"`);
  const userOk = sameSecret(credentials.slice(0, colon), tenant.seed.username);
  const passwordOk = sameSecret(credentials.slice(colon + 1), tenant.seed.password);
  if (!userOk || !passwordOk) return failed('wrong username or password');
  const connectionId = request.headers['x-connectionid'];
  if (typeof connectionId !== 'string' || connectionId === '') return failed('X-ConnectionId header missing');
  if (connectionId !== tenant.seed.connectionId) return failed('X-ConnectionId is not an API connection of this tenant');
  return tenant;
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function fromLoopback(address: string | undefined): boolean {
  const a = (address ?? '').replace(/^::ffff:/i, '');
  return a === '::1' || /^127(\.\d{1,3}){3}$/.test(a);
}

function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return (q === undefined || Number(q.slice(2)) > 0) && ['application/json', 'application/*', '*/*'].includes(type ?? '');
  });
}

/**
 * RFC 2616 §14.43: `User-Agent = 1*( product | comment )`, product = token ["/" token],
 * comment = "(" *( ctext | quoted-pair | comment ) ")". '@' is a separator, so it may only
 * stand inside a comment. Printable ASCII only.
 */
export function isRfc2616UserAgent(ua: string): boolean {
  if (ua.length === 0 || ua.length > 512 || !/^[\x20-\x7e\t]+$/.test(ua)) return false;
  const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
  let rest = ua.trim();
  if (rest === '') return false;
  while (rest !== '') {
    if (rest.startsWith('(')) {
      const end = commentEnd(rest);
      if (end < 0) return false;
      rest = rest.slice(end);
    } else {
      const product = token.exec(rest);
      if (!product) return false;
      rest = rest.slice(product[0].length);
      if (rest.startsWith('/')) {
        const version = token.exec(rest.slice(1));
        if (!version) return false;
        rest = rest.slice(1 + version[0].length);
      }
      if (rest !== '' && !/^[ \t(]/.test(rest)) return false;
    }
    rest = rest.replace(/^[ \t]+/, '');
  }
  return true;
}

/** Index just past the comment opening `s`, nested comments and quoted pairs included; -1 when unclosed. */
function commentEnd(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i + 1;
  }
  return -1;
}
