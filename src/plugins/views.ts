import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fp from 'fastify-plugin';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pages, ViewName } from '../web/pages.js';
import { escapeForPage } from '../web/page-text.js';

const VIEWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../views');

declare module 'fastify' {
  interface FastifyReply {
    /** Renders views/<view>.eta inside the layout, with the locals every page needs. */
    page<V extends ViewName>(view: V, data: Pages[V], statusCode?: number): FastifyReply;
  }
}

export interface PageLocals {
  sandbox: boolean;
  userEmail: string | null;
  /** Shows the Team link in the navigation. */
  isAdmin?: boolean;
  /** Called by the templates that hold a form; a page without one does not start a session. */
  csrf: () => string | null;
  path: string;
}

/** Collects the locals of the layout; set by the console scope, absent in sandbox scopes. */
export type LocalsFor = (request: FastifyRequest, reply: FastifyReply) => PageLocals;

export const viewsPlugin = fp(async (app, opts: { sandbox: boolean; production: boolean }) => {
  const eta = new Eta({ views: VIEWS_DIR, cache: opts.production, autoEscape: true, escapeFunction: escapeForPage, autoTrim: [false, 'nl'] });
  if (opts.production) rememberTemplatePaths(eta);
  app.decorate('eta', eta);
  app.decorateRequest('pageLocals', null);
  app.decorateReply('page', function (this: FastifyReply, view: ViewName, data: Pages[ViewName], statusCode?: number) {
    const request = this.request;
    const locals = request.pageLocals?.(request, this) ?? { sandbox: opts.sandbox, userEmail: null, csrf: () => null, path: request.url };
    const html = eta.render(view, { ...locals, ...data });
    if (statusCode) this.code(statusCode);
    return this.type('text/html; charset=utf-8').send(html);
  });
});

/**
 * Eta works out each template's file path on every render and include (JSON, path joins and a
 * views-directory check each time), a measurable share of a page's CPU time. With templates cached the
 * answer never changes: it is kept, per template name and including file.
 */
function rememberTemplatePaths(eta: Eta): void {
  const resolve = eta.resolvePath!;
  // By including file, then by name: no key string is built per include (a page includes a partial per item).
  const known = new Map<string, Map<string, string>>();
  eta.resolvePath = function (this: ThisParameterType<typeof resolve>, template: string, options?: Parameters<typeof resolve>[1]) {
    const from = options?.filepath ?? '';
    let names = known.get(from);
    if (!names) known.set(from, (names = new Map()));
    let found = names.get(template);
    if (found === undefined) {
      found = resolve.call(this, template, options);
      names.set(template, found);
    }
    return found;
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    eta: Eta;
  }
  interface FastifyRequest {
    pageLocals: LocalsFor | null;
  }
}
