/**
 * Items page: the console's /items beside its floor (bench/floor-server.ts: one upstream GET with a token
 * in memory, JSON.parse, one Eta render of the same template) and the sandbox's /api/v2/items/ called
 * directly. Same sandbox, same load generator, 50 connections, one run; floor and console take turns
 * (BENCH_ROUNDS, default 4, of 2 × BENCH_SECONDS / BENCH_ROUNDS seconds each).
 *
 * Two rounds: against the bare sandbox (an in-memory upstream that answers in well under a millisecond,
 * so the figures show each page's own cost), and with BENCH_UPSTREAM_LATENCY_MS (default 50) added at the
 * sandbox, closer to a real Sonlet reached over the internet. Then the idle memory of a console started in
 * sandbox mode, and a table of targets with PASS/MISS (figures, not assertions).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBenchStack, load, cookieHeader, spawnTs, benchDatabase, rssMb, cpuMs, type LoadResult } from './support.js';
import { freePortOnLoopback } from '../test/support/ports.js';

type Measured = LoadResult & { cpuMsPerPage: number };

interface Round {
  latencyMs: number;
  upstream: Measured;
  floor: Measured;
  console: Measured;
}

/**
 * A load run plus the CPU time the serving process spent per answer: on a machine shared with other
 * work, pages/s move with the load, CPU per page much less.
 */
async function measured(pid: number, run: () => Promise<LoadResult>): Promise<Measured> {
  const before = await cpuMs(pid);
  const result = await run();
  const cpuMsPerPage = Math.round(((await cpuMs(pid)) - before) / Math.max(result.requests, 1) * 100) / 100;
  return { ...result, cpuMsPerPage };
}

const CONNECTIONS = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);

/** Turns of one side put together: pages and CPU over all of them, latencies as the median turn's. */
function combined(turns: Measured[]): Measured {
  const requests = turns.reduce((n, t) => n + t.requests, 0);
  const median = (pick: (t: Measured) => number) => {
    const sorted = turns.map(pick).sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  return {
    requests,
    rps: Math.round(turns.reduce((n, t) => n + t.rps, 0) / turns.length),
    p50: median((t) => t.p50),
    p99: median((t) => t.p99),
    errors: turns.reduce((n, t) => n + t.errors, 0),
    non2xx: turns.reduce((n, t) => n + t.non2xx, 0),
    cpuMsPerPage: Math.round((turns.reduce((n, t) => n + t.cpuMsPerPage * t.requests, 0) / Math.max(requests, 1)) * 100) / 100,
  };
}

async function round(latencyMs: number, seconds: number): Promise<Round> {
  const s = await startBenchStack({}, [], { SANDBOX_LATENCY_MS: String(latencyMs) });
  const token = await s.accessToken();
  const floor = await spawnTs('bench/floor-server.ts', { SONLET_URL: s.sonletUrl, ACCESS_TOKEN: token, PORT: String(await freePortOnLoopback()) }, /floor listening at (\S+)/);
  try {
    const consoleHeaders = { cookie: cookieHeader(s.seller) };
    const turnSeconds = Math.max(2, Math.round((seconds * 2) / ROUNDS));
    const upstreamHeaders = { authorization: `Bearer ${token}` };
    const pages = {
      upstream: () => load(`${s.sonletUrl}/api/v2/items/`, { connections: CONNECTIONS, duration: seconds, headers: upstreamHeaders }),
      floor: () => load(`${floor.url}/items`, { connections: CONNECTIONS, duration: turnSeconds }),
      console: () => load(`${s.consoleUrl}/items`, { connections: CONNECTIONS, duration: turnSeconds, headers: consoleHeaders }),
    };
    // Warm every side (catalog cache, JIT, keep-alive pools) before measuring.
    await load(`${s.consoleUrl}/items`, { connections: 10, duration: 3, headers: consoleHeaders });
    await load(`${floor.url}/items`, { connections: 10, duration: 2 });
    await load(`${s.sonletUrl}/api/v2/items/`, { connections: 10, duration: 2, headers: upstreamHeaders });

    const upstream = await measured(s.sandboxPid, pages.upstream);
    // Floor and console take turns, in short rounds: this machine's speed drifts by ±15% from one
    // minute to the next, and turns spread that drift over both sides instead of landing on one.
    const turns: { floor: Measured[]; console: Measured[] } = { floor: [], console: [] };
    for (let i = 0; i < ROUNDS; i++) {
      turns.floor.push(await measured(floor.pid, pages.floor));
      turns.console.push(await measured(s.consolePid, pages.console));
    }
    const floorPage = combined(turns.floor);
    const consolePage = combined(turns.console);
    for (const r of [upstream, floorPage, consolePage]) if (r.errors + r.non2xx > 0) console.log(`warning: ${r.errors} errors, ${r.non2xx} non-2xx answers`);
    console.log(`\n## Items page, upstream latency ${latencyMs} ms (${CONNECTIONS} connections; sandbox ${seconds} s, floor and console ${ROUNDS} turns of ${turnSeconds} s each)`);
    console.table({ 'sandbox /api/v2/items/': upstream, 'floor /items': floorPage, 'console /items': consolePage });
    // One connection: what a single seller waits for, without queueing behind 49 others.
    const floor1 = await load(`${floor.url}/items`, { connections: 1, duration: 3 });
    const console1 = await load(`${s.consoleUrl}/items`, { connections: 1, duration: 3, headers: consoleHeaders });
    console.log(`one connection: console p50 ${console1.p50} ms vs floor ${floor1.p50} ms, p99 ${console1.p99} vs ${floor1.p99} ms`);
    return { latencyMs, upstream, floor: floorPage, console: consolePage };
  } finally {
    await floor.stop();
    await s.close();
  }
}

/** RSS of a console started in sandbox mode (its own Sonlet and Plugboard sandboxes), once it settles. */
export async function idleRssMb(settleMs = 5000): Promise<number> {
  const db = await benchDatabase();
  const port = await freePortOnLoopback();
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: db.url,
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'console-bench-idle-')),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    NODE_ENV: 'production',
  };
  // Sandbox mode: no Sonlet address of its own.
  const { SONLET_BASE_URL: _unset, ...inherited } = process.env;
  void _unset;
  const child = await spawnTs('src/server.ts', env, /open (http\S+)/, [], inherited);
  try {
    await new Promise((r) => setTimeout(r, settleMs));
    return await rssMb(child.pid);
  } finally {
    await child.stop();
    await db.close();
  }
}

