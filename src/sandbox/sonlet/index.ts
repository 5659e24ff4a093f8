/**
 * Sonlet sandbox: an independent stand-in for sonlet.com (django-oauth-toolkit OAuth 2 + Django
 * REST framework API v2), written from the reference (/work/shared/reference/sonlet-api.txt), for
 * development, demos and tests. It shares no code with the console's Sonlet client.
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
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import { SANDBOX_CSS, esc } from '../html.js';
import { accountRoutes } from './accounts.js';
import { apiCreateRoutes } from './api-create.js';
import { apiReadRoutes } from './api-read.js';
import { schemaRoutes } from './api-schema.js';
import { type SandboxClient, type SandboxContext, type SandboxSettings, type SonletSandboxFaults, type SonletSandboxOptions } from './context.js';
import { MediaStore } from './media.js';
import { mediaRoutes } from './media-routes.js';
import { authorizeRoutes } from './oauth-authorize.js';
import { tokenRoutes } from './oauth-token.js';
import { sonletPage } from './page.js';
import { SEED_SELLERS } from './seed-catalog.js';
import { SandboxStore } from './store.js';
import { toolRoutes } from './tools.js';
import { faultHook, sandboxErrorAnswer, sandboxNotFound } from './answers.js';

export type { SandboxClient, SonletSandboxFaults, SonletSandboxOptions } from './context.js';

const DEFAULT_TTL_S = 1_209_600;
const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export class SonletSandbox {
  faults: SonletSandboxFaults = { latencyMs: 0, errorRate: 0, dropAfterCommitRate: 0, unavailable: false, commitDelayMs: 0, delayedCommitsPending: 0, listOldestFirst: false, ignoreItemFilters: false };
  readonly stats: { tokenRequests: number; apiRequests: number; byPath: Map<string, number> } = { tokenRequests: 0, apiRequests: 0, byPath: new Map() };
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
      requirePkce: opts.requirePkce ?? false,
      pageSize: opts.pageSize ?? 20,
      maxUploadBytes: opts.maxUploadBytes ?? MAX_UPLOAD_BYTES,
    };
    const ctx: SandboxContext = {
      store,
      media,
      settings,
      sellers: new Map(SEED_SELLERS.map((s) => [s.username, s])),
      prefix: '',
      clients: new Map<string, SandboxClient>(opts.clients.map((c) => [c.clientId, { ...c, redirectUris: [...c.redirectUris] }])),
      toolStates: new Map(),
      principals: new WeakMap(),
      dropAfterCommit: new WeakSet(),
      faults: () => this.faults,
      baseUrl: (request) => this.publicUrl ?? `${request.protocol}://${request.host}${ctx.prefix}`,
      redirectUris: (client, request) => client.redirectUris.map((u) => (u.startsWith('/') ? `${ctx.baseUrl(request)}${u}` : u)),
    };
    this.ctx = ctx;
    this.plugin = async (app) => this.mount(app);
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

  /** The sandbox's own encapsulated scope: its parsers, faults, error bodies and routes, whatever the parent registered. */
  private async mount(app: FastifyInstance): Promise<void> {
    const ctx = this.ctx;
    ctx.prefix = app.prefix;
    if (app.hasContentTypeParser('application/x-www-form-urlencoded')) app.removeContentTypeParser('application/x-www-form-urlencoded');
    await app.register(formbody);
    if (!app.hasRequestDecorator('parts')) {
      if (app.hasContentTypeParser('multipart/form-data')) app.removeContentTypeParser('multipart/form-data');
      await app.register(multipart, { limits: { fileSize: ctx.settings.maxUploadBytes, files: 10 } });
    }
    app.addHook('onRequest', faultHook(ctx, this.stats));
    app.setErrorHandler(sandboxErrorAnswer);
    app.setNotFoundHandler((request, reply) => sandboxNotFound(ctx, request, reply));
    app.get('/static/sandbox.css', async (_request, reply) => reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(SANDBOX_CSS));
    app.get('/', (request, reply) => this.overview(request, reply));
    accountRoutes(app, ctx);
    authorizeRoutes(app, ctx);
    tokenRoutes(app, ctx);
    toolRoutes(app, ctx);
    schemaRoutes(app, ctx);
    apiReadRoutes(app, ctx);
    apiCreateRoutes(app, ctx);
    mediaRoutes(app, ctx);
  }

  private overview(request: FastifyRequest, reply: FastifyReply) {
    const ctx = this.ctx;
    const base = ctx.baseUrl(request);
    const clients = [...ctx.clients.values()].map(
      (c) => `<tr><td>${esc(c.name)}</td><td><code>${esc(c.clientId)}</code></td><td>${ctx.redirectUris(c, request).map((u) => `<code>${esc(u)}</code>`).join('<br>')}</td></tr>`,
    );
    const sellers = [...ctx.sellers.values()].map((s) => `<tr><td><code>${esc(s.username)}</code></td><td><code>${esc(s.password)}</code></td><td>${s.itemCount} seeded items</td></tr>`);
    return sonletPage(reply, 200, {
      title: 'Overview',
      prefix: ctx.prefix,
      body: `<h1>Sonlet sandbox</h1>
<p>OAuth base: <code>${esc(base)}/o/</code> &nbsp; API base: <code>${esc(base)}/api/v2/</code> &nbsp; <a href="${esc(ctx.prefix)}/api/v2/schema/">API schema</a></p>
<h2>Sellers</h2><table><thead><tr><th>Username</th><th>Password</th><th></th></tr></thead><tbody>${sellers.join('')}</tbody></table>
<h2>Registered applications</h2><table><thead><tr><th>Name</th><th>Client ID</th><th>Redirect URIs</th></tr></thead><tbody>${clients.join('')}</tbody></table>
<p><a href="${esc(ctx.prefix)}/tools/">Tools: a token for curl, an item's quantity</a></p>`,
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
