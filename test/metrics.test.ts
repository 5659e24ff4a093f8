import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, signUp, connectSonlet, uniqueEmail, freePort, type Stack } from './support/stack.js';
import { jpeg, postUpload, settle } from './fixtures/uploads.js';
import { location } from './support/http.js';
import { rememberSecret } from './support/secrets.js';
import { familyOf, parseScrape, valueOf } from './support/prometheus.js';
import { ProviderWindow } from '../src/metrics/provider-window.js';
import { operationName } from '../src/metrics/provider-calls.js';
import { DEMO_PLUGBOARD_TENANTS, startPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import { itemCards, publishAndSettle, settingsFor } from './support/shop.js';

const TOKEN = 'metrics-token-for-the-test-0123456789';
let stack: Stack;

beforeAll(async () => {
  rememberSecret(TOKEN, 'METRICS_TOKEN');
  // Short-lived access tokens, so browsing refreshes them (and the refresh counter moves).
  stack = await startStack({ jobs: true, accessTokenTtlSeconds: 600, env: { METRICS_TOKEN: TOKEN, LOG_LEVEL: 'warn' } });
});
afterAll(async () => {
  await stack?.close();
});

const fetchMetrics = (headers: Record<string, string> = {}, base = stack.console.url) => fetch(`${base}/metrics`, { headers });

describe('GET /metrics', () => {
  it('is refused without the token and, with it, has the series a self-hoster watches after pages and an upload', async () => {
    // The registry is the process's (as in production), so other apps in this process may have counted
    // too: exact counts are asserted as differences from a scrape taken before this seller's work.
    const before = parseScrape(await (await fetchMetrics({ authorization: `Bearer ${TOKEN}` })).text());
    const grew = (scrape: ReturnType<typeof parseScrape>, name: string, labels: Record<string, string> = {}) =>
      (valueOf(scrape, name, labels) ?? 0) - (valueOf(before, name, labels) ?? 0);
    const email = uniqueEmail('watched');
    const seller = await signUp(stack.console.url, email);
    expect((await connectSonlet(seller)).status).toBe(302);
    for (const page of ['/', '/items', '/items?page=2', '/images', '/upload']) expect((await seller.get(page)).status, page).toBe(200);
    // Sonlet ends the access token early: the next page refreshes it (a 401, one refresh, the page).
    stack.sonlet.sandbox.expireAccessTokens('demo');
    expect((await seller.get('/items?page=3')).status).toBe(200);
    const { app } = stack.console;
    const user = await app.prisma.user.findUniqueOrThrow({ where: { email } });
    const catalog = await app.catalog.get(user.id, app.sonletApiFor(user.id));
    const photo = await jpeg(7);
    const sent = await postUpload(seller, { style: String(catalog.styles[0]!.pk), size: String(catalog.sizes[0]!.pk), quantity: '1' }, [photo]);
    expect(sent.status).toBe(303);
    const batch = await settle(seller, location(sent).split('/').pop()!);
    expect(batch.counts.done).toBe(1);

    expect((await fetchMetrics()).status).toBe(401);
    expect((await fetchMetrics({ authorization: 'Bearer not-the-token-at-all-000000' })).status).toBe(401);
    expect((await fetchMetrics({ authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` })).status).toBe(401);

    const res = await fetchMetrics({ authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const scrape = parseScrape(text);

    expect(familyOf(scrape, 'console_http_request_duration_seconds').type).toBe('HISTOGRAM');
    expect(grew(scrape, 'console_http_request_duration_seconds_count', { method: 'GET', route: '/items', status_class: '2xx' })).toBeGreaterThanOrEqual(2);
    expect(grew(scrape, 'console_http_request_duration_seconds_count', { method: 'POST', route: '/upload', status_class: '3xx' })).toBe(1);

    expect(familyOf(scrape, 'console_provider_call_duration_seconds').type).toBe('HISTOGRAM');
    expect(grew(scrape, 'console_provider_call_duration_seconds_count', { provider: 'sonlet', operation: 'GET items', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(grew(scrape, 'console_provider_call_duration_seconds_count', { provider: 'sonlet', operation: 'POST images', outcome: 'ok' })).toBe(1);
    expect(familyOf(scrape, 'console_provider_call_failures_total').type).toBe('COUNTER');

    expect(grew(scrape, 'console_token_refreshes_total', { provider: 'sonlet' })).toBeGreaterThanOrEqual(1);
    expect(familyOf(scrape, 'console_token_refresh_failures_total').type).toBe('COUNTER');
    expect(grew(scrape, 'console_upload_bytes_total')).toBeGreaterThanOrEqual(photo.data.length);

    expect(familyOf(scrape, 'console_background_tasks').type).toBe('GAUGE');
    for (const state of ['waiting', 'running', 'failed', 'stalled']) {
      expect(valueOf(scrape, 'console_background_tasks', { kind: 'upload', state }), state).toBeGreaterThanOrEqual(0);
    }
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) familyOf(scrape, name);

    // No seller id or email in any label.
    expect(text).not.toContain(email);
    expect(text).not.toContain(user.id);
  });

  it('counts Plugboard calls (settings checked, a product sent) and has a task series for every kind', async () => {
    const plugboard = await startPlugboardSandbox();
    try {
      const before = parseScrape(await (await fetchMetrics({ authorization: `Bearer ${TOKEN}` })).text());
      const grew = (scrape: ReturnType<typeof parseScrape>, labels: Record<string, string>) =>
        (valueOf(scrape, 'console_provider_call_duration_seconds_count', labels) ?? 0) - (valueOf(before, 'console_provider_call_duration_seconds_count', labels) ?? 0);
      const email = uniqueEmail('shop-watched');
      const seller = await signUp(stack.console.url, email);
      expect((await connectSonlet(seller)).status).toBe(302);
      expect((await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, DEMO_PLUGBOARD_TENANTS[0]!))).status).toBe(303);
      const [card] = await itemCards(seller);
      await publishAndSettle(seller, [card!.pk]);
      expect(plugboard.sandbox.products(DEMO_PLUGBOARD_TENANTS[0]!.tenant).some((p) => p.remoteId === `sonlet-item-${card!.pk}`)).toBe(true);

      const text = await (await fetchMetrics({ authorization: `Bearer ${TOKEN}` })).text();
      const scrape = parseScrape(text);
      expect(grew(scrape, { provider: 'plugboard', operation: 'GET api', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
      expect(grew(scrape, { provider: 'plugboard', operation: 'POST api/product', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
      for (const kind of ['upload', 'publish', 'shop-sync', 'shop-orders', 'audit-pruning']) {
        for (const state of ['waiting', 'running', 'failed', 'stalled']) {
          expect(valueOf(scrape, 'console_background_tasks', { kind, state }), `${kind} ${state}`).toBeGreaterThanOrEqual(0);
        }
      }
      // Nothing in a label names the seller or their shop's connection.
      expect(text).not.toContain(email);
      expect(text).not.toContain(DEMO_PLUGBOARD_TENANTS[0]!.connectionId);
    } finally {
      await plugboard.close();
    }
  });

  it('counts a refused refresh and records in the audit trail that the seller must reconnect', async () => {
    const email = uniqueEmail('refused');
    await signUp(stack.console.url, email);
    const { app } = stack.console;
    const user = await app.prisma.user.findUniqueOrThrow({ where: { email } });
    // An expired access token and a refresh token Sonlet never issued: the refresh is refused.
    await app.prisma.sonletConnection.create({
      data: { userId: user.id, baseUrl: stack.sonlet.url, accessTokenEnc: app.cipher.encrypt('expired-access-token'), refreshTokenEnc: app.cipher.encrypt('never-issued-refresh-token'), expiresAt: new Date(Date.now() - 60_000) },
    });
    const refused = async () =>
      valueOf(parseScrape(await (await fetchMetrics({ authorization: `Bearer ${TOKEN}` })).text()), 'console_token_refresh_failures_total', { provider: 'sonlet', reason: 'refused' }) ?? 0;
    const before = await refused();
    await expect(app.sonletApiFor(user.id).listItems()).rejects.toMatchObject({ kind: 'needs-reconnect' });
    expect(await refused()).toBe(before + 1);
    const events = await app.prisma.auditEvent.findMany({ where: { kind: 'sonlet-reconnect-needed', actorId: user.id } });
    expect(events.map((e) => e.actorEmail)).toEqual([email]);
  });

  it('is off without METRICS_TOKEN, and on METRICS_PORT answers on localhost only', async () => {
    const port = await freePort();
    const other = await startStack({ env: { METRICS_PORT: String(port), LOG_LEVEL: 'warn' } });
    try {
      expect((await fetchMetrics({}, other.console.url)).status).toBe(404);
      const side = await fetchMetrics({}, `http://127.0.0.1:${port}`);
      expect(side.status).toBe(200);
      familyOf(parseScrape(await side.text()), 'console_http_request_duration_seconds');
    } finally {
      await other.close();
    }
  });
});

describe('the admin page’s last hour of provider calls', () => {
  it('gives the last success, error rate and p95, and forgets calls older than an hour', () => {
    let now = Date.parse('2026-06-01T12:00:00Z');
    const window = new ProviderWindow({ now: () => now });
    for (let i = 1; i <= 100; i++) window.record('sonlet', i / 100, i % 5 !== 0);
    const [sonlet, plugboard] = window.glance(['sonlet', 'plugboard']);
    expect(sonlet).toMatchObject({ calls: 100, errorRate: 0.2, p95Seconds: 0.95 });
    expect(sonlet!.lastSuccessAt?.getTime()).toBe(now);
    expect(plugboard).toMatchObject({ calls: 0, errorRate: null, p95Seconds: null, lastSuccessAt: null });

    now += 30 * 60_000;
    window.record('sonlet', 5, false);
    expect(window.glance(['sonlet'])[0]).toMatchObject({ calls: 101 });
    now += 31 * 60_000;
    expect(window.glance(['sonlet'])[0]).toMatchObject({ calls: 1, errorRate: 1, p95Seconds: 5 });
  });

  it('names operations without ids', () => {
    expect(operationName('GET', 'items/123/')).toBe('GET items/{id}');
    expect(operationName('GET', 'items/?page=3')).toBe('GET items');
    expect(operationName('PUT', '/api/product/000772bee96aae826403d0ed08590008')).toBe('PUT api/product/{id}');
  });
});
