import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError, InvalidInputError } from '../errors.js';
import type { PlugboardSettingsInput, PlugboardSettingsView } from '../plugboard/connection-store.js';
import { statusOf } from '../web/error-pages.js';
import { MAX_ITEMS_PER_PUBLISH } from '../plugboard/publish.js';
import { sellerOf, signedIn, type SellerRequest } from '../web/typed-routes.js';
import type { FormPage } from '../web/form-errors.js';
import { NOTHING_SELECTED, backWithNothingSelected, gridPageBack } from '../web/nothing-selected.js';
import { providerActions } from '../web/attempt-limits.js';

const VIEW = 'settings-plugboard';

const printable = '^[\\x21-\\x7e]+$';
const SettingsBody = Type.Object({
  baseUrl: Type.String({ minLength: 1, maxLength: 500, pattern: '^\\s*[hH][tT][tT][pP][sS]?://' }),
  tenant: Type.String({ minLength: 1, maxLength: 100, pattern: printable }),
  connectionId: Type.String({ minLength: 1, maxLength: 100, pattern: printable }),
  username: Type.String({ minLength: 1, maxLength: 200 }),
  password: Type.String({ maxLength: 500, default: '' }),
  vatRatePercent: Type.String({ minLength: 1, maxLength: 20, pattern: '^\\s*\\d{1,3}([.,]\\d{1,4})?\\s*$' }),
  currency: Type.String({ minLength: 3, maxLength: 3, pattern: '^[A-Za-z]{3}$' }),
  languages: Type.String({ maxLength: 100, pattern: '^[A-Za-z ,;]*$', default: '' }),
  brand: Type.String({ maxLength: 200, default: '' }),
  autoPublish: Type.Optional(Type.Literal('on')),
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
});
const SaveSettings = { body: SettingsBody };
const ShowSettings = { querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 1 })) }) };

/** What each settings field has to look like, in the seller's words. */
const FIELD_HELP: Record<keyof PlugboardSettingsInput, string> = {
  baseUrl: 'Enter the Plugboard API address, starting with https:// (for example https://api.plugboard.io).',
  tenant: 'Enter your Plugboard tenant (letters, digits and punctuation, no spaces).',
  connectionId: 'Enter the X-ConnectionId from My Plugboard (letters and digits, no spaces).',
  username: 'Enter the Plugboard API username.',
  password: 'The password must be at most 500 characters, without a NUL character.',
  vatRatePercent: 'The VAT rate must be a number of percent, such as 25 or 12.5.',
  currency: 'The currency must be a three-letter ISO 4217 code, such as USD, EUR or SEK.',
  languages: 'Languages are two- or three-letter codes separated by commas, such as eng, deu.',
  brand: 'The brand must be at most 200 characters, without a NUL character.',
  autoPublish: 'Tick the box or leave it empty.',
};

const uuid = () => Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const itemPks = () => Type.Array(Type.Integer({ minimum: 1, maximum: 2147483647 }), { maxItems: MAX_ITEMS_PER_PUBLISH });

const Publish = {
  body: Type.Object({
    pk: Type.Optional(itemPks()),
    /** "page": publish every item of the page (the no-JS "select all"), listed in page_pk. */
    scope: Type.Optional(Type.Union([Type.Literal('selected'), Type.Literal('page')])),
    page_pk: Type.Optional(itemPks()),
    /** The items page the form is on, where "nothing selected" is said. */
    back: Type.Optional(Type.String({ maxLength: 2000 })),
    /** "yes" from the confirmation step that publishing a whole page asks for. */
    confirm: Type.Optional(Type.Literal('yes')),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  }),
};
const ShowBatch = { params: Type.Object({ batchId: uuid() }) };
const RetryExport = {
  params: Type.Object({ exportId: uuid() }),
  body: Type.Object({ batch: Type.Optional(uuid()), _csrf: Type.Optional(Type.String({ maxLength: 200 })) }),
};

