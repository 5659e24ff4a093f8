/**
 * GET /api/v2/schema/: the API this sandbox serves, as an OpenAPI 3 document (what Django REST
 * framework's schema view gives): endpoints, fields, paging, idempotency and OAuth 2.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type SandboxContext, bindTo } from './context.js';
import { MAX_INT } from './item-fields.js';

type Schema = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const str = (description?: string): Schema => ({ type: 'string', ...(description ? { description } : {}) });
const int = (description?: string): Schema => ({ type: 'integer', ...(description ? { description } : {}) });
const decimalString = (description: string): Schema => ({ type: 'string', format: 'decimal', pattern: '^\\d{1,8}(\\.\\d{1,2})?$', description });
const url = (): Schema => ({ type: 'string', format: 'uri' });
const object = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({ type: 'object', properties, required });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const answer = (description: string, schema?: Schema) => ({ description, ...(schema ? { content: json(schema) } : {}) });

const ERRORS = {
  '401': answer('No valid access token', ref('Detail')),
  '403': answer('Missing scope, or "Duplicate request detected." for a repeated X-Idempotency-Key', ref('Detail')),
  '404': answer('Not found, or "Invalid page."', ref('Detail')),
};

export function schemaRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.get('/api/v2/schema/', bindTo(ctx)(schemaDocument));
}

function collection(ctx: SandboxContext, name: string, summary: string, filters: Schema[] = []) {
  return {
    get: {
      summary,
      security: [{ oauth2: ['read'] }],
      parameters: [
        { name: 'page', in: 'query', required: false, schema: { type: 'integer', minimum: 1 }, description: `Page number; ${ctx.settings.pageSize} results a page, newest first` },
        ...filters,
      ],
      responses: { '200': answer('A page of results', ref(`Paginated${name}List`)), ...ERRORS },
    },
  };
}

function single(name: string, summary: string) {
  return {
    get: {
      summary,
      security: [{ oauth2: ['read'] }],
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      responses: { '200': answer(name, ref(name)), ...ERRORS },
    },
  };
}

function create(name: string, summary: string, body: Record<string, { schema: Schema }>) {
  return {
    summary,
    security: [{ oauth2: ['write'] }],
    parameters: [{ name: 'X-Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 128 }, description: 'A repeat from the same seller within 24 hours answers 403 "Duplicate request detected."' }],
    requestBody: { required: true, content: body },
    responses: { '200': answer(`The created ${name.toLowerCase()}`, ref(name)), '400': answer('Field errors', ref('FieldErrors')), ...ERRORS },
  };
}

function paginated(name: string): Schema {
  return object({ count: int('Results in all pages'), next: { ...url(), nullable: true }, previous: { ...url(), nullable: true }, results: { type: 'array', items: ref(name) } });
}

function schemaDocument(ctx: SandboxContext, request: FastifyRequest) {
  const base = ctx.baseUrl(request);
  const filter = (name: string, what: string): Schema => ({ name, in: 'query', required: false, schema: { type: 'integer' }, description: `Only items of this ${what}` });
  const itemCreate = object(
    {
      itemchoice_id: int('The style (item choice)'),
      size_id: int('The size'),
      image_id: int('An image of this seller'),
      price: decimalString('Default: the style’s minimum advertised price'),
      wholesale_price: decimalString('Default: the style’s wholesale price'),
      quantity: { type: 'integer', minimum: 0, maximum: MAX_INT, default: 1 },
      data: str('JSON text (or an object in a JSON body) of the form {"attributes": {"Key": "Value"}}'),
    },
    ['itemchoice_id', 'size_id', 'image_id'],
  );
  const image = object({ pk: int(), image_full: url(), image_thumbnail: url(), created: { type: 'string', format: 'date-time' } });
  return {
    openapi: '3.0.3',
    info: { title: 'Sonlet API (sandbox)', version: 'v2', description: 'Served by the Sonlet sandbox. Paging is page-number paging: follow next and previous.' },
    servers: [{ url: `${base}/api/v2` }],
    paths: {
      '/items/': { ...collection(ctx, 'Item', 'The seller’s items', [filter('itemchoice_id', 'style'), filter('size_id', 'size')]), post: create('Item', 'Create an item', { 'application/x-www-form-urlencoded': { schema: ref('ItemCreate') }, 'multipart/form-data': { schema: ref('ItemCreate') }, 'application/json': { schema: ref('ItemCreate') } }) },
      '/items/{id}/': single('Item', 'One of the seller’s items'),
      '/images/': { ...collection(ctx, 'Image', 'The seller’s images'), post: create('Image', 'Upload an image', { 'multipart/form-data': { schema: object({ image_full: { type: 'string', format: 'binary' } }) } }) },
      '/images/{id}/': single('Image', 'One of the seller’s images'),
      '/itemchoices/': collection(ctx, 'ItemChoice', 'Styles'),
      '/itemchoices/{id}/': single('ItemChoice', 'One style'),
      '/sizes/': collection(ctx, 'Size', 'Sizes'),
      '/sizes/{id}/': single('Size', 'One size'),
    },
    components: {
      schemas: {
        Item: object({
          pk: int(), style: str('The style’s name'), size: str('The size’s name'), itemchoice_id: int(), size_id: int(), quantity: int(),
          price: decimalString('Price'), wholesale_price: decimalString('Wholesale price'),
          data: object({ attributes: { type: 'object', additionalProperties: { type: 'string' } } }),
          image: { ...object({ pk: int(), image_full: url(), image_thumbnail: url() }), nullable: true },
          image_thumbnail: { ...url(), nullable: true }, created: { type: 'string', format: 'date-time' },
        }),
        Image: image,
        ItemChoice: object({ pk: int(), name: str(), min_advertised_price: decimalString('Minimum advertised price'), wholesale_price: decimalString('Wholesale price') }),
        Size: object({ pk: int(), name: str() }),
        ItemCreate: itemCreate,
        PaginatedItemList: paginated('Item'),
        PaginatedImageList: paginated('Image'),
        PaginatedItemChoiceList: paginated('ItemChoice'),
        PaginatedSizeList: paginated('Size'),
        Detail: object({ detail: str() }),
        FieldErrors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
      },
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          flows: {
            authorizationCode: {
              authorizationUrl: `${base}/o/authorize/`,
              tokenUrl: `${base}/o/token/`,
              refreshUrl: `${base}/o/token/`,
              scopes: { read: 'See items, images, styles and sizes', write: 'Create items and images' },
            },
          },
          'x-revocationUrl': `${base}/o/revoke_token/`,
        },
      },
    },
  };
}
