/**
 * The one table that turns a domain error into what the browser gets: a status, a title and, where
 * the seller can do something about it, a link or button. Services and provider clients never know
 * about pages; this is the only place that does.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DomainError, ErrorKind } from '../errors.js';

export interface ErrorAction {
  href: string;
  label: string;
  method?: 'get' | 'post';
}

interface ErrorPage {
  status: number;
  title: (err: DomainError) => string;
  action?: (request: FastifyRequest) => ErrorAction;
  /** Offer "Try again" (the same address) for a GET. */
  retry?: boolean;
}

const connect = (label: string) => (): ErrorAction => ({ href: '/connect/sonlet', label });

/** The first page of the list the seller was on: the same path with no page number. */
function firstPageOf(request: FastifyRequest): ErrorAction {
  const url = new URL(request.url, 'http://console.invalid');
  url.searchParams.delete('page');
  const query = url.searchParams.toString();
  return { href: `${url.pathname}${query ? `?${query}` : ''}`, label: 'Back to the first page' };
}

export const ERROR_PAGES: Record<ErrorKind, ErrorPage> = {
  'not-connected': { status: 409, title: () => 'Sonlet is not connected', action: connect('Connect Sonlet') },
  'needs-reconnect': { status: 409, title: () => 'Reconnect Sonlet', action: connect('Reconnect Sonlet') },
  'provider-unavailable': { status: 502, title: (err) => `${err.provider ?? 'The provider'} is not answering`, retry: true },
  'provider-timeout': { status: 504, title: (err) => `${err.provider ?? 'The provider'} is not answering`, retry: true },
  'provider-refused': { status: 422, title: (err) => `${err.provider ?? 'The provider'} refused it` },
  'not-found': { status: 404, title: () => 'Not found' },
  'invalid-page': { status: 404, title: () => 'No such page', action: firstPageOf },
  'invalid-input': { status: 400, title: () => 'Something is wrong with that request' },
  'too-large': { status: 413, title: () => 'Too large' },
  'unsupported-media': { status: 415, title: () => 'Not a photo' },
  'not-set-up': { status: 409, title: () => 'Plugboard is not set up', action: () => ({ href: '/settings/plugboard', label: 'Set up Plugboard' }) },
  unavailable: { status: 503, title: () => 'Not available right now', retry: true },
  gone: { status: 410, title: () => 'No longer here' },
  'too-many-requests': { status: 429, title: () => 'Slow down' },
  'already-exists': { status: 409, title: () => 'Already there' },
  'wrong-credentials': { status: 401, title: () => 'Not signed in' },
  'form-expired': { status: 403, title: () => 'Form expired', action: () => ({ href: '/', label: 'Start again' }) },
  'signed-out': { status: 401, title: () => 'Signed out', action: () => ({ href: '/sign-in', label: 'Sign in' }) },
  'unsupported-body': { status: 415, title: () => 'Not accepted' },
  forbidden: { status: 403, title: () => 'Not allowed' },
};

export function statusOf(err: DomainError): number {
  return ERROR_PAGES[err.kind].status;
}

/** Renders the error page for a domain error. */
export function sendErrorPage(request: FastifyRequest, reply: FastifyReply, err: DomainError): FastifyReply {
  const page = ERROR_PAGES[err.kind];
  if (page.status >= 500) request.log.warn({ err: { kind: err.kind, message: err.message } }, 'provider problem shown to seller');
  return reply.page(
    'error',
    {
      title: page.title(err),
      message: err.message,
      action: page.action?.(request) ?? null,
      statusCode: page.status,
      retry: page.retry && request.method === 'GET' ? request.url : null,
    },
    page.status,
  );
}

/** The page for an address the console does not have. */
export function notFoundPage(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0]!;
  // Long or odd paths are not worth echoing in full; the page is escaped either way.
  const shown = path.length > 100 ? `${path.slice(0, 100)}…` : path;
  return reply.page('error', { title: 'Not found', message: `There is no page at ${shown}.`, statusCode: 404 }, 404);
}
