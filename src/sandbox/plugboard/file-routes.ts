/** /api/file (decision 004), and the public address where a shop reads a public file's bytes. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { named, need } from './api-answers.js';
import { type PlugboardContext, authenticatedTenant, baseUrlOf } from './context.js';
import { type StoredFile, checkData, fileView, isCheckedPicture, newFile } from './files.js';
import { Refusal, onlyKnownParams, sendRefusal } from './refusal.js';
import { newLocalId, nextModified } from './tenants.js';

type Handler = (ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply) => unknown;
const bindTo = (ctx: PlugboardContext) => (h: Handler) => (request: FastifyRequest, reply: FastifyReply) => h(ctx, request, reply);

export function fileRoutes(app: FastifyInstance, ctx: PlugboardContext): void {
  const bind = bindTo(ctx);
  app.post('/api/file', bind(createFile));
  app.get('/api/file/:localId', bind(readFile));
}

/** The data route takes raw bytes of any type, so it lives in a scope whose only parser is the byte reader. */
export async function fileDataRoutes(app: FastifyInstance, opts: { ctx: PlugboardContext }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.ctx.maxFileBytes }, (_request, body, done) => done(null, body));
  app.put('/api/file/:localId/data', bindTo(opts.ctx)(putFileData));
}

export function publicFileRoutes(app: FastifyInstance, ctx: PlugboardContext): void {
  app.get('/files/:localId/:name', bindTo(ctx)(readPublicBytes));
}

/** POST /api/file {"name", "mimeType", "publicAccess"}: 201 with the record (no bytes yet, so no url). */
function createFile(ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply) {
  const t = authenticatedTenant(ctx, request);
  need(t, 'file.edit');
  onlyKnownParams(request.query, []);
  const file = newFile(newLocalId(t), request.body, ctx.clock.now());
  t.files.set(file.localId, file);
  ctx.changed();
  return reply.code(201).send(fileView(file, baseUrlOf(ctx, request)));
}

function readFile(ctx: PlugboardContext, request: FastifyRequest) {
  const t = authenticatedTenant(ctx, request);
  need(t, 'file.view');
  return fileView(named(t.files, request, 'File'), baseUrlOf(ctx, request));
}

/** PUT /api/file/{localId}/data: the raw bytes, with the file's own Content-Type. */
function putFileData(ctx: PlugboardContext, request: FastifyRequest) {
  const t = authenticatedTenant(ctx, request);
  need(t, 'file.edit');
  const current = named(t.files, request, 'File');
  const data = checkData(current, request.headers['content-type'], request.body);
  const file: StoredFile = { ...current, data, lastModified: nextModified(ctx.clock.now(), current.lastModified) };
  t.files.set(file.localId, file);
  ctx.changed();
  if (ctx.faults.fileDataFailAfterCommit > 0) {
    ctx.faults.fileDataFailAfterCommit--;
    throw new Refusal(503, 'Service temporarily unavailable');
  }
  return fileView(file, baseUrlOf(ctx, request));
}

/** What a shop's page loads: no credentials, public files only, and only under their own name. */
function readPublicBytes(ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply) {
  const { localId, name } = request.params as { localId: string; name: string };
  for (const t of ctx.tenants.values()) {
    const file = t.files.get(localId);
    if (file?.publicAccess && file.data && file.name === name) {
      // In sandbox mode these bytes are served on the console's own origin: only a picture whose bytes were
      // checked is shown; anything else a tenant stores (HTML, script, SVG) is a download that cannot run there.
      const inline = isCheckedPicture(file.mimeType);
      if (!inline) reply.header('content-disposition', 'attachment');
      return reply
        .type(inline ? file.mimeType : 'application/octet-stream')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'public, max-age=300')
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('x-content-type-options', 'nosniff')
        .send(file.data);
    }
  }
  return sendRefusal(reply, new Refusal(404, 'No such public file'));
}
