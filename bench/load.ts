/**
 * Sustained load: 100 connections on the console's /items for 30 s (BENCH_SECONDS to change), the
 * Sonlet sandbox upstream in its own process. Prints requests/s, p99, errors (non-2xx answers plus
 * socket errors and timeouts; target 0) and the console's RSS before and after (target: within 20%).
 */
import { startBenchStack, load, cookieHeader, rssMb, type BenchStack } from './support.js';

export interface LoadFigures {
  seconds: number;
  connections: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  rssGrowthPercent: number;
}

export async function benchLoad(stack?: BenchStack, seconds = Number(process.env.BENCH_SECONDS ?? 30), connections = 100): Promise<LoadFigures> {
  const own = !stack;
  const s = stack ?? (await startBenchStack());
  try {
    const headers = { cookie: cookieHeader(s.seller) };
    // Warm up at the same concurrency (catalog cache, JIT, pools, the heap 100 requests in flight
    // need) so "before" is the steady state and growth afterwards means memory kept, not load.
    await load(`${s.consoleUrl}/items`, { connections, duration: 5, headers });
    const rssBeforeMb = await rssMb(s.consolePid);
    const result = await load(`${s.consoleUrl}/items`, { connections, duration: seconds, headers });
    // A moment for the last responses and a GC cycle's chance, as a long-running server would have.
    await new Promise((r) => setTimeout(r, 1000));
    const rssAfterMb = await rssMb(s.consolePid);
    const figures: LoadFigures = {
      seconds,
      connections,
      requests: result.requests,
      rps: result.rps,
      p50: result.p50,
      p99: result.p99,
      errors: result.errors + result.non2xx,
      rssBeforeMb: Math.round(rssBeforeMb),
      rssAfterMb: Math.round(rssAfterMb),
      rssGrowthPercent: Math.round(((rssAfterMb - rssBeforeMb) / rssBeforeMb) * 1000) / 10,
    };
    console.log(`\n## Sustained load on /items (${connections} connections, ${seconds} s)`);
    console.table({
      'requests/s': figures.rps,
      'p50 (ms)': figures.p50,
      'p99 (ms)': figures.p99,
      requests: figures.requests,
      'errors (non-2xx + socket, target 0)': `${figures.errors} (${result.non2xx} non-2xx, ${result.errors} socket/timeouts)`,
      'console RSS before (MB)': figures.rssBeforeMb,
      'console RSS after (MB)': figures.rssAfterMb,
      'RSS growth (target ≤ 20%)': `${figures.rssGrowthPercent}%`,
    });
    return figures;
  } finally {
    if (own) await s.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchLoad();
}
