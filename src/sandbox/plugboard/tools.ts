/**
 * The Plugboard sandbox's tool pages: a person places a test web-shop order for a product the
 * console published, as a shopper would, and sees the order. Not part of Plugboard's API.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SANDBOX_CSS, esc, parseCookies, sendPage, serializeCookie } from '../html.js';
import type { PlugboardContext } from './context.js';
import type { StoredOrder } from './orders.js';
import type { Tenant } from './tenants.js';
import { ShopRefusal, inStock, isOnSale, placeShopOrder, titleOf } from './webshop.js';

const CSRF_COOKIE = 'plugboard_sandbox_csrf';
const PAGE = { brand: 'Plugboard sandbox', standsInFor: 'Plugboard' };

type Handler = (ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply) => unknown;

export async function toolRoutes(app: FastifyInstance, opts: { ctx: PlugboardContext }): Promise<void> {
  const { ctx } = opts;
  const bind = (h: Handler) => (request: FastifyRequest, reply: FastifyReply) => h(ctx, request, reply);
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  app.get('/static/sandbox.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(SANDBOX_CSS));
  app.get('/tools/', bind(showShop));
  app.post('/tools/orders', bind(placeOrder));
  app.get('/tools/orders/:tenant/:localId', bind(showOrder));
}

/** GET /tools/: every tenant's products on sale, a quantity, and Place order. */
function showShop(ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply) {
  return shopPage(ctx, request, reply, 200, null);
}

function shopPage(ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply, status: number, error: string | null) {
  const token = csrfToken(ctx, request, reply);
  const options = [...ctx.tenants.values()].flatMap((t) =>
    [...t.products.values()].filter(isOnSale).map((p) => {
      const stock = inStock(p);
      const price = p.prices[0]!;
      const label = `${t.seed.tenant}: ${titleOf(p, t)} · ${price.amount} ${price.currency.toUpperCase()} · ${stock === null ? 'always in stock' : `${stock} in stock`}`;
      return `<option value="${esc(`${t.seed.tenant}/${p.localId}`)}">${esc(label)}</option>`;
    }),
  );
  const form = options.length
    ? `<form method="post" action="${esc(ctx.prefix)}/tools/orders">
<input type="hidden" name="csrf" value="${esc(token)}">
<label for="product">Product</label>
<select id="product" name="product" required>${options.join('')}</select>
<label for="quantity">Quantity</label>
<input type="number" id="quantity" name="quantity" min="1" max="999" step="1" value="1" required>
<div class="actions"><button type="submit" class="primary">Place order</button></div>
</form>`
    : '<p class="hint">No product is on sale yet: publish an item from the console (visible, purchasable, with a price), then reload this page.</p>';
  return sendPage(reply, status, {
    ...PAGE,
    title: 'Web shop',
    prefix: ctx.prefix,
    body: `<h1>Place a test web-shop order</h1>
<p>Order a published product as a shopper would. The order lands in the tenant's orders (source: its web shop) and the product's stock goes down.</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
${form}
${recentOrders(ctx)}`,
  });
}

/** POST /tools/orders: places the order, or shows why the shop refused it. */
function placeOrder(ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply) {
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (!sameToken(parseCookies(request)[CSRF_COOKIE], body.csrf)) {
    return shopPage(ctx, request, reply, 403, 'This form has expired. Try again.');
  }
  const [tenantName = '', localId = ''] = String(body.product ?? '').split('/');
  const t = ctx.tenants.get(tenantName);
  const quantity = /^\d{1,3}$/.test(String(body.quantity ?? '')) ? Number(body.quantity) : Number.NaN;
  try {
    if (!t) throw new ShopRefusal('Choose a product.');
    const order = placeShopOrder(ctx, t, localId, quantity);
    return reply.redirect(`${ctx.prefix}/tools/orders/${encodeURIComponent(tenantName)}/${order.localId}`, 303);
  } catch (err) {
    if (err instanceof ShopRefusal) return shopPage(ctx, request, reply, 409, err.message);
    throw err;
  }
}

/** GET /tools/orders/{tenant}/{localId}: the order as the shop recorded it. */
function showOrder(ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply) {
  const { tenant, localId } = request.params as { tenant: string; localId: string };
  const t = ctx.tenants.get(tenant);
  const order = t?.orders.get(localId);
  if (!t || !order) return sendPage(reply, 404, { ...PAGE, title: 'No such order', prefix: ctx.prefix, body: '<h1>No such order</h1>' });
  return sendPage(reply, 200, {
    ...PAGE,
    title: 'Web-shop order',
    prefix: ctx.prefix,
    body: `<h1>Order placed</h1>
${orderTable(order, t)}
<p><a href="${esc(ctx.prefix)}/tools/">Place another order</a></p>`,
  });
}

function orderTable(o: StoredOrder, t: Tenant): string {
  const money = (m: { amount: string; currency: string } | null) => (m ? `${esc(m.amount)} ${esc(m.currency.toUpperCase())}` : '–');
  const rows = o.orderRows
    .map((r) => `<tr><td>${esc(r.title ?? r.productLocalId)}</td><td>${esc(r.sku ?? '')}</td><td>${r.quantity}</td><td>${money(r.unitPrice)}</td></tr>`)
    .join('');
  return `<table class="order">
<tr><th>Tenant</th><td>${esc(t.seed.tenant)}</td></tr>
<tr><th>Order</th><td><code class="order-id">${esc(o.localId)}</code></td></tr>
<tr><th>Status</th><td class="order-status">${esc(o.orderStatus)}</td></tr>
<tr><th>Total excl. VAT</th><td>${money(o.totalSumExclVat)}</td></tr>
<tr><th>VAT</th><td>${money(o.totalVat)}</td></tr>
</table>
<h2>Rows</h2>
<table class="rows"><thead><tr><th>Product</th><th>SKU</th><th>Quantity</th><th>Unit price</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function recentOrders(ctx: PlugboardContext): string {
  const shopOrders = [...ctx.tenants.values()]
    .flatMap((t) => [...t.orders.values()].filter((o) => o.source.connectionType === 'webshop').map((o) => ({ t, o })))
    .sort((a, b) => b.o.created - a.o.created)
    .slice(0, 10);
  if (!shopOrders.length) return '';
  const items = shopOrders.map(
    ({ t, o }) =>
      `<li><a href="${esc(`${ctx.prefix}/tools/orders/${encodeURIComponent(t.seed.tenant)}/${o.localId}`)}">${esc(t.seed.tenant)}: ${esc(o.orderRows[0]?.title ?? o.localId)} × ${o.orderRows[0]?.quantity ?? 0}</a> <span class="hint">${esc(o.orderStatus)}</span></li>`,
  );
  return `<h2>Recent web-shop orders</h2><ul>${items.join('')}</ul>`;
}

/** Double-submit token: no session needed, and another site's form cannot place orders. */
function csrfToken(ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply): string {
  const existing = parseCookies(request)[CSRF_COOKIE];
  if (existing && /^[0-9a-f]{32}$/.test(existing)) return existing;
  const token = randomBytes(16).toString('hex');
  reply.header('set-cookie', serializeCookie(CSRF_COOKIE, token, { path: `${ctx.prefix}/tools/`, secure: request.protocol === 'https' }));
  return token;
}

function sameToken(cookie: string | undefined, field: unknown): boolean {
  if (!cookie || typeof field !== 'string' || cookie.length !== field.length) return false;
  return timingSafeEqual(Buffer.from(cookie), Buffer.from(field));
}
