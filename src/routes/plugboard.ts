import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { DomainError, InvalidInputError } from '../errors.js';
import type { PlugboardSettingsInput, PlugboardSettingsView } from '../plugboard/connection-store.js';
import { statusOf } from '../web/error-pages.js';
import { MAX_ITEMS_PER_PUBLISH } from '../plugboard/publish.js';
import { consoleTarget } from '../web/redirect-target.js';
import { NOTHING_SELECTED } from './inventory.js';

const VIEW = 'settings-plugboard';

type SettingsBody = PlugboardSettingsInput & { _csrf?: string };

const printable = '^[\\x21-\\x7e]+$';
const settingsBody = {
  type: 'object',
  required: ['baseUrl', 'tenant', 'connectionId', 'username', 'vatRatePercent', 'currency'],
  properties: {
    baseUrl: { type: 'string', minLength: 1, maxLength: 500, pattern: '^\\s*[hH][tT][tT][pP][sS]?://' },
    tenant: { type: 'string', minLength: 1, maxLength: 100, pattern: printable },
    connectionId: { type: 'string', minLength: 1, maxLength: 100, pattern: printable },
    username: { type: 'string', minLength: 1, maxLength: 200 },
    password: { type: 'string', maxLength: 500, default: '' },
    vatRatePercent: { type: 'string', minLength: 1, maxLength: 20, pattern: '^\\s*\\d{1,3}([.,]\\d{1,4})?\\s*$' },
    currency: { type: 'string', minLength: 3, maxLength: 3, pattern: '^[A-Za-z]{3}$' },
    languages: { type: 'string', maxLength: 100, pattern: '^[A-Za-z ,;]*$', default: '' },
    brand: { type: 'string', maxLength: 200, default: '' },
    autoPublish: { type: 'string', enum: ['on'] },
    _csrf: { type: 'string', maxLength: 200 },
  },
} as const;

/** What each settings field has to look like, in the seller's words. */
const FIELD_HELP: Record<keyof PlugboardSettingsInput, string> = {
  baseUrl: 'Enter the Plugboard API address, starting with https:// (for example https://api.plugboard.io).',
  tenant: 'Enter your Plugboard tenant (letters, digits and punctuation, no spaces).',
  connectionId: 'Enter the X-ConnectionId from My Plugboard (letters and digits, no spaces).',
  username: 'Enter the Plugboard API username.',
  password: 'The password is too long.',
  vatRatePercent: 'The VAT rate must be a number of percent, such as 25 or 12.5.',
  currency: 'The currency must be a three-letter ISO 4217 code, such as USD, EUR or SEK.',
  languages: 'Languages are two- or three-letter codes separated by commas, such as eng, deu.',
  brand: 'The brand is too long.',
  autoPublish: 'Tick the box or leave it empty.',
};

