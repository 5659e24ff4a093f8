/**
 * Items page: the console's /items against the sandbox's /api/v2/items/ called directly, same page size,
 * same machine, same run, 50 connections each. Prints p50/p99 latency, requests/s, and the ratio.
 *
 * Run twice: against the bare sandbox (an in-memory upstream that answers in well under a millisecond,
 * so the figures show the console's own cost per page), and with BENCH_UPSTREAM_LATENCY_MS (default 50)
 * added at the sandbox, closer to a real Sonlet reached over the internet.
 */
import { startBenchStack, load, cookieHeader, type LoadResult } from './support.js';

async function round(latencyMs: number, seconds: number): Promise<{ upstream: LoadResult; console: LoadResult }> {
  const s = await startBenchStack({}, [], { SANDBOX_LATENCY_MS: String(latencyMs) });
  try {
    const token = await s.accessToken();
    const consoleHeaders = { cookie: cookieHeader(s.seller) };
    const upstreamHeaders = { authorization: `Bearer ${token}` };
    // Warm both sides (catalog cache, JIT) before measuring.
    await load(`${s.consoleUrl}/items`, { connections: 10, duration: 2, headers: consoleHeaders });
    await load(`${s.sonletUrl}/api/v2/items/`, { connections: 10, duration: 2, headers: upstreamHeaders });

    const upstream = await load(`${s.sonletUrl}/api/v2/items/`, { connections: 50, duration: seconds, headers: upstreamHeaders });
    const consolePage = await load(`${s.consoleUrl}/items`, { connections: 50, duration: seconds, headers: consoleHeaders });
    console.log(`\n## Items page, upstream latency ${latencyMs} ms (50 connections, ${seconds} s each)`);
    console.table({ 'sandbox /api/v2/items/': upstream, 'console /items': consolePage });
    const added = (a: number, b: number) => `${(((a - b) / Math.max(b, 1)) * 100).toFixed(0)}%`;
    console.log(
      `console vs upstream: p50 ${consolePage.p50} vs ${upstream.p50} ms (adds ${added(consolePage.p50, upstream.p50)}), ` +
        `p99 ${consolePage.p99} vs ${upstream.p99} ms (adds ${added(consolePage.p99, upstream.p99)}), ` +
        `requests/s ${consolePage.rps} vs ${upstream.rps} (${(consolePage.rps / upstream.rps).toFixed(2)}x); target: adds < 25%`,
    );
    // One connection: what a single seller waits for, without queueing behind 49 others.
    const upstream1 = await load(`${s.sonletUrl}/api/v2/items/`, { connections: 1, duration: 4, headers: upstreamHeaders });
    const console1 = await load(`${s.consoleUrl}/items`, { connections: 1, duration: 4, headers: consoleHeaders });
    console.log(`one connection: p50 ${console1.p50} vs ${upstream1.p50} ms, p99 ${console1.p99} vs ${upstream1.p99} ms`);
    return { upstream, console: consolePage };
  } finally {
    await s.close();
  }
}

export async function benchItems(seconds = Number(process.env.BENCH_SECONDS ?? 10)) {
  const bare = await round(0, seconds);
  const realistic = await round(Number(process.env.BENCH_UPSTREAM_LATENCY_MS ?? 50), seconds);
  return { bare, realistic };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchItems();
}
