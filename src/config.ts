import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** Everything the console reads from its environment, parsed once and typed. */
export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  /** True when PUBLIC_URL is https: cookies get the Secure flag. */
  secureCookies: boolean;
  trustProxy: boolean | string;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: string;
  sessionSecret: string;
  /** 32 bytes for AES-256-GCM. */
  tokenEncryptionKey: Buffer;
  /** Sandbox mode: SONLET_BASE_URL unset, so the console serves stand-ins for Sonlet and Plugboard itself. */
  sandbox: boolean;
  /** The Sonlet sandbox refuses authorization requests without PKCE (SANDBOX_REQUIRE_PKCE=true). */
  sandboxRequirePkce: boolean;
  sonlet: {
    baseUrl: string;
    clientId: string;
    clientSecret: string;
    redirectUri: string;
    timeoutMs: number;
    /** Refresh when the access token has less than this left, instead of waiting for a 401. */
    refreshLeewaySeconds: number;
    /** Largest JSON answer read from Sonlet; past it the connection is cut. */
    maxAnswerBytes: number;
    /** Most pages any walk of Sonlet's `next` links reads. */
    maxWalkPages: number;
  };
  catalogTtlSeconds: number;
  summaryTtlSeconds: number;
  uploads: {
    maxBytes: number;
    /** Photos worked on at once per console process. */
    concurrency: number;
    /** Queue retries of an upload after a transient failure, before it is shown as failed (Retry button). */
    retryLimit: number;
    /** First delay between those retries; doubles each time. */
    retryDelaySeconds: number;
  };
  /** allowPrivateHosts: Plugboard base URLs may point at loopback/private hosts (the local sandbox). */
  plugboard: { userAgent: string; timeoutMs: number; allowPrivateHosts: boolean };
  rateLimit: { signInPerMinute: number; uploadsPerMinute: number; anonymousPagesPerMinute: number };
  /** Who may create an account once the owner exists: invited people only, anyone, or nobody. */
  signup: SignupMode;
  auditRetentionDays: number;
  /** GET /metrics: off unless a token is set (then Bearer-only) or a localhost-only port is given. */
  metrics: { token: string | null; port: number | null };
}

export type SignupMode = 'invite' | 'open' | 'closed';

export class ConfigError extends Error {}

export const SANDBOX_CONSOLE_CLIENT = { clientId: 'console-sandbox', clientSecret: 'console-sandbox-secret' } as const;
export const SANDBOX_TOOLS_CLIENT = { clientId: 'sandbox-tools', clientSecret: 'sandbox-tools-secret' } as const;

const APP_VERSION = '0.1.0';

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

function url(name: string, raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got "${raw}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(`${name} must be http(s)`);
  return parsed.toString().replace(/\/+$/, '');
}

/**
 * A secret the self-hoster did not set is generated once and kept in the data directory,
 * so restarts keep sessions valid and tokens decryptable.
 */
