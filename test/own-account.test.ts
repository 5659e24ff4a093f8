/**
 * The account page's actions at the HTTP level, where a forged or careless request would try them: CSRF,
 * no session, a mismatched new password, and the owner, who cannot leave the team without one. A console
 * of its own (a fresh database), so its first account is the owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, signUp, type Stack } from './support/stack.js';
import { freshDatabase } from './support/database.js';
import { HttpSession } from './support/http.js';

let stack: Stack;
let db: { url: string; drop(): Promise<void> };
let owner: HttpSession;
let seller: HttpSession;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  db = await freshDatabase();
  stack = await startStack({ databaseUrl: db.url });
  owner = await signUp(stack.console.url, 'owner@example.com');
  seller = await signUp(stack.console.url, 'seller@example.com');
});
afterAll(async () => {
  await stack?.close();
  await db?.drop();
});

const users = () => stack.console.app.prisma.user.count();

describe('the account page, at the HTTP level', () => {
  it('refuses forged and session-less posts, changing nothing', async () => {
    for (const path of ['/account/delete', '/account/sign-out-everywhere', '/account/password', '/account/photos']) {
      expect((await seller.postForm(path, { _csrf: 'forged', password: PASSWORD, confirm: 'yes' })).status, path).toBe(403);
      expect((await new HttpSession(stack.console.url).postForm(path, { password: PASSWORD, confirm: 'yes' })).status, path).toBe(401);
    }
    expect(await users()).toBe(2);
    expect((await seller.get('/account')).status).toBe(200);
  });

  it('a new password typed differently twice is refused on the form; the old one still works', async () => {
    const res = await seller.submit('/account', '/account/password', { current: PASSWORD, password: 'purple elephants dance', confirm: 'purple elephants dance!' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('The new password and its repetition differ');
    expect((await new HttpSession(stack.console.url).submit('/sign-in', '/sign-in', { email: 'seller@example.com', password: PASSWORD })).status).toBe(302);
  });

  it('the first post to delete only shows the second step; the owner cannot delete the account while a team remains', async () => {
    const asked = await seller.submit('/account/delete', '/account/delete', { password: PASSWORD });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('Delete your account?');
    expect(await users()).toBe(2);

    const refused = await owner.submit('/account/delete', '/account/delete', { password: PASSWORD, confirm: 'yes' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('You own this console');
    expect(await users()).toBe(2);

    expect((await seller.submit('/account/delete', '/account/delete', { password: PASSWORD, confirm: 'yes' })).status).toBe(200);
    expect(await users()).toBe(1);
    // Alone now, the owner may go too.
    expect((await owner.submit('/account/delete', '/account/delete', { password: PASSWORD, confirm: 'yes' })).status).toBe(200);
    expect(await users()).toBe(0);
  });
});
