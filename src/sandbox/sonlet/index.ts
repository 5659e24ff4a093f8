/**
 * Sonlet sandbox: a faithful local stand-in for sonlet.com (django-oauth-toolkit OAuth 2 +
 * Django REST framework API v2) for development, demos and tests.
 *
 *   const sandbox = await createSonletSandbox({ clients: [...] });
 *   await app.register(sandbox.plugin, { prefix: '/sandbox/sonlet' });
 *
 * or on its own port: `const { url, sandbox, close } = await startSonletSandbox({ clients: [...] })`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyRequest } from 'fastify';
import { apiRouteAllow, registerApiRoutes } from './api.js';
import {
  type SandboxClient,
  type SandboxContext,
  type SandboxSettings,
  type SonletSandboxFaults,
  type SonletSandboxOptions,
  type ToolsState,
  relativePath,
} from './context.js';
import { SANDBOX_CSS, esc } from '../html.js';
import { sonletPage as sendPage } from './page.js';
import { MediaStore } from './media.js';
import { registerOAuthRoutes } from './oauth.js';
import { SEED_SELLERS } from './seed-catalog.js';
import { SandboxStore } from './store.js';

export type { SandboxClient, SonletSandboxFaults, SonletSandboxOptions } from './context.js';

const DEFAULT_TTL_S = 1_209_600;
const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export class SonletSandbox {
  faults: SonletSandboxFaults = { latencyMs: 0, errorRate: 0, dropAfterCommitRate: 0, unavailable: false, commitDelayMs: 0, listOldestFirst: false, ignoreItemFilters: false };
  readonly stats: { tokenRequests: number; apiRequests: number; byPath: Map<string, number> } = {
    tokenRequests: 0,
    apiRequests: 0,
    byPath: new Map(),
  };
  readonly plugin: FastifyPluginAsync;

  private publicUrl: string | null;
  private readonly ctx: SandboxContext;
  private closed = false;

  /** Use createSonletSandbox(). */
  constructor(
    opts: SonletSandboxOptions,
    private readonly store: SandboxStore,
    media: MediaStore,
    private readonly tmpDir: string | null,
  ) {
    this.publicUrl = opts.publicUrl ? stripSlash(opts.publicUrl) : null;
    const settings: SandboxSettings = {
      accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? DEFAULT_TTL_S,
      requirePkce: opts.requirePkce ?? true,
      pageSize: opts.pageSize ?? 20,
      maxUploadBytes: opts.maxUploadBytes ?? MAX_UPLOAD_BYTES,
    };
    const clients = new Map<string, SandboxClient>(opts.clients.map((c) => [c.clientId, { ...c, redirectUris: [...c.redirectUris] }]));
    const toolStates = new Map<string, ToolsState>();
    this.ctx = {
      store,
      media,
      settings,
      clients,
      toolStates,
      dropAfterCommit: new WeakSet(),
      faults: () => this.faults,
      baseUrl: (request, prefix) => this.publicUrl ?? `${request.protocol}://${request.host}${prefix}`,
      redirectUris: (client, request, prefix) => {
        const base = this.ctx.baseUrl(request, prefix);
        return client.redirectUris.map((u) => (u.startsWith('/') ? `${base}${u}` : u));
      },
    };
    this.plugin = async (app) => this.setup(app);
  }

  resetStats(): void {
    this.stats.tokenRequests = 0;
    this.stats.apiRequests = 0;
    this.stats.byPath.clear();
  }

  setPublicUrl(url: string): void {
    this.publicUrl = stripSlash(url);
  }

  /** Makes current access tokens expired (all, or one seller's). */
  expireAccessTokens(username?: string): void {
    const past = Date.now() - 1000;
    for (const t of this.store.accessTokens.values()) if (!username || t.username === username) t.expiresAt = Math.min(t.expiresAt, past);
    this.store.changed();
  }

  /** Revokes refresh tokens (all, or one seller's), so refreshing answers invalid_grant. */
  revokeRefreshTokens(username?: string): void {
    for (const t of this.store.refreshTokens.values()) if (!username || t.username === username) t.revoked = true;
    this.store.changed();
  }

  /** Flushes persisted state (and removes the temporary files dir when no dataDir was given). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.store.flush();
    if (this.tmpDir) await rm(this.tmpDir, { recursive: true, force: true });
  }

  private async setup(app: FastifyInstance): Promise<void> {
    const prefix = app.prefix;
    const ctx = this.ctx;

    // Own body parsers in this encapsulated scope, whatever the parent registered.
    if (app.hasContentTypeParser('application/x-www-form-urlencoded')) {
      app.removeContentTypeParser('application/x-www-form-urlencoded');
    }
    await app.register(formbody);
    if (!app.hasRequestDecorator('parts')) {
      if (app.hasContentTypeParser('multipart/form-data')) app.removeContentTypeParser('multipart/form-data');
      await app.register(multipart, { limits: { fileSize: ctx.settings.maxUploadBytes, files: 10 } });
    }

    app.addHook('onRequest', async (request, reply) => {
      const rel = relativePath(request, prefix);
      const isApi = rel === '/api/v2' || rel.startsWith('/api/v2/');
      const isToken = rel === '/o/token/' || rel === '/o/token';
      this.stats.byPath.set(rel, (this.stats.byPath.get(rel) ?? 0) + 1);
      if (isApi) this.stats.apiRequests++;
      if (isToken) this.stats.tokenRequests++;
      const f = this.faults;
      if (f.latencyMs > 0) await sleep(f.latencyMs);
      if (f.unavailable) {
        return reply.code(503).send({ detail: 'Service temporarily unavailable, try again later.' });
      }
      if ((isApi || isToken) && f.errorRate > 0 && Math.random() < f.errorRate) {
        return Math.random() < 0.5
          ? reply.code(500).send({ detail: 'A server error occurred.' })
          : reply.code(502).send({ detail: 'Bad gateway.' });
      }
      if (isApi && request.method === 'POST' && f.dropAfterCommitRate > 0 && Math.random() < f.dropAfterCommitRate) {
        ctx.dropAfterCommit.add(request.raw);
      }
      return undefined;
    });

    app.setErrorHandler((error: FastifyError, request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        return reply.code(415).send({ detail: `Unsupported media type "${request.headers['content-type'] ?? ''}" in request.` });
      }
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.code === 'FST_REQ_FILE_TOO_LARGE') {
        return reply.code(413).send({ detail: 'Request body too large.' });
      }
      if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
        return reply.code(400).send({ detail: `JSON parse error - ${error.message}` });
      }
      if (status < 500) {
        const multipartError = /multipart|boundary|FST_(PARTS|FILES|FIELDS|INVALID_MULTIPART)/i.test(`${error.code ?? ''} ${error.message}`);
        return reply.code(status).send({ detail: multipartError ? `Multipart form parse error - ${error.message}` : error.message });
      }
      request.log.error({ err: error }, 'sonlet sandbox error');
      return reply.code(500).send({ detail: 'A server error occurred.' });
    });

    app.setNotFoundHandler(async (request, reply) => {
      const rel = relativePath(request, prefix);
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const isGet = request.method === 'GET' || request.method === 'HEAD';
      const knownWithSlash = (p: string) => apiRouteAllow(p) !== null || ['/o/authorize/', '/o/token/', '/tools/', '/accounts/login/'].includes(p);
      if (isGet && !rel.endsWith('/') && knownWithSlash(`${rel}/`)) {
        // Django's APPEND_SLASH
        return reply.redirect(`${prefix}${rel}/${query}`, 301);
      }
      const allow = apiRouteAllow(rel);
      if (allow) {
        const header = request.headers.authorization;
        if (!header || !/^bearer\s/i.test(header)) {
          return reply.code(401).header('www-authenticate', 'Bearer realm="api"').send({ detail: 'Authentication credentials were not provided.' });
        }
        const token = this.store.accessTokens.get(header.replace(/^bearer\s+/i, '').trim());
        if (!token || token.expiresAt <= Date.now()) {
          return reply
            .code(401)
            .header(
              'www-authenticate',
              `Bearer realm="api",error="invalid_token",error_description="${token ? 'The access token has expired.' : 'The access token is invalid.'}"`,
            )
            .send({ detail: 'Authentication credentials were not provided.' });
        }
        return reply.code(405).header('allow', allow).send({ detail: `Method "${request.method}" not allowed.` });
      }
      if (rel === '/o/token/' || rel === '/o/revoke_token/') {
        return reply.code(405).header('allow', 'POST, OPTIONS').send({ detail: `Method "${request.method}" not allowed.` });
      }
      return reply.code(404).send({ detail: 'Not found.' });
    });

    app.get('/static/sandbox.css', async (_request, reply) =>
      reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(SANDBOX_CSS),
    );

    app.get('/', async (request, reply) => this.indexPage(request, reply, prefix));

    registerOAuthRoutes(app, ctx, prefix);
    registerApiRoutes(app, ctx, prefix);
  }

  private indexPage(request: FastifyRequest, reply: Parameters<typeof sendPage>[0], prefix: string) {
    const base = this.ctx.baseUrl(request, prefix);
    const clients = [...this.ctx.clients.values()]
      .map(
        (c) =>
          `<tr><td>${esc(c.name)}</td><td><code>${esc(c.clientId)}</code></td><td>${this.ctx
            .redirectUris(c, request, prefix)
            .map((u) => `<code>${esc(u)}</code>`)
            .join('<br>')}</td></tr>`,
      )
      .join('');
    const sellers = SEED_SELLERS.map(
      (s) => `<tr><td><code>${esc(s.username)}</code></td><td><code>${esc(s.password)}</code></td><td>${s.itemCount} seeded items</td></tr>`,
    ).join('');
    return sendPage(reply, 200, {
      title: 'Overview',
      prefix,
      body: `<h1>Sonlet sandbox</h1>
<p>OAuth base: <code>${esc(base)}/o/</code> &nbsp; API base: <code>${esc(base)}/api/v2/</code></p>
<h2>Sellers</h2><table><thead><tr><th>Username</th><th>Password</th><th></th></tr></thead><tbody>${sellers}</tbody></table>
<h2>Registered applications</h2><table><thead><tr><th>Name</th><th>Client ID</th><th>Redirect URIs</th></tr></thead><tbody>${clients}</tbody></table>
<p><a href="${esc(prefix)}/tools/">Get a token for outside tools (curl)</a></p>`,
    });
  }
}

export async function createSonletSandbox(opts: SonletSandboxOptions): Promise<SonletSandbox> {
  let filesDir: string;
  let tmpDir: string | null = null;
  let stateFile: string | null = null;
  let cacheDir: string | null = null;
  if (opts.dataDir) {
    filesDir = path.resolve(opts.dataDir);
    stateFile = path.join(filesDir, 'state.json');
    cacheDir = path.join(filesDir, 'media-cache');
  } else {
    tmpDir = await mkdtemp(path.join(os.tmpdir(), 'sonlet-sandbox-'));
    filesDir = tmpDir;
  }
  const store = await SandboxStore.open(stateFile);
  const media = new MediaStore(filesDir, cacheDir);
  return new SonletSandbox(opts, store, media, tmpDir);
}

export async function startSonletSandbox(
  opts: SonletSandboxOptions & { port?: number; host?: string },
): Promise<{ url: string; sandbox: SonletSandbox; close(): Promise<void> }> {
  const { port = 0, host = '127.0.0.1', ...rest } = opts;
  const sandbox = await createSonletSandbox(rest);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(sandbox.plugin);
  try {
    await app.listen({ port, host });
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${actualPort}`;
  if (!rest.publicUrl) sandbox.setPublicUrl(url);
  return {
    url,
    sandbox,
    async close() {
      await app.close();
      await sandbox.close();
    },
  };
}
