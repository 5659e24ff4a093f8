import { createHash, randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError, NotConnectedError } from '../errors.js';
import { headerValue } from '../web/headers.js';
import { withoutNul } from '../storable-text.js';
import { consoleTarget } from '../web/redirect-target.js';
import { wantsJson } from '../web/error-handler.js';
import type { FormPage } from '../web/form-errors.js';
import { sellerOf, signedIn, type SellerRequest } from '../web/typed-routes.js';
import type { Catalog } from '../inventory/catalog-cache.js';
import { InvalidUploadError, MAX_ATTRIBUTES, UploadForm, type UploadFormValues } from '../inventory/upload-form.js';
import type { PhotoSettings } from '../inventory/upload-pipeline.js';
import { formatBytes, PhotoRefusal, PhotoTooLargeError, type SavedPhoto } from '../inventory/upload-store.js';
import { toBatchView, type UploadView } from '../inventory/upload-view.js';
import { sendablePhoto } from '../inventory/sendable-photo.js';
import { observeUploadBytes } from '../metrics/provider-calls.js';

const VIEW = 'upload';
/** Photos in one form post; the page's script sends one photo per request. */
export const MAX_PHOTOS_PER_POST = 100;
/** The page's scripts, in order: the browser's queue (IndexedDB), photo preparation, cards, sending, then the page. */
const UPLOAD_SCRIPTS = ['/public/upload-queue.js', '/public/upload-prepare.js', '/public/upload-cards.js', '/public/upload-sending.js', '/public/upload.js'];
/** How often a result page with work in progress reloads itself (no-JS). */
const REFRESH_SECONDS = 3;

const ById = { params: Type.Object({ id: Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }) }) };
const ListUploads = { querystring: Type.Object({ page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }) }) };
// No body schema: the page script posts nothing (token in a header); the form's `back` is checked below.
const RetryUpload = { params: ById.params };

