/**
 * RFC 2616 §14.43 User-Agent validation:
 *   User-Agent = 1*( product | comment ), separated by linear white space
 *   product    = token ["/" product-version]      product-version = token
 *   comment    = "(" *( ctext | quoted-pair | comment ) ")"
 *   token      = 1*<any CHAR except CTLs or separators>
 * We only accept printable ASCII (header values sent by fetch must be byte strings and
 * non-ASCII TEXT is not portable), so "my-app/1.0 (test@example.com)" is the form to use:
 * '@' is a separator and only allowed inside the comment.
 */
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

export function isValidUserAgent(ua: string): boolean {
  if (typeof ua !== 'string' || ua.length === 0 || ua.length > 512) return false;
  if (!/^[\x20-\x7e\t]+$/.test(ua)) return false;
  const s = ua;
  let i = 0;
  let elements = 0;
  const readToken = (): string => {
    const start = i;
    while (i < s.length && TOKEN_CHAR.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
    if (i >= s.length) break;
    if (s[i] === '(') {
      let depth = 0;
      for (; i < s.length; i++) {
        const ch = s[i];
        if (ch === '\\') {
          i++; // quoted-pair: next char taken literally
          if (i >= s.length) return false;
        } else if (ch === '(') depth++;
        else if (ch === ')') {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        }
      }
      if (depth !== 0) return false;
    } else {
      if (readToken() === '') return false;
      if (s[i] === '/') {
        i++;
        if (readToken() === '') return false;
      }
      if (i < s.length && s[i] !== ' ' && s[i] !== '\t' && s[i] !== '(') return false;
    }
    elements++;
  }
  return elements > 0;
}
