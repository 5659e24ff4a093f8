/**
 * Search of a 2,000-item inventory (the Sonlet sandbox's seller `bulk`): the first search walks the whole
 * inventory into Postgres; every search after it is answered from there. Times are whole requests to
 * /items (session, query, rendering) as the seller's browser waits for them.
 */
import { HttpSession } from '../test/support/http.js';
import { connectSonlet } from '../test/support/oauth-walk.js';
import { startBenchStack } from './support.js';

const SEARCHES = ['q=navy', 'q=navy+floral&sort=price-asc', 'sort=price-desc', 'sort=qty-desc&stock=in-stock', 'min=30&max=50&sort=price-asc', 'stock=sold-out', 'q=s&page=3', 'q=elegant+m&sort=oldest'];
const ROUNDS = 10;

async function timed(seller: HttpSession, path: string): Promise<{ ms: number; total: number }> {
  const started = performance.now();
  const res = await seller.get(path);
  const html = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  return { ms, total: Number(/(\d+) in total/.exec(html)?.[1] ?? NaN) };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function benchSearch(): Promise<{ walkMs: number; p50: number; p95: number; max: number }> {
  const stack = await startBenchStack();
  try {
    const seller = new HttpSession(stack.consoleUrl);
    const signUp = await seller.submit('/sign-up', '/sign-up', { email: `bench-bulk-${Date.now()}@example.com`, password: 'benchmark password' });
    if (signUp.status !== 302) throw new Error(`sign-up failed with ${signUp.status}`);
    if ((await connectSonlet(seller, { username: 'bulk', password: 'bulk' })).status !== 302) throw new Error('connecting bulk failed');
    const first = await timed(seller, '/items?sort=newest');
    console.log(`first search (walks ${first.total} items into Postgres): ${first.ms.toFixed(0)} ms`);
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const query of SEARCHES) times.push((await timed(seller, `/items?${query}`)).ms);
    }
    times.sort((a, b) => a - b);
    const result = { walkMs: first.ms, p50: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1)! };
    console.log(`${times.length} searches of ${first.total} items (${SEARCHES.length} kinds × ${ROUNDS}): p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms, max ${result.max.toFixed(1)} ms (target: under 100 ms)`);
    return result;
  } finally {
    await stack.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSearch();