/** Create items from photos: the upload form, its multipart post, and the uploads' progress. */
export async function uploadRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { config } = app;
  // A refused upload comes back on the form with the seller's settings; the page script gets JSON.
  const uploadForm: FormPage = {
    view: VIEW,
    page: async (request, values) => {
      const { id } = sellerOf(request);
      const [catalog, preferences] = await Promise.all([app.catalog.get(id, app.sonletApiFor(id)), app.sellerSettings.get(id)]);
      return { ...formData(catalog, values as unknown as UploadFormValues), downscale: preferences.downscalePhotos, queue: queueOf(id) };
    },
  };

  // Only this scope parses multipart, and only as a stream (request.parts()) inside the handler.
  await app.register(multipart, {
    limits: { fileSize: config.uploads.maxBytes + 1, files: MAX_PHOTOS_PER_POST, fields: 200, fieldSize: 10_000, parts: MAX_PHOTOS_PER_POST + 200 },
  });

  app.get('/upload', { preHandler: app.requireUser }, signedIn(showForm));
  // The page's script posts one request per photo, so the limit counts requests per seller, not per form.
  const uploadLimit = {
    max: config.rateLimit.uploadsPerMinute,
    timeWindow: '1 minute',
    keyGenerator: (request: FastifyRequest) => request.session?.userId ?? request.ip,
  };
  app.post('/upload', { preHandler: app.requireUser, config: { rateLimit: uploadLimit, form: uploadForm } }, signedIn(receivePhotos));
  app.get('/uploads', { preHandler: app.requireUser, schema: ListUploads }, signedIn(listUploads));
  app.get('/uploads/batch/:id', { preHandler: app.requireUser, schema: ById }, signedIn(showBatch));
  app.get('/uploads/:id', { preHandler: app.requireUser, schema: ById }, signedIn(showUpload));
  app.get('/uploads/:id/photo', { preHandler: app.requireUser, schema: ById }, signedIn(showPhoto));
  app.get('/uploads/:id/thumb', { preHandler: app.requireUser, schema: ById }, signedIn(showThumbnail));
  app.post('/uploads/:id/retry', { preHandler: [app.requireUser, app.csrfProtection], schema: RetryUpload }, signedIn(retryUpload));

  async function showForm(request: SellerRequest, reply: FastifyReply) {
    const userId = request.user.id;
    const connection = await app.vault.state(userId);
    if (connection.state !== 'active') return reply.page('not-connected', { title: 'Upload', connection });
    const [catalog, preferences] = await Promise.all([app.catalog.get(userId, app.sonletApiFor(userId)), app.sellerSettings.get(userId)]);
    return reply.page(VIEW, { ...formData(catalog, emptyValues(catalog)), downscale: preferences.downscalePhotos, queue: queueOf(userId) });
  }

  /**
   * The photos arrive as one multipart stream: the CSRF token (header, or the first field), the
   * settings, then the photos, each with the page's key for it (`photoKey`, before the file) and piped
   * into the database as it comes. A photo whose key an earlier request already recorded is not stored
   * again: the answer is that upload. Only once every photo is stored and the settings are checked are
   * the uploads recorded and queued; any refusal on the way removes what was written.
   */
  async function receivePhotos(request: SellerRequest, reply: FastifyReply) {
    const userId = request.user.id;
    const json = wantsJson(request);
    app.uploads.assertAvailable();
    if (!request.isMultipart()) throw new InvalidUploadError('Choose at least one photo to upload.', 'photos');
    if ((await app.vault.state(userId)).state !== 'active') throw new NotConnectedError();
    const api = app.sonletApiFor(userId);

    const form = new UploadForm();
    const received: Array<{ saved: SavedPhoto; name: string; photoKey: string | null } | { earlier: UploadView }> = [];
    const stored = () => received.flatMap((r) => ('saved' in r ? [r] : []));
    let catalog: Catalog | null = null;
    const catalogFor = async (values: UploadFormValues) => {
      catalog ??= await app.catalog.get(userId, api);
      // A style or size added at Sonlet since the catalog was cached: look once more before refusing.
      const known = (c: Catalog) => c.styles.some((s) => String(s.pk) === values.style) && c.sizes.some((s) => String(s.pk) === values.size);
      if (!known(catalog) && /^\d+$/.test(values.style) && /^\d+$/.test(values.size)) catalog = await app.catalog.get(userId, api, { refresh: true });
      return catalog;
    };

    let csrfChecked = false;
    const headerToken = request.headers['csrf-token'] ?? request.headers['x-csrf-token'];
    if (headerToken !== undefined) {
      if (!passesCsrf(request, reply, String(headerToken))) return reply;
      csrfChecked = true;
    }

    let settings: PhotoSettings | null = null;
    try {
      for await (const part of request.parts()) {
        if (!csrfChecked) {
          // The token must come first: the form puts it before the photos, so nothing is stored for a forged post.
          const token = part.type === 'field' && part.fieldname === '_csrf' ? String(part.value) : '';
          if (!passesCsrf(request, reply, token)) return reply;
          csrfChecked = true;
          if (part.type === 'field') continue;
        }
        if (part.type === 'field') {
          if (part.valueTruncated) throw new InvalidUploadError(`The field “${part.fieldname}” is too long.`, null);
          form.add(part.fieldname, String(part.value));
          continue;
        }
        if (!part.filename) {
          // An empty file input still sends an empty part.
          part.file.resume();
          continue;
        }
        // Refuse bad settings before a possibly large photo is read.
        if (!settings && form.hasSettings()) settings = form.settings(await catalogFor(form.values()));
        const photoKey = form.nextPhotoKey();
        const earlier = photoKey ? await app.uploads.byPhotoKey(userId, photoKey) : null;
        if (earlier) {
          // Sent again (its answer was lost): the photo is not stored twice.
          part.file.resume();
          received.push({ earlier });
          continue;
        }
        const filename = withoutNul(part.filename);
        const saved = await app.photos.save(userId, part.file, filename);
        observeUploadBytes(saved.bytes);
        received.push({ ...(await sendablePhoto(app.photos, userId, saved, filename)), photoKey });
      }
      if (!csrfChecked && !passesCsrf(request, reply, '')) return reply;
      settings = form.settings(await catalogFor(form.values()));
      if (received.length === 0) throw new InvalidUploadError('Choose at least one photo to upload.', 'photos');
      const photoSettings = settings;
      const fresh = stored();
      const newBatch = form.batchId() ?? randomUUID();
      const created = fresh.length
        ? await app.uploads.submit(
            userId,
            newBatch,
            fresh.map((r) => ({ saved: r.saved, originalName: r.name, settings: photoSettings, photoKey: r.photoKey })),
          )
        : [];
      const uploads = received.map((r) => ('earlier' in r ? r.earlier : created[fresh.indexOf(r)]!));
      // Every photo may turn out to be one an earlier request recorded (even meanwhile): then that is the answer.
      const recordedHere = created.some((u) => u.batchId === newBatch);
      const batchId = recordedHere ? newBatch : uploads[0]!.batchId;
      if (json) return reply.code(recordedHere ? 201 : 200).send({ batchId, uploads });
      return reply.code(303).redirect(`/uploads/batch/${batchId}`);
    } catch (err) {
      await Promise.all(stored().map((r) => app.photos.remove(r.saved.id)));
      const refusal = refusalOf(err, config.uploads.maxBytes);
      if (!refusal) throw err;
      request.log.info({ kind: refusal.kind, reason: refusal.message }, 'upload refused');
      request.formValues = { ...form.values() };
      throw refusal;
    }
  }

  async function listUploads(request: SellerRequest<typeof ListUploads>, reply: FastifyReply) {
    const list = await app.uploads.list(request.user.id, request.query.page);
    const inProgress = list.uploads.some((u) => !u.settled);
    if (inProgress) reply.header('refresh', String(REFRESH_SECONDS * 2));
    return reply.page('uploads', { title: 'Uploads', ...list, inProgress, refreshSeconds: REFRESH_SECONDS * 2 });
  }

  async function showBatch(request: SellerRequest<typeof ById>, reply: FastifyReply) {
    const batch = await app.uploads.batch(request.user.id, request.params.id);
    if (wantsJson(request)) return reply.send(batch);
    if (batch.inProgress) reply.header('refresh', String(REFRESH_SECONDS));
    return reply.page('upload-result', { title: 'Upload results', batch, refreshSeconds: REFRESH_SECONDS, back: `/uploads/batch/${batch.batchId}` });
  }

  async function showUpload(request: SellerRequest<typeof ById>, reply: FastifyReply) {
    const upload = await app.uploads.get(request.user.id, request.params.id);
    if (wantsJson(request)) return reply.header('cache-control', 'no-store').send(upload);
    const batch = toBatchView(upload.batchId, [upload]);
    if (batch.inProgress) reply.header('refresh', String(REFRESH_SECONDS));
    return reply.page('upload-result', { title: 'Upload', batch, refreshSeconds: REFRESH_SECONDS, back: `/uploads/${upload.id}` });
  }

  async function showPhoto(request: SellerRequest<typeof ById>, reply: FastifyReply) {
    const photo = await app.uploads.photoOf(request.user.id, request.params.id);
    if ('url' in photo) return reply.redirect(headerValue(photo.url));
    return reply
      .header('content-type', headerValue(photo.contentType))
      .header('cache-control', 'private, max-age=300')
      .header('x-content-type-options', 'nosniff')
      .send(photo.stream);
  }

  async function showThumbnail(request: SellerRequest<typeof ById>, reply: FastifyReply) {
    const thumb = await app.uploads.thumbnailOf(request.user.id, request.params.id);
    if ('url' in thumb) return reply.header('cache-control', 'private, max-age=300').redirect(headerValue(thumb.url));
    return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, max-age=300').header('x-content-type-options', 'nosniff').send(thumb.jpeg);
  }

  async function retryUpload(request: SellerRequest<typeof RetryUpload>, reply: FastifyReply) {
    const upload = await app.uploads.retry(request.user.id, request.params.id);
    if (wantsJson(request)) return reply.send(upload);
    const back = consoleTarget((request.body as { back?: unknown } | undefined)?.back, config.publicUrl, { fallback: `/uploads/${upload.id}`, allow: (path) => /^\/uploads(\/[\w/-]*)?(\?page=\d+)?$/.test(path) });
    return reply.code(303).redirect(back);
  }

  /**
   * Checks a token with the CSRF plugin's own verification. On failure the plugin has already
   * answered (403 through the error handler) and false comes back.
   */
  function passesCsrf(request: FastifyRequest, reply: FastifyReply, token: string): boolean {
    let passed = false;
    const body = request.body;
    request.body = { _csrf: token };
    try {
      app.csrfProtection(request, reply, () => {
        passed = true;
      });
    } finally {
      request.body = body;
    }
    return passed;
  }

  function formData(catalog: Catalog, values: UploadFormValues) {
    const attributes = [...values.attributes];
    while (attributes.length < 3) attributes.push({ name: '', value: '' });
    return {
      title: 'Upload photos',
      styles: catalog.styles,
      sizes: catalog.sizes,
      values: { ...values, attributes },
      maxBytesLabel: formatBytes(config.uploads.maxBytes),
      maxBytes: config.uploads.maxBytes,
      maxAttributes: MAX_ATTRIBUTES,
      // The no-JS form's key for its photos (the page's script gives each photo its own).
      photoKey: randomUUID(),
      scripts: UPLOAD_SCRIPTS,
    };
  }
}

