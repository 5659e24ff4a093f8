/**
 * Pages as a production console renders them: templates compiled once and their paths remembered. Each
 * page renders the same on every request as on the first, and a template name that leads out of the
 * views directory is still refused however often it is asked for.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewsPlugin } from '../src/plugins/views.js';

const app = Fastify();
beforeAll(async () => {
  await app.register(viewsPlugin, { sandbox: false, production: true });
  app.get('/oops/:n', (request, reply) => reply.page('error', { title: 'Not found', message: `Nothing at ${(request.params as { n: string }).n} <here>`, statusCode: 404 }, 404));
  await app.ready();
});
afterAll(() => app.close());

describe('views in production', () => {
  it('render each page alike every time, with its own data, inside the layout', async () => {
    const pages = await Promise.all([1, 2, 1].map((n) => app.inject(`/oops/${n}`)));
    for (const page of pages) {
      expect(page.statusCode).toBe(404);
      expect(page.body).toContain('</html>');
      expect(page.body).toContain('&lt;here&gt;');
    }
    expect(pages[0]!.body).toContain('Nothing at 1');
    expect(pages[1]!.body).toContain('Nothing at 2');
    expect(pages[2]!.body).toBe(pages[0]!.body);
  });

  it('still refuse a template outside the views directory, the second time too', () => {
    for (let i = 0; i < 2; i++) expect(() => app.eta.render('../package.json', {})).toThrow(/not in the views directory/);
  });
});
