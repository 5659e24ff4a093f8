import { isIP } from 'node:net';
import path from 'node:path';
import envSchema from 'env-schema';
import { Type, type Static } from 'typebox';
import { checkDatabaseUrl, consoleUrl, sonletUrl } from './config-urls.js';
import { DEFAULT_COST, MAX_COST, MIN_COST } from './accounts/password.js';

/** Everything the console reads from its environment, parsed once and typed. */
export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  /** True when PUBLIC_URL is https: cookies get the Secure flag. */
  secureCookies: boolean;
  /** Fastify's trustProxy: false, a hop count, or the proxies' addresses. Never `true`. */
  trustProxy: false | number | string[];
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
  /** A process holds a background task this long without renewing (renewed every third); then another may take it over. */
  taskLeaseSeconds: number;
  /** scrypt's cost for new password hashes, as a power of two. */
  passwordHashCost: number;
  /** allowPrivateHosts: Plugboard base URLs may point at loopback/private hosts (the local sandbox). */
  plugboard: {
    userAgent: string;
    timeoutMs: number;
    maxAnswerBytes: number;
    allowPrivateHosts: boolean;
    /** How often published items are compared with Sonlet and re-sent when they changed. */
    syncPeriodMs: number;
    /** How often the shop's orders are polled. */
    ordersPeriodMs: number;
  };
  /** `failedSignInsPerAccount`: failed sign-ins one account takes in `failedSignInWindowMs`, from any address, before it rests. */
  rateLimit: { signInPerMinute: number; failedSignInsPerAccount: number; failedSignInWindowMs: number; uploadsPerMinute: number; anonymousPagesPerMinute: number };
  /** How long a client may take: to send its headers, its whole request (0: no limit), and between two pieces of a body. */
  timeouts: { headersMs: number; requestMs: number; bodyIdleMs: number };
  /** Who may create an account once the owner exists: invited people only, anyone, or nobody. */
  signup: SignupMode;
  auditRetentionDays: number;
  /** GET /metrics: off unless a token is set (then Bearer-only) or a localhost-only port is given. */
  metrics: { token: string | null; port: number | null };
}

export type SignupMode = 'invite' | 'open' | 'closed';

/** Every problem with the environment, one line each. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export const SANDBOX_CONSOLE_CLIENT = { clientId: 'console-sandbox', clientSecret: 'console-sandbox-secret' } as const;
export const SANDBOX_TOOLS_CLIENT = { clientId: 'sandbox-tools', clientSecret: 'sandbox-tools-secret' } as const;

const APP_VERSION = '0.1.0';
/** How far back failed sign-ins count against an account. */
const FAILED_SIGN_IN_WINDOW_MS = 15 * 60_000;

type Env = Record<string, string | undefined>;

const whole = (min: number, fallback: number, max?: number) => Type.Integer({ minimum: min, default: fallback, ...(max === undefined ? {} : { maximum: max }) });

