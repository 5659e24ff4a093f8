/**
 * The addresses in the environment (PUBLIC_URL, SONLET_BASE_URL, DATABASE_URL), checked at start-up so a
 * wrong one is named there instead of failing later with a network error. Values are never repeated in the
 * messages: a pasted URL may carry a password.
 */
import type { Problem } from './config.js';

/**
 * An http(s) origin-like URL. Never echoes the value: a pasted URL may carry a password. Credentials,
 * a query or a fragment are refused because every address the console builds from it would carry them
 * (into logs, Location headers and the redirect URI Sonlet compares exactly).
 */
function url(name: string, raw: string, problem: Problem): URL | null {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return problem(`${name} must be an absolute URL such as https://console.example.com.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return problem(`${name} must start with http:// or https://.`);
  if (parsed.username || parsed.password) return problem(`${name} must not contain a user name or password.`);
  if (parsed.search || parsed.hash || raw.includes('?') || raw.includes('#')) return problem(`${name} must not have a query (?…) or fragment (#…).`);
  return parsed;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The console serves every page from the root of its origin, so a path would make the redirect URI and
 * every link wrong. Against the real Sonlet, plain http is only for a console on the machine itself:
 * anywhere else the session cookie and the OAuth code would cross the network in clear.
 */
export function consoleUrl(raw: string, sandbox: boolean, problem: Problem): string | null {
  const parsed = url('PUBLIC_URL', raw, problem);
  if (!parsed) return null;
  if (parsed.pathname !== '/') return problem('PUBLIC_URL must be an origin without a path (https://console.example.com); the console is served from the root of its address.');
  if (!sandbox && parsed.protocol === 'http:' && !LOOPBACK_HOSTS.has(parsed.hostname)) {
    return problem('PUBLIC_URL must start with https:// when SONLET_BASE_URL is set (only http://localhost may be plain HTTP): sessions and Sonlet codes would cross the network unencrypted. Behind a TLS proxy, give its https:// address.');
  }
  return parsed.origin;
}

/** Sonlet's own address: the API and OAuth paths are added by the console, so a pasted API address is refused. */
export function sonletUrl(raw: string, problem: Problem): string | null {
  const parsed = url('SONLET_BASE_URL', raw, problem);
  if (!parsed) return null;
  if (/\/(api|o)(\/|$)/.test(parsed.pathname)) return problem('SONLET_BASE_URL must be Sonlet\'s address (https://sonlet.com or https://beta.sonlet.com), not an API or OAuth path under it.');
  return parsed.toString().replace(/\/+$/, '');
}

/** Postgres's URL form (`postgres://user:password@host:5432/db`); its value is never repeated: it holds a password. */
export function checkDatabaseUrl(raw: string, problem: Problem): void {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    problem('DATABASE_URL must be a URL such as postgres://user:password@host:5432/database.');
    return;
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') problem('DATABASE_URL must start with postgres:// or postgresql://.');
  else if (!parsed.hostname && !parsed.searchParams.get('host')) problem('DATABASE_URL must name a host (postgres://user:password@host:5432/database).');
}