const uuid = { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' } as const;
const itemPks = { type: 'array', maxItems: MAX_ITEMS_PER_PUBLISH, items: { type: 'integer', minimum: 1, maximum: 2147483647 } } as const;

interface PublishBody {
  pk?: number[];
  /** "page": publish every item of the page (the no-JS "select all"), listed in page_pk. */
  scope?: 'selected' | 'page';
  page_pk?: number[];
  /** The items page the form is on, where "nothing selected" is said. */
  back?: string;
}

export async function plugboardRoutes(app: FastifyInstance) {
  const { config, services } = app;
  const csrfAndUser = [app.requireUser, app.csrfProtection];

  app.get<{ Querystring: { saved?: string } }>(
    '/settings/plugboard',
    { preHandler: app.requireUser, schema: { querystring: { type: 'object', properties: { saved: { type: 'string', maxLength: 1 } } } } },
    showSettings,
  );
  app.post<{ Body: SettingsBody }>(
    '/settings/plugboard',
    { preHandler: csrfAndUser, attachValidation: true, config: { formView: VIEW }, schema: { body: settingsBody } },
    saveSettings,
  );
  app.post<{ Body: SettingsBody }>(
    '/settings/plugboard/test',
    { preHandler: csrfAndUser, attachValidation: true, config: { formView: VIEW }, schema: { body: settingsBody } },
    testConnection,
  );
  app.post<{ Body: PublishBody }>(
    '/publish',
    {
      preHandler: csrfAndUser,
      attachValidation: true,
      schema: {
        body: {
          type: 'object',
          properties: { pk: itemPks, page_pk: itemPks, scope: { type: 'string', enum: ['selected', 'page'] }, back: { type: 'string', maxLength: 2000 }, _csrf: { type: 'string', maxLength: 200 } },
        },
      },
    },
    publishItems,
  );
  app.get<{ Params: { batchId: string } }>(
    '/publish/:batchId',
    { preHandler: app.requireUser, schema: { params: { type: 'object', required: ['batchId'], properties: { batchId: uuid } } } },
    showBatch,
  );
  app.post<{ Params: { exportId: string }; Body: { batch?: string } }>(
    '/exports/:exportId/retry',
    {
      preHandler: csrfAndUser,
      schema: {
        params: { type: 'object', required: ['exportId'], properties: { exportId: uuid } },
        body: { type: 'object', properties: { batch: uuid, _csrf: { type: 'string', maxLength: 200 } } },
      },
    },
    retryExport,
  );

  async function showSettings(request: FastifyRequest<{ Querystring: { saved?: string } }>, reply: FastifyReply) {
    const saved = await services.plugboardConnections.get(request.user!.id);
    return reply.page(VIEW, {
      ...settingsPageData(saved),
      values: saved ? savedValues(saved) : suggestedValues(),
      notice: saved && request.query.saved ? 'Plugboard settings saved.' : null,
    });
  }

  async function saveSettings(request: FastifyRequest<{ Body: SettingsBody }>, reply: FastifyReply) {
    if (await invalidForm(request, reply)) return reply;
    try {
      await services.plugboardConnections.save(request.user!.id, request.body);
      await services.scheduleShop(request.user!.id);
    } catch (err) {
      if (err instanceof DomainError && err.field) return formError(request, reply, err.field as keyof PlugboardSettingsInput, err.message, statusOf(err));
      throw err;
    }
    await services.audit.record({ kind: 'plugboard-settings-saved', actor: request.user, ip: request.ip });
    return reply.code(303).redirect('/settings/plugboard?saved=1');
  }

  async function testConnection(request: FastifyRequest<{ Body: SettingsBody }>, reply: FastifyReply) {
    if (await invalidForm(request, reply)) return reply;
    const userId = request.user!.id;
    const saved = await services.plugboardConnections.get(userId);
    const data = { ...settingsPageData(saved), values: typedValues(request.body) };
    try {
      const check = await services.plugboardConnections.test(userId, request.body);
      return reply.page(VIEW, { ...data, check });
    } catch (err) {
      if (!(err instanceof DomainError && err.field)) throw err;
      request.log.info({ kind: err.kind, field: err.field }, 'Plugboard connection test failed');
      return reply.page(VIEW, { ...data, field: err.field, checkError: { message: err.message } }, statusOf(err));
    }
  }

  async function publishItems(request: FastifyRequest<{ Body: PublishBody }>, reply: FastifyReply) {
    if (request.validationError) {
      throw new InvalidInputError(`Publish at most ${MAX_ITEMS_PER_PUBLISH} items at a time, chosen from your items pages.`);
    }
    const body = request.body ?? {};
    const pks = body.scope === 'page' ? (body.page_pk ?? []) : (body.pk ?? []);
    if (pks.length === 0) {
      // Said next to the button on the page the seller came from (the page's script says it without a round trip).
      const back = consoleTarget(body.back, config.publicUrl, { fallback: '/items', allow: (path) => /^\/items(\?|$)/.test(path) });
      const url = new URL(back, config.publicUrl);
      url.searchParams.set('publish', NOTHING_SELECTED);
      return reply.code(303).redirect(`${url.pathname}${url.search}`);
    }
    const batchId = await services.publisher.publish(request.user!.id, pks);
    return reply.code(303).redirect(`/publish/${batchId}`);
  }

  async function showBatch(request: FastifyRequest<{ Params: { batchId: string } }>, reply: FastifyReply) {
    const batch = await services.publisher.batch(request.user!.id, request.params.batchId.toLowerCase());
    // The page reloads itself (no script: CSP) until every item has an outcome.
    if (batch.inProgress) reply.header('Refresh', '2');
    return reply.page('publish-batch', { title: 'Publishing', batch });
  }

  async function retryExport(request: FastifyRequest<{ Params: { exportId: string }; Body: { batch?: string } }>, reply: FastifyReply) {
    const batchId = await services.publisher.retry(request.user!.id, request.params.exportId.toLowerCase(), request.body?.batch?.toLowerCase());
    return reply.code(303).redirect(`/publish/${batchId}`);
  }

  // ---------------------------------------------------------------------------------------

  function settingsPageData(saved: PlugboardSettingsView | null) {
    return {
      title: 'Web shop (Plugboard)',
      saved,
      hasPassword: saved?.hasPassword ?? false,
      sandboxTenant: app.sandboxDemo?.plugboard ?? null,
    };
  }

  /**
   * Re-renders the form with the seller's values and a message for the first bad field; true when it did.
   * (A boolean, not the reply: a reply is thenable, and awaiting it answers undefined.)
   */
  async function invalidForm(request: FastifyRequest<{ Body: SettingsBody }>, reply: FastifyReply): Promise<boolean> {
    const error = request.validationError;
    if (!error) return false;
    const first = error.validation[0] as FastifySchemaValidationError | undefined;
    const field = (first?.instancePath.replace(/^\//, '') || (first?.params as { missingProperty?: string } | undefined)?.missingProperty || 'baseUrl') as keyof PlugboardSettingsInput;
    await formError(request, reply, field, FIELD_HELP[field] ?? 'Some fields are not valid.');
    return true;
  }

  async function formError(request: FastifyRequest<{ Body: SettingsBody }>, reply: FastifyReply, field: keyof PlugboardSettingsInput, message: string, status = 400) {
    const saved = await services.plugboardConnections.get(request.user!.id);
    return reply.page(VIEW, { ...settingsPageData(saved), values: typedValues(request.body), error: message, field }, status);
  }

  function suggestedValues(): Record<string, string> {
    const demo = app.sandboxDemo?.plugboard;
    if (!demo) return { baseUrl: '', tenant: '', connectionId: '', username: '', vatRatePercent: '25', currency: 'USD', languages: '', brand: '', autoPublish: '' };
    return {
      baseUrl: demo.baseUrl,
      tenant: demo.tenant,
      connectionId: demo.connectionId,
      username: demo.username,
      vatRatePercent: '25',
      currency: 'SEK',
      languages: '',
      brand: '',
      autoPublish: '',
    };
  }
}

function savedValues(saved: PlugboardSettingsView): Record<string, string> {
  return {
    baseUrl: saved.baseUrl,
    tenant: saved.tenant,
    connectionId: saved.connectionId,
    username: saved.username,
    vatRatePercent: saved.vatRatePercent,
    currency: saved.currency,
    languages: saved.languages.join(', '),
    brand: saved.brand ?? '',
    autoPublish: saved.autoPublish ? 'on' : '',
  };
}

/** The seller's own input, minus the password (never rendered back). */
function typedValues(body: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  if (!body || typeof body !== 'object') return values;
  for (const key of ['baseUrl', 'tenant', 'connectionId', 'username', 'vatRatePercent', 'currency', 'languages', 'brand', 'autoPublish']) {
    const v = (body as Record<string, unknown>)[key];
    if (typeof v === 'string') values[key] = v.slice(0, 500);
  }
  return values;
}
