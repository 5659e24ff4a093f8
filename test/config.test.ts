/**
 * Configuration: one schema, every bad variable reported at once, nothing written while reading;
 * generated secrets are an explicit start-up step and private on disk; TRUST_PROXY takes a hop
 * count or addresses, never `true`.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig, SETTING_NAMES } from '../src/config.js';
import { withKeptSecrets } from '../src/kept-secrets.js';
import { problemsOf } from './support/config-problems.js';
import { isLocalAddress, trustProxyOption } from '../src/web/trust-proxy.js';

const secrets = () => ({ SESSION_SECRET: randomBytes(32).toString('hex'), TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex') });
const mode = (file: string) => statSync(file).mode & 0o777;

describe('loading the configuration', () => {
  it('reports every bad variable at once, in words', () => {
    const problems = problemsOf({
      ...secrets(),
      PORT: 'eighty',
      SONLET_TIMEOUT_MS: '0',
      LOG_LEVEL: 'loud',
      PLUGBOARD_ALLOW_PRIVATE_HOSTS: 'maybe',
      PUBLIC_URL: 'console.example.com',
      TOKEN_ENCRYPTION_KEY: 'short',
      TRUST_PROXY: 'true',
      SESSION_SECRET: 'too short',
      PASSWORD_HASH_COST: '11',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'PORT must be a whole number.',
        'SONLET_TIMEOUT_MS must be at least 1.',
        expect.stringMatching(/^LOG_LEVEL must be one of fatal, error, warn, info/),
        'PLUGBOARD_ALLOW_PRIVATE_HOSTS must be true or false.',
        'SESSION_SECRET must be at least 32 characters.',
        expect.stringMatching(/^PUBLIC_URL must be an absolute URL/),
        expect.stringMatching(/^TOKEN_ENCRYPTION_KEY must be 32 bytes/),
        expect.stringMatching(/^TRUST_PROXY=true would let any client choose its own address/),
        'PASSWORD_HASH_COST must be at least 12.',
      ]),
    );
    expect(problems).toHaveLength(9);
    expect(problemsOf({ ...secrets(), PASSWORD_HASH_COST: '19' })).toEqual(['PASSWORD_HASH_COST must be at most 18.']);
  });

  it('background work and the web shop are configured through the same schema', () => {
    const defaults = loadConfig(secrets());
    expect(defaults.taskLeaseSeconds).toBe(60);
    expect(defaults.plugboard).toMatchObject({ maxAnswerBytes: 4 * 1024 * 1024, syncPeriodMs: 15 * 60_000, ordersPeriodMs: 5 * 60_000 });
    const set = loadConfig({ ...secrets(), TASK_LEASE_SECONDS: '9', PLUGBOARD_SYNC_MINUTES: '30', PLUGBOARD_ORDERS_POLL_MINUTES: '2', PLUGBOARD_MAX_ANSWER_BYTES: '2048' });
    expect(set.taskLeaseSeconds).toBe(9);
    expect(set.plugboard).toMatchObject({ maxAnswerBytes: 2048, syncPeriodMs: 30 * 60_000, ordersPeriodMs: 2 * 60_000 });
    expect(problemsOf({ ...secrets(), TASK_LEASE_SECONDS: '2', PLUGBOARD_MAX_ANSWER_BYTES: 'lots', PLUGBOARD_SYNC_MINUTES: '0', PLUGBOARD_ORDERS_POLL_MINUTES: '1.5' })).toEqual([
      'TASK_LEASE_SECONDS must be at least 3.',
      'PLUGBOARD_MAX_ANSWER_BYTES must be a whole number.',
      'PLUGBOARD_SYNC_MINUTES must be at least 1.',
      'PLUGBOARD_ORDERS_POLL_MINUTES must be a whole number.',
    ]);
  });

  it('production needs its credentials and secrets, all named together', () => {
    const problems = problemsOf({ SONLET_BASE_URL: 'https://sonlet.com' });
    expect(problems).toEqual([
      'SONLET_CLIENT_ID is required when SONLET_BASE_URL is set.',
      'SONLET_CLIENT_SECRET is required when SONLET_BASE_URL is set.',
      'SESSION_SECRET is required when SONLET_BASE_URL is set (see .env.example).',
      'TOKEN_ENCRYPTION_KEY is required when SONLET_BASE_URL is set (see .env.example).',
    ]);
  });

  it('empty values are unset (as compose passes them), defaults fill in, and nothing is written', () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'console-config-')), 'data');
    const config = loadConfig({ ...secrets(), DATA_DIR: dataDir, PORT: '', UPLOAD_MAX_BYTES: '', TRUST_PROXY: '', PLUGBOARD_ALLOW_PRIVATE_HOSTS: '', PASSWORD_HASH_COST: '' });
    expect(config.port).toBe(3000);
    expect(config.passwordHashCost).toBe(15);
    expect(config.uploads.maxBytes).toBe(20 * 1024 * 1024);
    expect(config.trustProxy).toBe(false);
    expect(config.plugboard.allowPrivateHosts).toBe(true);
    expect(config.timeouts).toEqual({ headersMs: 30_000, requestMs: 900_000, bodyIdleMs: 30_000 });
    expect(() => statSync(dataDir)).toThrow(/ENOENT/);
    // Sandbox mode without secrets: loading says what is missing instead of writing them.
    expect(problemsOf({ DATA_DIR: dataDir })).toEqual([expect.stringMatching(/^SESSION_SECRET is not set/), expect.stringMatching(/^TOKEN_ENCRYPTION_KEY is not set/)]);
    expect(() => statSync(dataDir)).toThrow(/ENOENT/);
  });
});

describe('addresses', () => {
  it('PUBLIC_URL is an origin; SONLET_BASE_URL is Sonlet itself; neither carries credentials, a query or a fragment', () => {
    const production = { ...secrets(), SONLET_CLIENT_ID: 'id', SONLET_CLIENT_SECRET: 'secret' };
    expect(problemsOf({ ...production, SONLET_BASE_URL: 'https://sonlet.com/api/v2/', PUBLIC_URL: 'https://console.example.com/?next=x' })).toEqual([
      'PUBLIC_URL must not have a query (?…) or fragment (#…).',
      expect.stringMatching(/^SONLET_BASE_URL must be Sonlet's address/),
    ]);
    expect(problemsOf({ ...production, SONLET_BASE_URL: 'https://beta.sonlet.com/o/', PUBLIC_URL: 'https://u:p@console.example.com' })).toEqual([
      'PUBLIC_URL must not contain a user name or password.',
      expect.stringMatching(/^SONLET_BASE_URL must be Sonlet's address/),
    ]);
    const fine = loadConfig({ ...production, SONLET_BASE_URL: 'https://beta.sonlet.com/', PUBLIC_URL: 'https://console.example.com/', DATABASE_URL: 'postgresql:///console?host=/var/run/postgresql' });
    expect(fine.publicUrl).toBe('https://console.example.com');
    expect(fine.sonlet.baseUrl).toBe('https://beta.sonlet.com');
    expect(fine.sonlet.redirectUri).toBe('https://console.example.com/cb');
    // On the machine itself plain HTTP is fine, even against the real Sonlet.
    expect(loadConfig({ ...production, SONLET_BASE_URL: 'https://sonlet.com', PUBLIC_URL: 'http://localhost:3000' }).secureCookies).toBe(false);
  });
});

describe('generated secrets (sandbox mode)', () => {
  it('are written once at start-up, 0600 in a 0700 folder, and read back the next time', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'console-secrets-')), 'data');
    const env = await withKeptSecrets({ DATA_DIR: dataDir });
    expect(env.SESSION_SECRET!.length).toBeGreaterThanOrEqual(32);
    const config = loadConfig(env);
    expect(config.tokenEncryptionKey).toHaveLength(32);
    expect(readdirSync(dataDir).sort()).toEqual(['session-secret', 'token-encryption-key']);
    expect(mode(dataDir)).toBe(0o700);
    for (const file of readdirSync(dataDir)) expect(mode(path.join(dataDir, file)), file).toBe(0o600);

    const again = await withKeptSecrets({ DATA_DIR: dataDir });
    expect(again.SESSION_SECRET).toBe(env.SESSION_SECRET);
    expect(again.TOKEN_ENCRYPTION_KEY).toBe(env.TOKEN_ENCRYPTION_KEY);
    expect(readFileSync(path.join(dataDir, 'session-secret'), 'utf8').trim()).toBe(env.SESSION_SECRET);
  });

  it('tightens a folder and files left open by an older version', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'console-secrets-')), 'data');
    mkdirSync(dataDir, { mode: 0o755 });
    writeFileSync(path.join(dataDir, 'session-secret'), `${'s'.repeat(64)}\n`, { mode: 0o644 });
    chmodSync(dataDir, 0o755);
    const env = await withKeptSecrets({ DATA_DIR: dataDir });
    expect(env.SESSION_SECRET).toBe('s'.repeat(64));
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, 'session-secret'))).toBe(0o600);
    expect(mode(path.join(dataDir, 'token-encryption-key'))).toBe(0o600);
  });

  it('a production environment is left alone', async () => {
    const env = { SONLET_BASE_URL: 'https://sonlet.com', DATA_DIR: path.join(tmpdir(), `never-${randomBytes(4).toString('hex')}`) };
    expect(await withKeptSecrets(env)).toBe(env);
    expect(() => statSync(env.DATA_DIR)).toThrow(/ENOENT/);
  });
});

describe('TRUST_PROXY', () => {
  it('takes false, a hop count or proxy addresses, and refuses anything else', () => {
    const trust = (value: string) => loadConfig({ ...secrets(), TRUST_PROXY: value }).trustProxy;
    expect(trust('false')).toBe(false);
    expect(trust('1')).toBe(1);
    expect(trust('10.0.0.5, 10.1.0.0/16,::1')).toEqual(['10.0.0.5', '10.1.0.0/16', '::1']);
    expect(problemsOf({ ...secrets(), TRUST_PROXY: 'yes please' })).toEqual([expect.stringMatching(/^TRUST_PROXY must be false, a hop count/)]);
    expect(problemsOf({ ...secrets(), TRUST_PROXY: '10.0.0.0/33' })).toEqual([expect.stringMatching(/not "10.0.0.0\/33"/)]);
  });

  it('a hop count trusts the nearest proxy only on a loopback or private address', () => {
    const fn = trustProxyOption(1) as (address: string, hop: number) => boolean;
    expect(fn('127.0.0.1', 0)).toBe(true);
    expect(fn('::ffff:172.18.0.3', 0)).toBe(true);
    expect(fn('203.0.113.9', 0)).toBe(false);
    expect(fn('10.0.0.1', 1)).toBe(false);
    const two = trustProxyOption(2) as (address: string, hop: number) => boolean;
    expect(two('198.51.100.7', 1)).toBe(true);
    expect(isLocalAddress('fd00::1')).toBe(true);
    expect(isLocalAddress('2001:db8::1')).toBe(false);
  });
});

describe('what a self-hoster is given', () => {
  const read = (file: string) => readFileSync(path.join(import.meta.dirname, '..', file), 'utf8');

  it('.env.example names every setting the console reads, and nothing it does not', () => {
    const named = [...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(new Set(named)).toEqual(new Set(SETTING_NAMES));
  });

  it('docker-compose.yml passes every setting into the console, bar those it sets itself or leaves out on purpose', () => {
    const compose = read('docker-compose.yml');
    const service = compose.slice(compose.indexOf('\n  console:'));
    const passed = new Set([...service.matchAll(/^ {6}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!));
    // METRICS_PORT listens on 127.0.0.1 inside the container, so compose says why it is left out.
    const leftOut = SETTING_NAMES.filter((name) => !passed.has(name));
    expect(leftOut).toEqual(['METRICS_PORT']);
    expect(service).toContain('METRICS_PORT is left out on purpose');
  });
});
