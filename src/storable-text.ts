/**
 * Text on its way into Postgres. A text or JSON column refuses U+0000 outright, and a NUL that reached a
 * query or a stored field ended a request in a 500, or a background task in a failure it could never get
 * past. What a browser or a provider sends is made storable here, in one way.
 */

/** The text without NUL; nothing else changes (what a seller typed stays as typed). */
export function withoutNul(value: string): string {
  return value.includes('\0') ? value.replaceAll('\0', '') : value;
}

/**
 * A message made from a provider's answer or an error, for a status column a page shows: no NUL, other
 * control characters and runs of white space become one space (they would only garble the page), and cut to
 * `max` code points, never inside a surrogate pair (a provider's message has no length limit).
 */
export function storableText(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- these are exactly the characters being removed
  const clean = withoutNul(text).replace(/[\s\u0001-\u001f\u007f]+/g, ' ').trim();
  return Array.from(clean).slice(0, max).join('');
}
