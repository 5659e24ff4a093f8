/**
 * The one way a form shows what is wrong: a route names its form page in its config, any
 * DomainError about the seller's input reaches the error handler, and the form is shown again with
 * the message, the field it is about, and what the seller typed (never secrets).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type ErrorKind } from '../errors.js';
import { statusOf } from './error-pages.js';
import type { FormView, Pages } from './pages.js';

export interface FormPage {
  /** The view that holds the form. */
  view: FormView;
  /** The rest of that page's data (title, choices), given what the seller sent. */
  // Method syntax: a route's own page function takes its own typed request.
  page?(request: FastifyRequest, values: Record<string, unknown>): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** What each field must look like, said instead of the generic sentence when the schema refuses it. */
  fieldHelp?: Record<string, string>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The form this route receives: its errors are shown on it rather than on an error page. */
    form?: FormPage;
  }
  interface FastifyRequest {
    /** What the seller sent, when the body is not a parsed form (a multipart upload sets it as it reads). */
    formValues: Record<string, unknown> | null;
  }
}

/** The kinds that are about what the seller sent (or who sent it: a refused sign-up), and so belong next to the form. */
const FORM_KINDS = new Set<ErrorKind>(['invalid-input', 'already-exists', 'wrong-credentials', 'form-expired', 'too-many-requests', 'too-large', 'unsupported-media', 'forbidden']);

/** About what the seller sent, or naming one of the form's fields (a Plugboard address nobody answers at). */
export function isFormError(err: DomainError): boolean {
  return FORM_KINDS.has(err.kind) || err.field !== null;
}

export async function sendFormError(request: FastifyRequest, reply: FastifyReply, form: FormPage, err: DomainError): Promise<FastifyReply> {
  const values = request.formValues ?? echo(request.body);
  const page = (await form.page?.(request, values)) ?? {};
  const message = (err instanceof SchemaRefusal && err.field && form.fieldHelp?.[err.field]) || err.message;
  const data = { ...page, values: { ...values, ...((page.values as object) ?? {}) }, error: message, field: err.field };
  // `page` supplies the rest of that view's data; the view map cannot follow a view chosen at run time.
  return reply.page(form.view, data as Pages[FormView], statusOf(err));
}

/** A field the route's schema refused: its message is generic, so a form may say it better. */
export class SchemaRefusal extends DomainError {
  constructor(message: string, field: string | null) {
    super('invalid-input', message, { field });
  }
}

/** What the seller typed, minus secrets and tokens, cut to a sane length. */
function echo(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object') return {};
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string' && !/password|csrf|secret/i.test(key)) values[key] = value.slice(0, 500);
  }
  return values;
}
