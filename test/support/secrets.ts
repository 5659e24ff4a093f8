/**
 * Secrets the tests know about, and the check that none of them reaches a log line.
 *
 * Every stack registers its own (client secret, session secret, encryption key); the sign-up
 * helper registers each password it submits; at close the stack adds the Sonlet tokens and
 * Plugboard passwords it can decrypt from the database. `close()` then fails if any of them, or an
 * unredacted authorization header or cookie, shows up in that stack's captured logs.
 */

/** Below this length a "secret" (e.g. the sandbox password `demo`) would match ordinary words. */
const MIN_SECRET_LENGTH = 8;

const registered = new Map<string, string>();

/** Remembers a secret (worker-wide: the files a worker runs share it, so every stack is checked for all of them). */
export function rememberSecret(value: string | null | undefined, label: string): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  registered.set(value, label);
}

export function knownSecrets(): ReadonlyMap<string, string> {
  return registered;
}

/** The forms a secret may take in a log line: as is, URL-encoded, JSON-escaped. */
function variants(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)]);
  return [...forms];
}

const HEADER_KEYS = new Set(['authorization', 'cookie', 'set-cookie', 'proxy-authorization']);

/** Every problem found in these log lines; empty when clean. */
export function secretLeaks(lines: readonly string[], secrets: ReadonlyMap<string, string> = registered): string[] {
  const problems: string[] = [];
  const text = lines.join('');
  for (const [secret, label] of secrets) {
    if (variants(secret).some((v) => text.includes(v))) problems.push(`${label} appears in the logs`);
  }
  if (/\bBearer\s+[A-Za-z0-9._~+/-]{8,}/.test(text)) problems.push('a Bearer token appears in the logs');
  for (const line of lines) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    walk(parsed, (key, value) => {
      if (HEADER_KEYS.has(key.toLowerCase()) && value !== '[redacted]') problems.push(`the ${key} header is logged unredacted`);
    });
  }
  return [...new Set(problems)];
}

function walk(value: unknown, visit: (key: string, value: unknown) => void): void {
  if (!value || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    visit(k, v);
    walk(v, visit);
  }
}