/**
 * The name of the seller's queue in the browser: IndexedDB belongs to the site, not to whoever is signed
 * in, so each seller's photos wait in a queue of their own and another account on the same browser never
 * sees them.
 */
function queueOf(userId: string): string {
  return createHash('sha256').update(`upload-queue:${userId}`).digest('hex').slice(0, 24);
}

function emptyValues(catalog: Catalog): UploadFormValues {
  void catalog;
  return { style: '', size: '', quantity: '1', price: '', attributes: [] };
}

/** What a failed upload means for the seller, or null when it is not about what they sent. */
function refusalOf(err: unknown, maxBytes: number): DomainError | null {
  if (err instanceof InvalidUploadError || err instanceof PhotoRefusal) return err;
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new PhotoTooLargeError(maxBytes, 'you chose');
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return new DomainError('too-large', `At most ${MAX_PHOTOS_PER_POST} photos at once. Nothing was uploaded; choose fewer photos and try again.`, { field: 'photos' });
  }
  // busboy reports a body that does not match its declared boundary as plain errors without a code.
  const busboyMalformed = err instanceof Error && !code && /^(Unexpected end of (multipart data|form)|Malformed part header|Multipart: Boundary not found)/.test(err.message);
  if (code === 'FST_PROTO_VIOLATION' || code === 'FST_MP_PREMATURE_CLOSE' || code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' || busboyMalformed) {
    return new InvalidUploadError('The upload was cut off or malformed. Nothing was uploaded; try again.', null);
  }
  return null;
}