function keptSecret(dataDir: string, file: string, bytes: number): string {
  const target = path.join(dataDir, file);
  if (existsSync(target)) return readFileSync(target, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(bytes).toString('base64');
  writeFileSync(target, value + '\n', { mode: 0o600 });
  return value;
}

function parseKey(raw: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new ConfigError('TOKEN_ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64');
  return key;
}

export function loadConfig(env: Env = process.env): Config {
  const port = int(env, 'PORT', 3000);
  const publicUrl = url('PUBLIC_URL', env.PUBLIC_URL || `http://localhost:${port}`);
  const dataDir = path.resolve(env.DATA_DIR || './.data');
  const sandbox = !env.SONLET_BASE_URL;

  if (!sandbox && (!env.SONLET_CLIENT_ID || !env.SONLET_CLIENT_SECRET)) {
    throw new ConfigError('SONLET_CLIENT_ID and SONLET_CLIENT_SECRET are required when SONLET_BASE_URL is set');
  }
  if (!sandbox && (!env.TOKEN_ENCRYPTION_KEY || !env.SESSION_SECRET)) {
    throw new ConfigError('TOKEN_ENCRYPTION_KEY and SESSION_SECRET are required when SONLET_BASE_URL is set (see .env.example)');
  }

  const sessionSecret = env.SESSION_SECRET || keptSecret(dataDir, 'session-secret', 48);
  if (sessionSecret.length < 32) throw new ConfigError('SESSION_SECRET must be at least 32 characters');
  const tokenEncryptionKey = parseKey(env.TOKEN_ENCRYPTION_KEY || keptSecret(dataDir, 'token-encryption-key', 32));

  const trustProxyRaw = env.TRUST_PROXY ?? '';
  const trustProxy = trustProxyRaw === '' || trustProxyRaw === 'false' ? false : trustProxyRaw === 'true' ? true : trustProxyRaw;

  const requirePkce = env.SANDBOX_REQUIRE_PKCE ?? '';
  if (!['', 'true', 'false'].includes(requirePkce)) throw new ConfigError(`SANDBOX_REQUIRE_PKCE must be true or false, got "${requirePkce}"`);

  return {
    port,
    host: env.HOST || '0.0.0.0',
    publicUrl,
    secureCookies: publicUrl.startsWith('https:'),
    trustProxy,
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    sessionSecret,
    tokenEncryptionKey,
    sandbox,
    sandboxRequirePkce: requirePkce === 'true',
    sonlet: {
      baseUrl: sandbox ? `${publicUrl}/sandbox/sonlet` : url('SONLET_BASE_URL', env.SONLET_BASE_URL!),
      clientId: sandbox ? SANDBOX_CONSOLE_CLIENT.clientId : env.SONLET_CLIENT_ID!,
      clientSecret: sandbox ? SANDBOX_CONSOLE_CLIENT.clientSecret : env.SONLET_CLIENT_SECRET!,
      redirectUri: `${publicUrl}/cb`,
      timeoutMs: int(env, 'SONLET_TIMEOUT_MS', 10_000, 1),
      refreshLeewaySeconds: int(env, 'SONLET_REFRESH_LEEWAY_SECONDS', 3600),
      maxAnswerBytes: int(env, 'SONLET_MAX_ANSWER_BYTES', 4 * 1024 * 1024, 1024),
      maxWalkPages: int(env, 'SONLET_MAX_WALK_PAGES', 500, 1),
    },
    catalogTtlSeconds: int(env, 'CATALOG_TTL_SECONDS', 3600),
    summaryTtlSeconds: int(env, 'SUMMARY_TTL_SECONDS', 900),
    uploads: {
      maxBytes: int(env, 'UPLOAD_MAX_BYTES', 20 * 1024 * 1024, 1),
      concurrency: int(env, 'UPLOAD_CONCURRENCY', 4, 1),
      retryLimit: int(env, 'UPLOAD_RETRY_LIMIT', 5),
      retryDelaySeconds: int(env, 'UPLOAD_RETRY_DELAY_SECONDS', 5, 1),
    },
    plugboard: {
      userAgent: `sonlet-seller-console/${APP_VERSION} (${env.CONTACT_EMAIL || 'admin@example.com'})`,
      timeoutMs: int(env, 'PLUGBOARD_TIMEOUT_MS', 15_000, 1),
      allowPrivateHosts: env.PLUGBOARD_ALLOW_PRIVATE_HOSTS ? env.PLUGBOARD_ALLOW_PRIVATE_HOSTS === 'true' : sandbox,
    },
    rateLimit: { signInPerMinute: int(env, 'SIGN_IN_RATE_LIMIT', 10, 1), uploadsPerMinute: int(env, 'UPLOAD_RATE_LIMIT', 240, 1), anonymousPagesPerMinute: int(env, 'ANONYMOUS_PAGE_RATE_LIMIT', 120, 1) },
    signup: signupMode(env.SIGNUP, sandbox),
    auditRetentionDays: int(env, 'AUDIT_RETENTION_DAYS', 90, 1),
    metrics: metricsSettings(env),
  };
}

function signupMode(raw: string | undefined, sandbox: boolean): SignupMode {
  // A newcomer trying the sandbox signs up without an invitation; a real console is invite-only.
  if (raw === undefined || raw === '') return sandbox ? 'open' : 'invite';
  if (raw === 'invite' || raw === 'open' || raw === 'closed') return raw;
  throw new ConfigError(`SIGNUP must be invite, open or closed, got "${raw}"`);
}

function metricsSettings(env: Env): Config['metrics'] {
  const token = env.METRICS_TOKEN || null;
  // A short token is guessable, and /metrics tells a lot about the console.
  if (token !== null && token.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
  const port = env.METRICS_PORT ? int(env, 'METRICS_PORT', 0, 1) : null;
  return { token, port };
}
