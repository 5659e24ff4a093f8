/**
 * The process-level guard: a failure nobody awaited, inside a request, is logged as JSON with the
 * request id and answered with the error page, and the process keeps serving. A failure while
 * starting still ends the process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, inject, it } from 'vitest';

const FIXTURE = 'test/fixtures/guarded-console.ts';
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function start(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, DATABASE_URL: inject('databaseUrl'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const m = /^READY (\S+)/.exec(line);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before serving: ${stderr}`)));
  });
  return { child, lines, ready, exited, stderr: () => stderr };
}

const logged = (lines: string[]) => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('process guard', () => {
  it('answers a request whose work failed unawaited with the error page, logs it with the request id, and keeps serving', async () => {
    const proc = start();
    const url = await proc.ready;
    try {
      for (const path of ['/boom/rejection', '/boom/timer']) {
        const res = await fetch(`${url}${path}`, { headers: { 'x-request-id': `guard-test${path.replace(/\//g, '-')}` } });
        expect(res.status, path).toBe(500);
        expect(res.headers.get('content-type')).toMatch(/text\/html/);
        expect(await res.text()).toContain('Something went wrong');
        expect((await fetch(`${url}/healthz`)).status).toBe(200);
        const find = () => logged(proc.lines).find((l) => l.reqId === `guard-test${path.replace(/\//g, '-')}` && l.level === 50);
        // The answer can arrive before the child's log line has been read from its stdout.
        for (let i = 0; i < 100 && !find(); i++) await new Promise((r) => setTimeout(r, 20));
        const line = find();
        expect(line, proc.lines.join('\n')).toBeTruthy();
        expect(String(line!.msg)).toContain('unhandled error in a request');
      }
      expect(proc.child.exitCode).toBeNull();
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });

  it('a header value Node cannot write is dropped (a Location goes home) instead of throwing', async () => {
    const proc = start();
    const url = await proc.ready;
    try {
      const header = await fetch(`${url}/boom/header`);
      expect(header.status).toBe(200);
      expect(await header.text()).toBe('header dropped');
      expect(header.headers.get('x-echo')).toBeNull();
      expect(header.headers.getSetCookie()).toEqual([]);
      const location = await fetch(`${url}/boom/location`, { redirect: 'manual' });
      expect(location.status).toBe(302);
      expect(location.headers.get('location')).toBe('/');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });

  it('a failure while starting still ends the process', async () => {
    const proc = start({ FAIL_WHILE_STARTING: '1' });
    await expect(proc.ready).rejects.toThrow(/exited with 1/);
    expect(await proc.exited).toBe(1);
  });
});
