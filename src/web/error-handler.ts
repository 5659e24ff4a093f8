/**
 * Fastify's error handler for the console: every failure becomes a DomainError (framework errors
 * are translated here, at the edge), then goes to the form it is about (web/form-errors.ts), to the
 * page script as JSON, or to the error page (web/error-pages.ts). Anything else is unexpected: a
 * logged 500 with a generic page.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../errors.js';
import { sendErrorPage, statusOf } from './error-pages.js';
import { isFormError, SchemaRefusal, sendFormError } from './form-errors.js';

export async function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const err = asDomainError(error);
  if (!err) {
    request.log.error({ err: error }, 'unhandled error');
    if (wantsJson(request)) return reply.code(500).send({ error: 'The console hit an unexpected problem; try again.' });
    return reply.page('error', { title: 'Something went wrong', message: 'The console hit an unexpected problem. Nothing you entered was saved half-way; try again.', statusCode: 500, retry: request.method === 'GET' ? request.url : null }, 500);
  }
  // A limit says when it lifts, so a script or a proxy waits instead of asking again at once (RFC 9110 §10.2.3).
  // @fastify/rate-limit's own refusals carry the header already.
  if (err.retryAfterSeconds !== null) reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
  if (wantsJson(request)) return reply.code(statusOf(err)).send({ error: err.message, field: err.field, kind: err.kind });
  const form = request.routeOptions.config?.form;
  if (form && isFormError(err)) {
    try {
      return await sendFormError(request, reply, form, err);
    } catch (pageErr) {
      // The form page itself could not be built (its choices come from a provider): the plain page says it.
      request.log.warn({ err: pageErr }, 'could not show the form again');
    }
  }
  return sendErrorPage(request, reply, err);
}

/** The page script asks for JSON; a browser navigating asks for HTML. */
export function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** The DomainError a failure means for the seller, or null for an unexpected one. */
function asDomainError(error: FastifyError): DomainError | null {
  if (error instanceof DomainError) return error;
  if (error.validation) {
    const refusal = schemaRefusal(error);
    // An id in the address that cannot exist (/items/abc, /publish/../x): say it is the address.
    if (error.validationContext === 'params') return new DomainError('invalid-input', `This address is not valid: ${refusal.message}`);
    return refusal;
  }
  switch (error.code) {
    case 'FST_CSRF_INVALID_TOKEN':
    case 'FST_CSRF_MISSING_SECRET':
      return new DomainError('form-expired', 'This form has expired or did not come from the console. Reload the page and try again.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DomainError('too-large', 'That request is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DomainError('unsupported-body', 'That kind of request body is not accepted here.');
  }
  if (error.statusCode === 429) return new DomainError('too-many-requests', 'Too many attempts. Wait a minute and try again.');
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new DomainError('invalid-input', 'The request body is malformed.');
  return null;
}

/** The first thing the schema refused, as a sentence naming the field (from the schema, never from a message). */
function schemaRefusal(error: FastifyError): SchemaRefusal {
  const first = error.validation?.[0];
  if (!first) return new SchemaRefusal('Some fields are not valid.', null);
  const params = first.params as { missingProperty?: string; additionalProperty?: string };
  // "pk/0" (the first of several pk fields) is the field "pk".
  const field = (first.instancePath || '').replace(/^\//, '').replace(/\/\d+$/, '').split('/')[0] || params.missingProperty || null;
  const label = (field ?? 'input').replace(/_/g, ' ');
  switch (first.keyword) {
    case 'required':
      return new SchemaRefusal(`Please fill in ${label}.`, field);
    case 'maxLength':
      return new SchemaRefusal(`${label} is too long.`, field);
    case 'minLength':
      return new SchemaRefusal(`${label} is too short.`, field);
    case 'additionalProperties':
      return new SchemaRefusal(`Unexpected field "${params.additionalProperty}".`, null);
    case 'pattern':
    case 'format':
      return new SchemaRefusal(`${label} is not in the expected format.`, field);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
      return new SchemaRefusal(`${label} is out of range.`, field);
    case 'type':
      return new SchemaRefusal(`${label} has the wrong type.`, field);
    default:
      return new SchemaRefusal(`${label} is not valid.`, field);
  }
}