/** The environment the console reads: names, types, ranges and defaults in one place (README lists the same). */
const EnvSchema = Type.Object({
  PORT: whole(0, 3000, 65535),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  PUBLIC_URL: Type.Optional(Type.String()),
  TRUST_PROXY: Type.String({ default: 'false' }),
  DATABASE_URL: Type.Optional(Type.String()),
  DATA_DIR: Type.String({ minLength: 1, default: './.data' }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  SESSION_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  TOKEN_ENCRYPTION_KEY: Type.Optional(Type.String()),
  SONLET_BASE_URL: Type.Optional(Type.String()),
  SONLET_CLIENT_ID: Type.Optional(Type.String()),
  SONLET_CLIENT_SECRET: Type.Optional(Type.String()),
  SONLET_TIMEOUT_MS: whole(1, 10_000),
  SONLET_REFRESH_LEEWAY_SECONDS: whole(0, 3600),
  SONLET_MAX_ANSWER_BYTES: whole(1024, 4 * 1024 * 1024),
  SONLET_MAX_WALK_PAGES: whole(1, 500),
  SANDBOX_REQUIRE_PKCE: Type.Boolean({ default: false }),
  CATALOG_TTL_SECONDS: whole(0, 3600),
  SUMMARY_TTL_SECONDS: whole(0, 900),
  UPLOAD_MAX_BYTES: whole(1, 20 * 1024 * 1024),
  UPLOAD_CONCURRENCY: whole(1, 4),
  UPLOAD_RETRY_LIMIT: whole(0, 5),
  UPLOAD_RETRY_DELAY_SECONDS: whole(1, 5),
  TASK_LEASE_SECONDS: whole(3, 60),
  SIGN_IN_RATE_LIMIT: whole(1, 10),
  SIGN_IN_FAILURES_PER_ACCOUNT: whole(1, 20),
  PASSWORD_HASH_COST: whole(MIN_COST, DEFAULT_COST, MAX_COST),
  UPLOAD_RATE_LIMIT: whole(1, 240),
  ANONYMOUS_PAGE_RATE_LIMIT: whole(1, 120),
  PLUGBOARD_TIMEOUT_MS: whole(1, 15_000),
  PLUGBOARD_MAX_ANSWER_BYTES: whole(1024, 4 * 1024 * 1024),
  PLUGBOARD_SYNC_MINUTES: whole(1, 15),
  PLUGBOARD_ORDERS_POLL_MINUTES: whole(1, 5),
  PLUGBOARD_ALLOW_PRIVATE_HOSTS: Type.Optional(Type.Boolean()),
  CONTACT_EMAIL: Type.String({ minLength: 3, default: 'admin@example.com' }),
  HEADERS_TIMEOUT_SECONDS: whole(1, 30),
  REQUEST_TIMEOUT_SECONDS: whole(0, 900),
  BODY_IDLE_TIMEOUT_SECONDS: whole(1, 30),
  SIGNUP: Type.Optional(Type.Enum(['invite', 'open', 'closed'])),
  AUDIT_RETENTION_DAYS: whole(1, 90),
  // A short token is guessable, and /metrics tells a lot about the console.
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  METRICS_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
});

type ParsedEnv = Static<typeof EnvSchema>;

/** Where generated secrets and the embedded Postgres live; also needed before the rest is read. */
/** Every variable the console reads, for checking that .env.example and docker-compose.yml name them all. */
export const SETTING_NAMES: readonly string[] = Object.keys(EnvSchema.properties);

export function dataDirOf(env: Env): string {
  return path.resolve(env.DATA_DIR || './.data');
}

/** True when no real Sonlet is configured. */
export function isSandbox(env: Env): boolean {
  return !env.SONLET_BASE_URL;
}

/**
 * Reads and checks the whole environment, and reports every bad variable at once. Writes nothing:
 * secrets the self-hoster did not set are generated by an explicit start-up step (kept-secrets.ts).
 */
export function loadConfig(env: Env = process.env): Config {
  // An empty value (`SESSION_SECRET=` in .env, compose's `${X:-}`) means "not set".
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const problems: string[] = [];
  let parsed: ParsedEnv;
  try {
    parsed = envSchema<ParsedEnv>({ schema: structuredClone(EnvSchema) as object, data: given, env: false });
  } catch (err) {
    const errors = (err as { errors?: AjvError[] }).errors;
    if (!errors) throw err;
    problems.push(...describe(errors));
    // Defaults stand in for the bad values, so the checks below still report what else is wrong.
    parsed = envSchema<ParsedEnv>({ schema: structuredClone(EnvSchema) as object, data: withoutBad(given, errors), env: false });
  }
  const problem = (message: string) => {
    problems.push(message);
    return null;
  };

  const sandbox = isSandbox(given);
  const publicUrl = consoleUrl(parsed.PUBLIC_URL ?? `http://localhost:${parsed.PORT}`, sandbox, problem) ?? 'http://localhost';
  if (!sandbox) {
    for (const name of ['SONLET_CLIENT_ID', 'SONLET_CLIENT_SECRET'] as const) if (!parsed[name]) problem(`${name} is required when SONLET_BASE_URL is set.`);
  }
  for (const name of ['SESSION_SECRET', 'TOKEN_ENCRYPTION_KEY'] as const) {
    if (!given[name]) problem(sandbox ? `${name} is not set (npm start generates one in DATA_DIR; set it yourself otherwise).` : `${name} is required when SONLET_BASE_URL is set (see .env.example).`);
  }
  const tokenEncryptionKey = parsed.TOKEN_ENCRYPTION_KEY ? parseKey(parsed.TOKEN_ENCRYPTION_KEY, problem) : null;
  const trustProxy = parseTrustProxy(parsed.TRUST_PROXY, problem);
  const sonletBaseUrl = sandbox ? `${publicUrl}/sandbox/sonlet` : sonletUrl(parsed.SONLET_BASE_URL!, problem);
  if (parsed.DATABASE_URL !== undefined) checkDatabaseUrl(parsed.DATABASE_URL, problem);

  if (parsed.REQUEST_TIMEOUT_SECONDS > 0 && parsed.HEADERS_TIMEOUT_SECONDS > parsed.REQUEST_TIMEOUT_SECONDS) problem('HEADERS_TIMEOUT_SECONDS must not be longer than REQUEST_TIMEOUT_SECONDS.');
  if (problems.length) throw new ConfigError(problems);
  return {
    port: parsed.PORT,
    host: parsed.HOST,
    publicUrl,
    secureCookies: publicUrl.startsWith('https:'),
    trustProxy: trustProxy!,
    dataDir: dataDirOf(given),
    databaseUrl: parsed.DATABASE_URL,
    logLevel: parsed.LOG_LEVEL,
    sessionSecret: parsed.SESSION_SECRET!,
    tokenEncryptionKey: tokenEncryptionKey!,
    sandbox,
    sandboxRequirePkce: parsed.SANDBOX_REQUIRE_PKCE,
    sonlet: {
      baseUrl: sonletBaseUrl!,
      clientId: sandbox ? SANDBOX_CONSOLE_CLIENT.clientId : parsed.SONLET_CLIENT_ID!,
      clientSecret: sandbox ? SANDBOX_CONSOLE_CLIENT.clientSecret : parsed.SONLET_CLIENT_SECRET!,
      redirectUri: `${publicUrl}/cb`,
      timeoutMs: parsed.SONLET_TIMEOUT_MS,
      refreshLeewaySeconds: parsed.SONLET_REFRESH_LEEWAY_SECONDS,
      maxAnswerBytes: parsed.SONLET_MAX_ANSWER_BYTES,
      maxWalkPages: parsed.SONLET_MAX_WALK_PAGES,
    },
    catalogTtlSeconds: parsed.CATALOG_TTL_SECONDS,
    summaryTtlSeconds: parsed.SUMMARY_TTL_SECONDS,
    uploads: {
      maxBytes: parsed.UPLOAD_MAX_BYTES,
      concurrency: parsed.UPLOAD_CONCURRENCY,
      retryLimit: parsed.UPLOAD_RETRY_LIMIT,
      retryDelaySeconds: parsed.UPLOAD_RETRY_DELAY_SECONDS,
    },
    taskLeaseSeconds: parsed.TASK_LEASE_SECONDS,
    passwordHashCost: parsed.PASSWORD_HASH_COST,
    plugboard: {
      userAgent: `sonlet-seller-console/${APP_VERSION} (${parsed.CONTACT_EMAIL})`,
      timeoutMs: parsed.PLUGBOARD_TIMEOUT_MS,
      maxAnswerBytes: parsed.PLUGBOARD_MAX_ANSWER_BYTES,
      syncPeriodMs: parsed.PLUGBOARD_SYNC_MINUTES * 60_000,
      ordersPeriodMs: parsed.PLUGBOARD_ORDERS_POLL_MINUTES * 60_000,
      allowPrivateHosts: parsed.PLUGBOARD_ALLOW_PRIVATE_HOSTS ?? sandbox,
    },
    rateLimit: {
      signInPerMinute: parsed.SIGN_IN_RATE_LIMIT,
      failedSignInsPerAccount: parsed.SIGN_IN_FAILURES_PER_ACCOUNT,
      failedSignInWindowMs: FAILED_SIGN_IN_WINDOW_MS,
      uploadsPerMinute: parsed.UPLOAD_RATE_LIMIT, anonymousPagesPerMinute: parsed.ANONYMOUS_PAGE_RATE_LIMIT },
    timeouts: { headersMs: parsed.HEADERS_TIMEOUT_SECONDS * 1000, requestMs: parsed.REQUEST_TIMEOUT_SECONDS * 1000, bodyIdleMs: parsed.BODY_IDLE_TIMEOUT_SECONDS * 1000 },
    // A newcomer trying the sandbox signs up without an invitation; a real console is invite-only.
    signup: parsed.SIGNUP ?? (sandbox ? 'open' : 'invite'),
    auditRetentionDays: parsed.AUDIT_RETENTION_DAYS,
    metrics: { token: parsed.METRICS_TOKEN ?? null, port: parsed.METRICS_PORT ?? null },
  };
}

export type Problem = (message: string) => null;

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** One line per bad variable, in the self-hoster's words. */
function describe(errors: AjvError[]): string[] {
  const lines = new Map<string, string>();
  for (const e of errors) {
    const name = e.instancePath.replace(/^\//, '');
    if (!name || lines.has(name)) continue;
    const p = e.params;
    const what =
      e.keyword === 'type' ? (p.type === 'integer' ? 'must be a whole number' : p.type === 'boolean' ? 'must be true or false' : `must be a ${String(p.type)}`)
      : e.keyword === 'minimum' ? `must be at least ${String(p.limit)}`
      : e.keyword === 'maximum' ? `must be at most ${String(p.limit)}`
      : e.keyword === 'minLength' ? `must be at least ${String(p.limit)} characters`
      : e.keyword === 'enum' ? `must be one of ${(p.allowedValues as string[]).join(', ')}`
      : (e.message ?? 'is not valid');
    lines.set(name, `${name} ${what}.`);
  }
  return [...lines.values()];
}

function withoutBad(env: Env, errors: AjvError[]): Env {
  const bad = new Set(errors.map((e) => e.instancePath.replace(/^\//, '')));
  return Object.fromEntries(Object.entries(env).filter(([name]) => !bad.has(name)));
}

function parseKey(raw: string, problem: Problem): Buffer | null {
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  return key.length === 32 ? key : problem('TOKEN_ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64 (openssl rand -hex 32).');
}

/**
 * Whom to believe about the client's address. `true` would believe the left-most X-Forwarded-For,
 * which any client can write, so every request could claim a fresh address and no per-address
 * limit would hold: only a hop count or the proxies' own addresses are accepted.
 */
export function parseTrustProxy(raw: string, problem: Problem): Config['trustProxy'] | null {
  const value = raw.trim().toLowerCase();
  if (value === 'false' || value === '0' || value === '') return false;
  if (value === 'true') {
    return problem('TRUST_PROXY=true would let any client choose its own address through X-Forwarded-For. Set the number of proxies in front of the console (1 for one nginx or Caddy) or their addresses (for example 10.0.0.5 or 10.0.0.0/24).');
  }
  if (/^\d+$/.test(value)) return Number(value) <= 10 ? Number(value) : problem('TRUST_PROXY as a hop count must be at most 10.');
  const addresses = raw.split(',').map((a) => a.trim()).filter(Boolean);
  const bad = addresses.filter((a) => !isAddressOrRange(a));
  if (bad.length) return problem(`TRUST_PROXY must be false, a hop count such as 1, or proxy addresses such as 10.0.0.5 or 10.0.0.0/24; not ${bad.map((b) => `"${b}"`).join(', ')}.`);
  return addresses;
}

function isAddressOrRange(value: string): boolean {
  const [address, bits, ...rest] = value.split('/');
  if (rest.length || !address) return false;
  const family = isIP(address);
  if (!family) return ['loopback', 'linklocal', 'uniquelocal'].includes(value);
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}
