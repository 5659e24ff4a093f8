/**
 * The floor of the items page: a minimal Fastify page doing only the work no console can avoid, run
 * beside the console by bench/items.ts. Per page: one GET of the seller's items from the same Sonlet
 * sandbox with an access token held in memory (undici keep-alive, as the console), `JSON.parse`, and one
 * Eta render of the console's own items template in its layout. No session, no database, no security
 * headers, no request log: whatever the console spends beyond this is its own overhead.
 *
 * Env: SONLET_URL, ACCESS_TOKEN, PORT. Prints "floor listening at <url>" when ready.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { Eta } from 'eta';
import { Agent, request } from 'undici';

const VIEWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../views');
const sonletUrl = process.env.SONLET_URL!;
const accessToken = process.env.ACCESS_TOKEN!;
const dispatcher = new Agent({ connections: 128, keepAliveTimeout: 10_000 });
const eta = new Eta({ views: VIEWS_DIR, cache: true, autoEscape: true, autoTrim: [false, 'nl'] });

interface Named {
  pk: number;
  name: string;
}

async function getJson(pathOrUrl: string): Promise<Record<string, unknown>> {
  const res = await request(new URL(pathOrUrl, sonletUrl), { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, dispatcher });
  if (res.statusCode !== 200) throw new Error(`sonlet answered ${res.statusCode}`);
  return JSON.parse(await res.body.text()) as Record<string, unknown>;
}

async function all(listPath: string): Promise<Named[]> {
  const out: Named[] = [];
  for (let next: string | null = listPath; next; ) {
    const page = await getJson(next);
    out.push(...(page.results as Named[]));
    next = page.next as string | null;
  }
  return out;
}

// The console keeps the catalog (style and size names for the filters) in memory too: read once here.
const catalog = { styles: await all('/api/v2/itemchoices/'), sizes: await all('/api/v2/sizes/') };
const emptySearch = { q: '', min: null, max: null, stock: null, sort: null, freshAt: null };

const app = Fastify({ logger: false });
app.get<{ Querystring: { page?: string } }>('/items', async (req, reply) => {
  const page = Number(req.query.page ?? 1) || 1;
  const answer = await getJson(page > 1 ? `/api/v2/items/?page=${page}` : '/api/v2/items/');
  const items = answer.results as Array<{ pk: number }>;
  const count = answer.count as number;
  const pageSize = Math.max(items.length, 1);
  const html = eta.render('items', {
    title: 'Items',
    sandbox: false,
    userEmail: 'floor@example.com',
    isAdmin: false,
    csrf: () => 'floor-token',
    path: req.url,
    items,
    count,
    page,
    lastPage: Math.max(1, Math.ceil(count / pageSize)),
    pageSize,
    filters: { style: null, size: null },
    shop: null,
    catalog,
    plugboardReady: false,
    exports: {},
    soldOn: {},
    nothingSelected: false,
    search: emptySearch,
    scripts: ['/public/publish-select.js'],
  });
  return reply.type('text/html; charset=utf-8').send(html);
});

const url = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`floor listening at ${url}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
