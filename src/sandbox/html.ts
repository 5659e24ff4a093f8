/** HTML helpers of the sandbox pages (no inline script or style, so a strict CSP is fine). */
import type { FastifyReply, FastifyRequest } from 'fastify';

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const SANDBOX_CSS = `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { margin: 0; background: #f5f3f7; color: #1f1a24; line-height: 1.45; }
.banner { background: #5b2a86; color: #fff; padding: .75rem 1.25rem; display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
.brand { font-size: 1.25rem; font-weight: 700; margin: 0; }
.banner .note { margin: 0; opacity: .85; font-size: .9rem; }
main { max-width: 44rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: .75rem; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
h1 { margin-top: 0; font-size: 1.5rem; }
label { display: block; font-weight: 600; margin: .9rem 0 .3rem; }
input[type=text], input[type=password], input[type=number], select { width: 100%; box-sizing: border-box; padding: .55rem .65rem; font-size: 1rem; border: 1px solid #b9b2c2; border-radius: .4rem; }
.actions { display: flex; gap: .75rem; margin-top: 1.25rem; }
button { font-size: 1rem; padding: .55rem 1.2rem; border-radius: .4rem; border: 1px solid #5b2a86; background: #fff; color: #5b2a86; cursor: pointer; }
button.primary { background: #5b2a86; color: #fff; }
.error { background: #fde8e8; border: 1px solid #e4a0a0; color: #7a1010; padding: .6rem .8rem; border-radius: .4rem; }
.status { background: #e8f6ec; border: 1px solid #9fd3ad; color: #14532d; padding: .6rem .8rem; border-radius: .4rem; }
input[type=number] { max-width: 12rem; }
.hint { color: #5d5566; font-size: .9rem; }
pre, code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
pre { background: #1f1a24; color: #f3eef8; padding: .9rem; border-radius: .4rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eee; vertical-align: top; }
ul.scopes li { margin: .2rem 0; }
`;

export interface PageOptions {
  /** Which stand-in serves the page, e.g. "Sonlet sandbox". */
  brand: string;
  /** What the banner says the service stands in for, e.g. "sonlet.com". */
  standsInFor: string;
  title: string;
  prefix: string;
  body: string;
  /** Extra origins allowed as form targets / redirect targets of forms on this page. */
  formTargets?: string[];
}

export function renderPage({ brand, standsInFor, title, prefix, body }: PageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${esc(title)} · ${esc(brand)}</title>
<link rel="stylesheet" href="${esc(prefix)}/static/sandbox.css">
</head>
<body>
<header class="banner"><p class="brand">${esc(brand)}</p><p class="note">A local stand-in for ${esc(standsInFor)} for development and tests. Not the real service.</p></header>
<main>
${body}
</main>
</body>
</html>
`;
}

/** Sends an HTML page with its own CSP (replacing one a parent app may have set). */
export function sendPage(reply: FastifyReply, status: number, opts: PageOptions): FastifyReply {
  const formAction = ["'self'", ...(opts.formTargets ?? [])].join(' ');
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header(
      'content-security-policy',
      `default-src 'none'; style-src 'self'; img-src 'self' data:; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    )
    .send(renderPage(opts));
}

export function parseCookies(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const header = request.headers.cookie;
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

export function serializeCookie(
  name: string,
  value: string,
  opts: { path: string; maxAge?: number; secure?: boolean },
): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${opts.path}`, 'HttpOnly', 'SameSite=Lax'];
  if (opts.maxAge !== undefined) parts.push(`Max-Age=${opts.maxAge}`);
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Quotes a value for a POSIX shell (single quotes). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
