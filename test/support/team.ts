/** Team flows over HTTP, as a browser would send them: the links admins make, and joining through one. */
import { HttpSession } from './http.js';
import { rememberSecret } from './secrets.js';

/** The one-time link on the page an admin sees right after making it (remembered as a secret). */
export async function oneTimeLinkFrom(res: Response): Promise<string> {
  const html = await res.text();
  const link = /class="one-time-link" type="text" readonly value="([^"]+)"/.exec(html)?.[1];
  if (!link) throw new Error(`no link on the page: ${res.status} ${html.slice(0, 300)}`);
  rememberSecret(link.split('/').pop()!, 'a one-time link token');
  return link;
}

/** Opens an invitation link in a new browser and sends its sign-up form (with the invitation's hidden field). */
export async function joinThrough(consoleUrl: string, link: string, email: string, password: string): Promise<{ session: HttpSession; res: Response }> {
  const session = new HttpSession(consoleUrl);
  const { html, csrf } = await session.page(new URL(link).pathname);
  const invite = /name="invite" value="([^"]+)"/.exec(html)?.[1];
  if (!invite) throw new Error(`no invitation on the page: ${html.slice(0, 300)}`);
  const res = await session.postForm('/sign-up', { _csrf: csrf ?? '', email, password, invite });
  return { session, res };
}
