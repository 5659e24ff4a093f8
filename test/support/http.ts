/** A tiny browser for HTTP-level tests: a cookie jar, manual redirects, and form helpers. */
export class HttpSession {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  async request(method: string, path: string, init: { body?: BodyInit; headers?: Record<string, string> } = {}): Promise<Response> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (url.origin === new URL(this.base).origin && this.cookies.size) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    const res = await fetch(url, { method, headers, body: init.body, redirect: 'manual' });
    if (url.origin === new URL(this.base).origin) this.store(res);
    return res;
  }

  private store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\b/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, { headers });
  }

  postForm(path: string, fields: Record<string, string>) {
    return this.request('POST', path, {
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  /** GETs a page and returns its HTML and CSRF token (if the page has a form). */
  async page(path: string): Promise<{ res: Response; html: string; csrf: string | null }> {
    const res = await this.get(path);
    const html = await res.text();
    return { res, html, csrf: csrfOf(html) };
  }

  /** Fetches the form page, then posts the form with its CSRF token. */
  async submit(formPath: string, action: string, fields: Record<string, string>): Promise<Response> {
    const { csrf } = await this.page(formPath);
    return this.postForm(action, { ...fields, _csrf: csrf ?? '' });
  }
}

export function csrfOf(html: string): string | null {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? null;
}

export function location(res: Response): string {
  const loc = res.headers.get('location');
  if (!loc) throw new Error(`expected a redirect, got ${res.status}`);
  return loc;
}