const percent = (x: number) => `${(x * 100).toFixed(0)}%`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

export function targetsTable(bare: Round, slow: Round, rss: number) {
  const share = bare.console.rps / bare.floor.rps;
  const addedP50 = (slow.console.p50 - slow.floor.p50) / slow.floor.p50;
  const addedP99 = (slow.console.p99 - slow.floor.p99) / slow.floor.p99;
  const cpu = bare.floor.cpuMsPerPage / bare.console.cpuMsPerPage;
  return {
    [`CPU per page vs floor, bare sandbox (same figure, less moved by a busy machine)`]: { figure: `${bare.console.cpuMsPerPage} vs ${bare.floor.cpuMsPerPage} ms (${percent(cpu)} of floor's pages per CPU second)`, target: '≥ 50%', result: verdict(cpu >= 0.5) },
    [`pages/s vs floor, bare sandbox`]: { figure: `${bare.console.rps} vs ${bare.floor.rps} (${percent(share)})`, target: '≥ 50% of floor', result: verdict(share >= 0.5) },
    [`pages/s, first step`]: { figure: `${bare.console.rps}`, target: '≥ 2000', result: verdict(bare.console.rps >= 2000) },
    [`p50 added, ${slow.latencyMs} ms upstream`]: { figure: `${slow.console.p50} vs ${slow.floor.p50} ms (+${percent(addedP50)})`, target: '≤ 10%', result: verdict(addedP50 <= 0.1) },
    [`p99 added, ${slow.latencyMs} ms upstream`]: { figure: `${slow.console.p99} vs ${slow.floor.p99} ms (+${percent(addedP99)})`, target: '≤ 25%', result: verdict(addedP99 <= 0.25) },
    [`idle RSS, sandbox mode`]: { figure: `${Math.round(rss)} MB`, target: '< 275 MB (before)', result: verdict(rss < 275) },
  };
}

export async function benchItems(seconds = Number(process.env.BENCH_SECONDS ?? 10)) {
  const bare = await round(0, seconds);
  const slow = await round(Number(process.env.BENCH_UPSTREAM_LATENCY_MS ?? 50), seconds);
  const rss = await idleRssMb();
  console.log(`\n## Targets (${CONNECTIONS} connections; console against its floor in the same run)`);
  console.table(targetsTable(bare, slow, rss));
  return { bare, slow, rss };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchItems();
}
