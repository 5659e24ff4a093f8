/** The Sonlet sandbox's schema document says what it serves; the 2,000-item seller pages like every other. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Item, type Page, type StartedSandbox, type TokenSet, bearer, form, getTokens, startTestSandbox } from './support/sonlet-sandbox.js';

let sb: StartedSandbox;
let demo: TokenSet;

beforeAll(async () => {
  sb = await startTestSandbox();
  demo = await getTokens(sb.url, 'demo');
});
afterAll(async () => {
  await sb?.close();
});

interface OpenApi {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
  components: {
    schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
    securitySchemes: { oauth2: { flows: { authorizationCode: { authorizationUrl: string; tokenUrl: string; scopes: Record<string, string> } } } };
  };
}

const getJson = async <T>(url: string, token = demo.access_token): Promise<{ status: number; body: T }> => {
  const res = await fetch(url, { headers: bearer(token) });
  return { status: res.status, body: (await res.json()) as T };
};

describe('GET /api/v2/schema/', () => {
  it('describes every endpoint the sandbox serves, and each answer has exactly the fields it lists', async () => {
    const res = await fetch(`${sb.url}/api/v2/schema/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as OpenApi;
    expect(doc.openapi).toMatch(/^3\./);
    const api = doc.servers[0]!.url;
    expect(api).toBe(`${sb.url}/api/v2`);
    expect(Object.keys(doc.paths).sort()).toEqual(['/images/', '/images/{id}/', '/itemchoices/', '/itemchoices/{id}/', '/items/', '/items/{id}/', '/sizes/', '/sizes/{id}/']);

    const schema = (name: string) => doc.components.schemas[name]!;
    for (const [path, component] of [['/items/', 'Item'], ['/images/', 'Image'], ['/itemchoices/', 'ItemChoice'], ['/sizes/', 'Size']] as const) {
      const page = await getJson<Page<Record<string, unknown>>>(`${api}${path}`);
      expect(page.status).toBe(200);
      expect(Object.keys(page.body).sort()).toEqual(Object.keys(schema(`Paginated${component}List`).properties!).sort());
      const first = page.body.results[0]!;
      expect({ path, fields: Object.keys(first).sort() }).toEqual({ path, fields: Object.keys(schema(component).properties!).sort() });
      const one = await getJson<Record<string, unknown>>(`${api}${path.replace(/\/$/, '')}/${String(first.pk)}/`);
      expect(one).toEqual({ status: 200, body: first });
    }

    // What the schema says a create requires is what the endpoint refuses without.
    const itemCreate = schema('ItemCreate');
    expect(doc.paths['/items/']!.post!.requestBody!.content['application/x-www-form-urlencoded']!.schema.$ref).toBe('#/components/schemas/ItemCreate');
    const empty = form({});
    const refused = await fetch(`${api}/items/`, { method: 'POST', body: empty.body, headers: { ...empty.headers, ...bearer(demo.access_token) } });
    expect(refused.status).toBe(400);
    expect(Object.keys((await refused.json()) as object).sort()).toEqual([...itemCreate.required!].sort());

    const oauth = doc.components.securitySchemes.oauth2.flows.authorizationCode;
    expect(oauth).toMatchObject({ authorizationUrl: `${sb.url}/o/authorize/`, tokenUrl: `${sb.url}/o/token/` });
    expect(Object.keys(oauth.scopes).sort()).toEqual(['read', 'write']);
  });
});

describe('the 2,000-item seller', () => {
  it('pages 2,000 items 20 at a time by following next to the end, each item once, the same on every start', async () => {
    const bulk = await getTokens(sb.url, 'bulk');
    const seen = new Set<number>();
    let url: string | null = `${sb.url}/api/v2/items/`;
    let pages = 0;
    let first: Page<Item> | null = null;
    while (url) {
      const page: { status: number; body: Page<Item> } = await getJson<Page<Item>>(url, bulk.access_token);
      expect(page.status).toBe(200);
      expect(page.body.count).toBe(2000);
      first ??= page.body;
      for (const item of page.body.results) seen.add(item.pk);
      pages++;
      url = page.body.next;
      if (url) expect(url).toBe(`${sb.url}/api/v2/items/?page=${pages + 1}`);
    }
    expect(pages).toBe(100);
    expect(seen.size).toBe(2000);
    const last = await getJson<Page<Item>>(`${sb.url}/api/v2/items/?page=100`, bulk.access_token);
    expect(last.body.previous).toBe(`${sb.url}/api/v2/items/?page=99`);
    expect(last.body.results).toHaveLength(20);

    // Deterministic: another sandbox generates the same first page.
    const again = await startTestSandbox();
    try {
      const other = await getJson<Page<Item>>(`${again.url}/api/v2/items/`, (await getTokens(again.url, 'bulk')).access_token);
      expect(other.body.results.map((i) => [i.pk, i.style, i.size, i.price, i.quantity, i.created])).toEqual(first!.results.map((i) => [i.pk, i.style, i.size, i.price, i.quantity, i.created]));
    } finally {
      await again.close();
    }
    // The other sellers are untouched by it.
    expect((await getJson<Page<Item>>(`${sb.url}/api/v2/items/`)).body.count).toBe(320);
  });
});
