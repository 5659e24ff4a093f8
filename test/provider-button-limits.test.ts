/**
 * Buttons that make the console call a provider at once (Refresh, "Check now", "Test connection") are limited
 * per seller: a held-down key or a script cannot have the console walk Sonlet or log in to Plugboard without
 * end, nor guess a Plugboard password through the console. Driven over HTTP as a browser's form posts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, signUp, connectSonlet, type Stack } from './support/stack.js';
import type { HttpSession } from './support/http.js';
import { startPlugboardSandbox, DEMO_PLUGBOARD_TENANTS, type StartedPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import { settingsFor, type Tenant } from './support/shop.js';
import { PROVIDER_ACTIONS_PER_MINUTE } from '../src/web/attempt-limits.js';
import { freshDatabase } from './support/database.js';

const DEMO = DEMO_PLUGBOARD_TENANTS.find((t) => t.tenant === 'demo')! as Tenant;

let stack: Stack;
let plugboard: StartedPlugboardSandbox;
let database: { url: string; drop(): Promise<void> };

// A database of its own: the web-shop settings saved here start the shop's recurring tasks, which another
// file's console (with its own encryption key) would otherwise pick up from the shared database.
beforeAll(async () => {
  database = await freshDatabase();
  [stack, plugboard] = await Promise.all([startStack({ databaseUrl: database.url, env: { LOG_LEVEL: 'warn' } }), startPlugboardSandbox()]);
});
afterAll(async () => {
  await stack?.close();
  await plugboard?.close();
  await database?.drop();
});

async function connectedSeller(): Promise<HttpSession> {
  const seller = await signUp(stack.console.url);
  await connectSonlet(seller);
  return seller;
}

async function presses(n: number, press: () => Promise<Response>): Promise<Response[]> {
  const answers: Response[] = [];
  for (let i = 0; i < n; i++) answers.push(await press());
  return answers;
}

function expectSlowedDown(res: Response, html: string) {
  expect(res.status).toBe(429);
  expect(html).toContain(`more than ${PROVIDER_ACTIONS_PER_MINUTE} times in a minute`);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

it('Refresh: past the limit one seller is slowed down, another seller is not', async () => {
  const [alice, bob] = await Promise.all([connectedSeller(), connectedSeller()]);
  const answers = await presses(PROVIDER_ACTIONS_PER_MINUTE + 1, () => alice.submit('/', '/summary/refresh', {}));
  expect(answers.slice(0, PROVIDER_ACTIONS_PER_MINUTE).map((r) => r.status)).toEqual(Array(PROVIDER_ACTIONS_PER_MINUTE).fill(302));
  const last = answers.at(-1)!;
  expectSlowedDown(last, await last.text());
  expect((await bob.submit('/', '/summary/refresh', {})).status).toBe(302);
  // Browsing is not limited by it.
  expect((await alice.get('/items')).status).toBe(200);
});

it('"Check now" on the orders page is limited the same way', async () => {
  const seller = await connectedSeller();
  expect((await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, DEMO))).status).toBe(303);
  const answers = await presses(PROVIDER_ACTIONS_PER_MINUTE + 1, () => seller.submit('/orders', '/orders/check', {}));
  expect(answers.slice(0, PROVIDER_ACTIONS_PER_MINUTE).map((r) => r.status)).toEqual(Array(PROVIDER_ACTIONS_PER_MINUTE).fill(303));
  const last = answers.at(-1)!;
  expectSlowedDown(last, await last.text());
});

it('"Test connection" cannot be used to guess a Plugboard password: past the limit the form comes back with what was typed, and Plugboard is not asked', async () => {
  const seller = await connectedSeller();
  const guess = (i: number) => settingsFor(plugboard.url, DEMO, { password: `guess-${i}`, brand: 'Studio Ida' });
  let i = 0;
  const answers = await presses(PROVIDER_ACTIONS_PER_MINUTE, () => seller.submit('/settings/plugboard', '/settings/plugboard/test', guess(i++)));
  for (const res of answers) expect(await res.text()).toContain('Plugboard refused these credentials');
  const last = await seller.submit('/settings/plugboard', '/settings/plugboard/test', { ...guess(99), password: DEMO.password });
  const html = await last.text();
  expectSlowedDown(last, html);
  // The form again, as typed (the password is never written back into a page), without Plugboard's verdict.
  expect(html).toContain('value="Studio Ida"');
  expect(html).not.toContain(DEMO.password);
  expect(html).not.toContain('Plugboard refused these credentials');
  expect(html).not.toMatch(/connection works|Connected to/i);
});
