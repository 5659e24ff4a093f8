/**
 * Where a redirect from input (the sign-in page's `next`, a form's `back`) may send the seller: a
 * path on the console itself, never another site. The value is resolved the way a browser would
 * resolve it (the WHATWG URL parser, against PUBLIC_URL) and accepted only when it lands on the
 * console's own origin; anything odd goes to the fallback rather than being repaired.
 */
import { isSafeHeaderValue } from './headers.js';

const MAX_LENGTH = 2000;
/** Control characters, every kind of whitespace, and backslashes (browsers read `\` as `/`). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ODD = /[\u0000-\u0020\u007f-\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff\\]/;

export interface TargetRules {
  /** Where to go instead; `/` unless given. */
  fallback?: string;
  /** A further rule on the normalised path + query (for `back` fields that must stay in one area). */
  allow?: (pathAndQuery: string) => boolean;
}

export function consoleTarget(raw: unknown, publicUrl: string, rules: TargetRules = {}): string {
  const fallback = rules.fallback ?? '/';
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_LENGTH) return fallback;
  // Only a path: no scheme, no `//host`, no `/\host` (which browsers read as `//host`).
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return fallback;
  const q = raw.indexOf('?');
  if (!looksPlain(q === -1 ? raw : raw.slice(0, q)) || (q !== -1 && !plainQuery(raw.slice(q)))) return fallback;
  let url: URL;
  try {
    url = new URL(raw, publicUrl);
  } catch {
    return fallback;
  }
  const home = new URL(publicUrl);
  if (url.origin !== home.origin || url.username || url.password) return fallback;
  const target = `${url.pathname}${url.search}`;
  if (target.startsWith('//') || !isSafeHeaderValue(target)) return fallback;
  if (rules.allow && !rules.allow(target)) return fallback;
  return target;
}

/** Control characters and line or direction controls: nothing a page's own query holds once decoded. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * A query cannot lead off the console; the page it reaches decodes it once. So it is checked raw and as
 * decoded once, not decoded again and again as a path is: a search for "50%" or "red dress" keeps its way back.
 */
function plainQuery(query: string): boolean {
  if (ODD.test(query)) return false;
  for (const [name, value] of new URLSearchParams(query)) if (CONTROL.test(name) || CONTROL.test(value)) return false;
  return true;
}

/**
 * True when neither the path nor any percent-decoding of it (up to three rounds, as some servers and
 * proxies decode again) holds a control character, whitespace, a backslash or a leading `//`.
 */
function looksPlain(raw: string): boolean {
  let value = raw;
  for (let round = 0; round < 4; round++) {
    if (ODD.test(value) || /^\/[/\\]/.test(value)) return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      // Malformed percent-encoding: nothing a real page of the console links to.
      return false;
    }
    if (decoded === value) return true;
    value = decoded;
  }
  return false;
}
