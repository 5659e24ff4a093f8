/**
 * Items page: the console's /items against the sandbox's /api/v2/items/ called directly, same page size,
 * same machine, same run, 50 connections each. Prints p50/p99 latency, requests/s, and the ratio.
 */
import { startBenchStack, load, cookieHeader, type BenchStack } from './support.js';

export async function benchItems(stack?: BenchStack, seconds = Number(process.env.BENCH_SECONDS ?? 10)) {
  const own = !stack;
  const s = stack ?? (await startBenchStack());
  try {
    const token = await s.accessToken();
    // Warm both sides (catalog cache, JIT) before measuring.
    await load(`${s.consoleUrl}/items`, { connections: 10, duration: 2, headers: { cookie: cookieHeader(s.seller) } });
    await load(`${s.sonletUrl}/api/v2/items/`, { connections: 10, duration: 2, headers: { authorization: `Bearer ${token}` } });

    const upstream = await load(`${s.sonletUrl}/api/v2/items/`, { connections: 50, duration: seconds, headers: { authorization: `Bearer ${token}` } });
    const consolePage = await load(`${s.consoleUrl}/items`, { connections: 50, duration: seconds, headers: { cookie: cookieHeader(s.seller) } });
    console.log('\n## Items page (50 connections, %d s each)', seconds);
    console.table({
      'sandbox /api/v2/items/': upstream,
      'console /items': consolePage,
    });
    console.log(
      `console/upstream: p50 ${(consolePage.p50 / upstream.p50).toFixed(2)}x, p99 ${(consolePage.p99 / upstream.p99).toFixed(2)}x, throughput ${(consolePage.rps / upstream.rps).toFixed(2)}x`,
    );
    // Single-connection latency shows what one seller waits for, without queueing.
    const upstream1 = await load(`${s.sonletUrl}/api/v2/items/`, { connections: 1, duration: 5, headers: { authorization: `Bearer ${token}` } });
    const console1 = await load(`${s.consoleUrl}/items`, { connections: 1, duration: 5, headers: { cookie: cookieHeader(s.seller) } });
    console.log(`one connection: upstream p50 ${upstream1.p50} ms, console p50 ${console1.p50} ms (adds ${console1.p50 - upstream1.p50} ms, ${(((console1.p50 - upstream1.p50) / Math.max(upstream1.p50, 1)) * 100).toFixed(0)}%)`);
    return { upstream, console: consolePage };
  } finally {
    if (own) await s.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchItems();
}