export async function plugboardRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { config } = app;
  const csrfAndUser = [app.requireUser, app.csrfProtection];
  // A refused setting comes back on the form, with what the seller typed (never the password).
  const settingsForm: FormPage = {
    view: VIEW,
    page: async (request, values) => ({ ...settingsPageData(await app.plugboardConnections.get(sellerOf(request).id)), values: typedValues(values) }),
    fieldHelp: FIELD_HELP,
  };

  app.get('/settings/plugboard', { preHandler: app.requireUser, schema: ShowSettings }, signedIn(showSettings));
  app.post('/settings/plugboard', { preHandler: csrfAndUser, config: { form: settingsForm }, schema: SaveSettings }, signedIn(saveSettings));
  app.post('/settings/plugboard/test', { preHandler: csrfAndUser, config: { form: settingsForm, rateLimit: providerActions() }, schema: SaveSettings }, signedIn(testConnection));
  app.post('/publish', { preHandler: csrfAndUser, attachValidation: true, schema: Publish }, signedIn(publishItems));
  app.get('/publish/:batchId', { preHandler: app.requireUser, schema: ShowBatch }, signedIn(showBatch));
  app.post('/exports/:exportId/retry', { preHandler: csrfAndUser, schema: RetryExport }, signedIn(retryExport));

  async function showSettings(request: SellerRequest<typeof ShowSettings>, reply: FastifyReply) {
    const saved = await app.plugboardConnections.get(request.user.id);
    return reply.page(VIEW, {
      ...settingsPageData(saved),
      values: saved ? savedValues(saved) : suggestedValues(),
      notice: saved && request.query.saved ? 'Plugboard settings saved.' : null,
    });
  }

  async function saveSettings(request: SellerRequest<typeof SaveSettings>, reply: FastifyReply) {
    await app.plugboardConnections.save(request.user.id, request.body);
    await app.scheduleShop(request.user.id);
    await app.audit.record({ kind: 'plugboard-settings-saved', actor: request.user, ip: request.ip });
    return reply.code(303).redirect('/settings/plugboard?saved=1');
  }

  async function testConnection(request: SellerRequest<typeof SaveSettings>, reply: FastifyReply) {
    const userId = request.user.id;
    const saved = await app.plugboardConnections.get(userId);
    const data = { ...settingsPageData(saved), values: typedValues(request.body) };
    try {
      const check = await app.plugboardConnections.test(userId, request.body);
      return reply.page(VIEW, { ...data, check });
    } catch (err) {
      if (!(err instanceof DomainError && err.field)) throw err;
      request.log.info({ kind: err.kind, field: err.field }, 'Plugboard connection test failed');
      return reply.page(VIEW, { ...data, field: err.field, checkError: { message: err.message } }, statusOf(err));
    }
  }

  async function publishItems(request: SellerRequest<typeof Publish>, reply: FastifyReply) {
    if (request.validationError) {
      throw new InvalidInputError(`Publish at most ${MAX_ITEMS_PER_PUBLISH} items at a time, chosen from your items pages.`);
    }
    const body = request.body ?? {};
    const pks = body.scope === 'page' ? (body.page_pk ?? []) : (body.pk ?? []);
    if (pks.length === 0) {
      // Said next to the button on the page the seller came from (the page's script says it without a round trip).
      return reply.code(303).redirect(backWithNothingSelected(body.back, config.publicUrl, NOTHING_SELECTED.publish));
    }
    if (body.scope === 'page' && body.confirm !== 'yes') {
      const back = gridPageBack(body.back, config.publicUrl);
      return reply.page('confirm', {
        title: `Publish all ${pks.length} ${pks.length === 1 ? 'item' : 'items'} on this page?`,
        consequences: [
          `${pks.length === 1 ? 'It becomes a product' : `Each of the ${pks.length} items becomes a product`} in your web shop, for sale at its Sonlet price while Sonlet has pieces.`,
          'Items already published are sent again with what Sonlet has now.',
          'You can take items out of the shop again at any time.',
        ],
        action: '/publish',
        fields: [{ name: 'scope', value: 'page' }, { name: 'back', value: back }, ...pks.map((pk) => ({ name: 'page_pk', value: String(pk) }))],
        confirmLabel: `Publish ${pks.length} ${pks.length === 1 ? 'item' : 'items'}`,
        cancelHref: back,
      });
    }
    const batchId = await app.publisher.publish(request.user.id, pks);
    return reply.code(303).redirect(`/publish/${batchId}`);
  }

  async function showBatch(request: SellerRequest<typeof ShowBatch>, reply: FastifyReply) {
    const batch = await app.publisher.batch(request.user.id, request.params.batchId.toLowerCase());
    // The page reloads itself (no script: CSP) until every item has an outcome.
    if (batch.inProgress) reply.header('Refresh', '2');
    return reply.page('publish-batch', { title: 'Publishing', batch });
  }

  async function retryExport(request: SellerRequest<typeof RetryExport>, reply: FastifyReply) {
    const batchId = await app.publisher.retry(request.user.id, request.params.exportId.toLowerCase(), request.body?.batch?.toLowerCase());
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
