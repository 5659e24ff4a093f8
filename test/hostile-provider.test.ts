/**
 * The hostile double does what it says, over plain HTTP (no console code involved): the misbehaviour tests
 * of the console are only as good as this.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostileProvider, type HostileProvider } from './support/hostile-provider.js';

let double: HostileProvider;
let token: string;

beforeAll(async () => {
  double = await startHostileProvider();
  token = await connect('alice');
});
afterAll(() => double.close());

/** The authorization-code flow with PKCE, as a client would walk it. */
async function connect(user: string): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${double.sonlet.url}/o/authorize/`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: double.sonlet.clientId,
    redirect_uri: 'http://console.test/cb',
    state: 'st',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    as: user,
  }).toString();
  const res = await fetch(authorize, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get('location')!);
  expect(back.searchParams.get('state')).toBe('st');
  const tokens = await post('/o/token/', {
    grant_type: 'authorization_code',
    code: back.searchParams.get('code')!,
    redirect_uri: 'http://console.test/cb',
    code_verifier: verifier,
    client_id: double.sonlet.clientId,
    client_secret: double.sonlet.clientSecret,
  });
  expect(tokens.status).toBe(200);
  return ((await tokens.json()) as { access_token: string }).access_token;
}

function post(path: string, form: Record<string, string>) {
  return fetch(`${double.sonlet.url}${path}`, { method: 'POST', body: new URLSearchParams(form) });
}

function get(path: string, bearer = token) {
  return fetch(new URL(path, `${double.sonlet.url}/`), { headers: { authorization: `Bearer ${bearer}` }, redirect: 'manual' });
}

describe('the hostile provider double', () => {
  it('plays an honest Sonlet by default: pages of 20 with absolute next links, counted per path', async () => {
    double.resetCounts();
    const first = (await (await get('api/v2/items/')).json()) as { count: number; next: string; results: unknown[] };
    expect(first).toMatchObject({ count: 45 });
    expect(first.results).toHaveLength(20);
    const last = (await (await get(first.next.replace('page=2', 'page=3'))).json()) as { next: string | null; results: unknown[] };
    expect(last.next).toBeNull();
    expect(last.results).toHaveLength(5);
    expect(double.sonlet.count('/api/v2/items/')).toBe(2);
    expect((await get('api/v2/items/', 'not-a-token')).status).toBe(401);
  });

  it('serves a self-referencing next, an endless next and an absurd count on the path it is told', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'self-next' });
    const self = (await (await get('api/v2/items/?page=2')).json()) as { next: string };
    expect(self.next).toBe(`${double.sonlet.url}/api/v2/items/?page=2`);
    double.sonlet.on('/api/v2/items/', { kind: 'endless-next', count: 40 });
    const endless = (await (await get('api/v2/items/?page=99')).json()) as { next: string; count: number };
    expect(endless).toMatchObject({ count: 40, next: `${double.sonlet.url}/api/v2/items/?page=100` });
    double.sonlet.on('/api/v2/items/', { kind: 'absurd-count' });
    const absurd = (await (await get('api/v2/items/?page=3')).json()) as { next: string | null; count: number };
    expect(absurd).toMatchObject({ count: 5_000_000, next: null });
    // Other paths stay honest.
    expect(((await (await get('api/v2/sizes/')).json()) as { count: number }).count).toBe(5);
    double.sonlet.off();
  });

  it('streams a 300 MB body without holding it, and records that the reader gave up', async () => {
    double.resetCounts();
    double.sonlet.on('/api/v2/items/', { kind: 'huge-body' });
    const res = await get('api/v2/items/');
    expect(res.headers.get('content-length')).toBeNull();
    let read = 0;
    const reader = res.body!.getReader();
    while (read < 2 * 1024 * 1024) read += (await reader.read()).value!.length;
    await reader.cancel();
    await until(() => double.abandoned.length === 1);
    expect(double.abandoned[0].bytesSent).toBeLessThan(300 * 1024 * 1024);
    double.sonlet.off();
  });

  it('drips an answer one byte at a time', async () => {
    double.resetCounts();
    double.sonlet.on('/api/v2/sizes/', { kind: 'drip', intervalMs: 20 });
    const controller = new AbortController();
    const res = await get('api/v2/sizes/');
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.value!.length).toBe(1);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(100);
    controller.abort();
    await reader.cancel();
    await until(() => double.abandoned.length === 1);
    double.sonlet.off();
  });

  it('puts HTML in JSON fields, lies about content types, and redirects to another host', async () => {
    double.sonlet.on('/api/v2/itemchoices/', { kind: 'html-in-json' });
    const styles = (await (await get('api/v2/itemchoices/')).json()) as { results: Array<{ name: string }> };
    expect(styles.results[0].name).toContain('<script>');
    double.sonlet.on('/api/v2/sizes/', { kind: 'wrong-content-type', htmlBody: true });
    const sizes = await get('api/v2/sizes/');
    expect(sizes.headers.get('content-type')).toBe('application/json');
    expect(await sizes.text()).toContain('<html>');
    double.sonlet.on('/api/v2/images/', { kind: 'redirect-other-host' });
    const moved = await get('api/v2/images/');
    expect(moved.status).toBe(302);
    const target = new URL(moved.headers.get('location')!);
    expect(target.host).not.toBe(new URL(double.url).host);
    expect((await fetch(target)).status).toBe(200);
    expect(double.otherHost.count()).toBe(1);
    double.sonlet.off();
  });

  it('names related objects as plain pks or nested objects, and pages by offset when told', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'related', as: 'pk' });
    const plain = (await (await get('api/v2/items/')).json()) as { results: Array<Record<string, unknown>> };
    expect(typeof plain.results[0].image).toBe('number');
    expect(typeof plain.results[0].itemchoice).toBe('number');
    double.sonlet.on('/api/v2/items/', { kind: 'offset-paging' });
    const offset = (await (await get('api/v2/items/')).json()) as { next: string };
    expect(new URL(offset.next).searchParams.get('offset')).toBe('20');
    double.sonlet.off();
  });

  it('rotates refresh tokens, revokes per RFC 7009, and a revoked token answers 401', async () => {
    const mine = await connect('bob');
    expect((await get('api/v2/sizes/', mine)).status).toBe(200);
    const client = { client_id: double.sonlet.clientId, client_secret: double.sonlet.clientSecret };
    expect((await post('/o/revoke_token/', { token: mine, token_type_hint: 'access_token', client_id: 'wrong', client_secret: 'x' })).status).toBe(401);
    expect((await post('/o/revoke_token/', { token: mine, token_type_hint: 'access_token', ...client })).status).toBe(200);
    expect(double.sonlet.revoked).toContain(mine);
    expect((await get('api/v2/sizes/', mine)).status).toBe(401);
  });

  it('plays Plugboard: Basic auth with tenant headers, the API root, and products', async () => {
    const pb = double.plugboard;
    const headers = {
      authorization: `Basic ${Buffer.from(`${pb.username}:${pb.password}`).toString('base64')}`,
      'x-tenant': pb.tenant,
      'x-connectionid': pb.connectionId,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    const root = await fetch(`${pb.url}/api/`, { headers });
    expect(await root.json()).toMatchObject({ connectionId: pb.connectionId });
    expect((await fetch(`${pb.url}/api/`, { headers: { ...headers, 'x-tenant': 'other' } })).status).toBe(401);
    const created = await fetch(`${pb.url}/api/product?updateOnRemoteId=true`, { method: 'POST', headers, body: JSON.stringify({ remoteId: 'r1', vatRatePercent: '25' }) });
    expect(await created.json()).toMatchObject({ remoteId: 'r1', state: 'hidden' });
    expect(((await (await fetch(`${pb.url}/api/product`, { headers })).json()) as unknown[]).length).toBe(1);
    pb.on('/api/product', { kind: 'status', status: 503, body: { error: true, code: 503, message: 'Down' } });
    expect((await fetch(`${pb.url}/api/product`, { headers })).status).toBe(503);
    expect(pb.count('/api/product')).toBe(3);
    pb.off();
  });
});

async function until(ok: () => boolean) {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(ok()).toBe(true);
}
