/**
 * The Sonlet sandbox's tool pages for people: get a token for curl (the authorization-code flow
 * with PKCE), change an item's quantity (e.g. to 0, sold out) and remove an item. The reference
 * documents no item update or delete, so these tools are the sandbox's own, not an API: they need a
 * signed-in seller.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { esc, shellQuote } from '../html.js';
import { loginUrl, safeEqual, sessionOf } from './accounts.js';
import { type SandboxClient, type SandboxContext, bindTo, field } from './context.js';
import type { ItemRecord, SessionRecord } from './model.js';
import { s256 } from './oauth-token.js';
import { sonletPage } from './page.js';
import { randomToken } from './store.js';

const MAX_QUANTITY = 2147483647;

export function toolRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const bind = bindTo(ctx);
  app.get('/tools/', bind(showTools));
  app.get('/tools/callback', bind(showCode));
  app.post('/tools/quantity', bind(setQuantity));
  app.post('/tools/remove', bind(removeItem));
}

function toolsClients(ctx: SandboxContext, request: FastifyRequest): SandboxClient[] {
  const callback = `${ctx.baseUrl(request)}/tools/callback`;
  return [...ctx.clients.values()].filter((c) => ctx.redirectUris(c, request).includes(callback));
}

/** GET /tools/[?item=pk or ?removed=pk]: the token links, and the item tools for the signed-in seller. */
function showTools(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  return toolsPage(ctx, request, reply, 200, { itemPk: Number(field(request.query, 'item') ?? Number.NaN), removedPk: Number(field(request.query, 'removed') ?? Number.NaN) });
}

function toolsPage(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply, status: number, shown: { itemPk?: number; removedPk?: number; error?: string }) {
  const session = sessionOf(ctx, request);
  return sonletPage(reply, status, {
    title: 'Tools',
    prefix: ctx.prefix,
    body: `<h1>Sandbox tools</h1>
<h2>Get a token for outside tools</h2>
${tokenLinks(ctx, request)}
<h2>Set an item’s quantity</h2>
<p class="hint">Sonlet’s API has no item update, so this is the sandbox’s own tool: use it to make an item sold out (0) or to restock it.</p>
${session ? quantityForm(ctx, session, shown) : `<p><a href="${esc(loginUrl(ctx, `${ctx.prefix}/tools/`))}">Sign in as a sandbox seller</a> to change your items.</p>`}`,
  });
}

function tokenLinks(ctx: SandboxContext, request: FastifyRequest): string {
  const callback = `${ctx.baseUrl(request)}/tools/callback`;
  const now = Date.now();
  for (const [s, t] of ctx.toolStates) if (t.expiresAt < now) ctx.toolStates.delete(s);
  const rows = toolsClients(ctx, request).map((client) => {
    const verifier = randomToken(64);
    const state = randomToken(24);
    ctx.toolStates.set(state, { clientId: client.clientId, codeVerifier: verifier, expiresAt: now + 3600_000 });
    const q = new URLSearchParams({ response_type: 'code', client_id: client.clientId, redirect_uri: callback, state, code_challenge: s256(verifier), code_challenge_method: 'S256' });
    return `<li><a href="${esc(`${ctx.prefix}/o/authorize/?${q.toString()}`)}">Connect a seller to ${esc(client.name)}</a> <span class="hint">(client <code>${esc(client.clientId)}</code>)</span></li>`;
  });
  if (!rows.length) return `<p class="error">No client has <code>${esc(callback)}</code> as a redirect URI.</p>`;
  return `<p>For curl, scripts or API browsers. The link starts the authorization code flow with PKCE; after you authorize, the callback page shows the exact curl command that exchanges the code (the code expires after 60 seconds).</p>
<ul>${rows.join('\n')}</ul>`;
}

function quantityForm(ctx: SandboxContext, session: SessionRecord, shown: { itemPk?: number; removedPk?: number; error?: string }): string {
  const item = shown.itemPk ? ctx.store.items.get(shown.itemPk) : undefined;
  const mine = item && item.owner === session.username ? item : undefined;
  const status = mine
    ? `<p class="status" role="status">Item ${mine.pk} (${esc(ctx.store.styles.get(mine.itemchoiceId)?.name ?? '')} – ${esc(ctx.store.sizes.get(mine.sizeId)?.name ?? '')}): quantity is now ${mine.quantity}${mine.quantity === 0 ? ' (sold out)' : ''}.</p>`
    : shown.removedPk && !ctx.store.items.has(shown.removedPk)
      ? `<p class="status" role="status">Item ${shown.removedPk} is removed: the API now answers 404 for it.</p>`
      : '';
  return `<p>Signed in as <strong>${esc(session.username)}</strong>. <a href="${esc(`${ctx.prefix}/accounts/logout/?next=${encodeURIComponent(`${ctx.prefix}/tools/`)}`)}">Sign out</a></p>
${shown.error ? `<p class="error" role="alert">${esc(shown.error)}</p>` : status}
<form method="post" action="${esc(ctx.prefix)}/tools/quantity">
<input type="hidden" name="csrfmiddlewaretoken" value="${esc(session.csrf)}">
<label for="id_item">Item number (its pk)</label>
<input type="number" id="id_item" name="item" min="1" step="1" required>
<label for="id_quantity">Quantity</label>
<input type="number" id="id_quantity" name="quantity" min="0" max="${MAX_QUANTITY}" step="1" value="0" required>
<div class="actions"><button type="submit" class="primary">Set quantity</button></div>
</form>
<h2>Remove an item</h2>
<p>As when you delete it in Sonlet: it leaves every list, and the API answers 404 for it.</p>
<form method="post" action="${esc(ctx.prefix)}/tools/remove">
<input type="hidden" name="csrfmiddlewaretoken" value="${esc(session.csrf)}">
<label for="id_remove_item">Item to remove (its pk)</label>
<input type="number" id="id_remove_item" name="item" min="1" step="1" required>
<div class="actions"><button type="submit">Remove item</button></div>
</form>`;
}

/** The signed-in seller's own item named in a tools form, or the page that says why not (already sent). */
function ownItemOf(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply): ItemRecord | FastifyReply {
  const session = sessionOf(ctx, request);
  if (!session) return reply.redirect(loginUrl(ctx, `${ctx.prefix}/tools/`), 302);
  const body = request.body ?? {};
  if (!safeEqual(field(body, 'csrfmiddlewaretoken') ?? '', session.csrf)) {
    return toolsPage(ctx, request, reply, 403, { error: 'CSRF verification failed. Reload the page and try again.' });
  }
  const pkText = (field(body, 'item') ?? '').trim();
  const item = /^\d{1,12}$/.test(pkText) ? ctx.store.items.get(Number(pkText)) : undefined;
  if (!item || item.owner !== session.username) return toolsPage(ctx, request, reply, 400, { error: `You have no item ${pkText || '(empty)'}.` });
  return item;
}

/** POST /tools/remove: the signed-in seller removes one of their own items. */
function removeItem(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const item = ownItemOf(ctx, request, reply);
  if (!('pk' in item)) return item;
  ctx.store.removeItem(item.pk);
  return reply.redirect(`${ctx.prefix}/tools/?removed=${item.pk}`, 303);
}

/** POST /tools/quantity: the signed-in seller changes one of their own items. */
function setQuantity(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const item = ownItemOf(ctx, request, reply);
  if (!('pk' in item)) return item;
  const quantityText = (field(request.body ?? {}, 'quantity') ?? '').trim();
  if (!/^\d{1,10}$/.test(quantityText) || Number(quantityText) > MAX_QUANTITY) {
    return toolsPage(ctx, request, reply, 400, { error: 'The quantity must be a whole number, 0 or more.' });
  }
  ctx.store.setQuantity(item.pk, Number(quantityText));
  return reply.redirect(`${ctx.prefix}/tools/?item=${item.pk}`, 303);
}

/** GET /tools/callback: shows the code and the exact curl command that exchanges it. */
function showCode(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const base = ctx.baseUrl(request);
  const q = request.query;
  const error = field(q, 'error');
  const code = field(q, 'code');
  const state = field(q, 'state');
  if (error || !code) {
    const description = field(q, 'error_description');
    return sonletPage(reply, 400, {
      title: 'Authorization failed',
      prefix: ctx.prefix,
      body: `<h1>Authorization failed</h1>
<p class="error"><strong>${esc(error ?? 'missing code')}</strong>${description ? `: ${esc(description)}` : ''}</p>
<p><a href="${esc(ctx.prefix)}/tools/">Start again</a></p>`,
    });
  }
  const grant = ctx.store.grants.get(code);
  const toolState = state ? ctx.toolStates.get(state) : undefined;
  const client = (grant && ctx.clients.get(grant.clientId)) ?? (toolState && ctx.clients.get(toolState.clientId)) ?? toolsClients(ctx, request)[0];
  const lines = [
    `curl -sS -X POST ${shellQuote(`${base}/o/token/`)}`,
    `  --data-urlencode 'grant_type=authorization_code'`,
    `  --data-urlencode ${shellQuote(`code=${code}`)}`,
    `  --data-urlencode ${shellQuote(`redirect_uri=${grant?.redirectUri ?? `${base}/tools/callback`}`)}`,
    `  --data-urlencode ${shellQuote(`client_id=${client?.clientId ?? 'CLIENT_ID'}`)}`,
    `  --data-urlencode ${shellQuote(`client_secret=${client?.clientSecret ?? 'CLIENT_SECRET'}`)}`,
  ];
  if (toolState) lines.push(`  --data-urlencode ${shellQuote(`code_verifier=${toolState.codeVerifier}`)}`);
  else if (!grant || grant.codeChallenge) lines.push(`  --data-urlencode "code_verifier=$CODE_VERIFIER"`);
  const apiCall = `curl -sS ${shellQuote(`${base}/api/v2/items/`)} -H "Authorization: Bearer $ACCESS_TOKEN"`;
  return sonletPage(reply, 200, {
    title: 'Authorization code',
    prefix: ctx.prefix,
    body: `<h1>Authorization code received</h1>
<p>Code: <code>${esc(code)}</code>${state ? ` &nbsp; State: <code>${esc(state)}</code>` : ''}</p>
<p>Exchange it within 60 seconds${toolState ? '' : ' (set CODE_VERIFIER to the PKCE verifier your tool made)'}:</p>
<pre>${esc(lines.join(' \\\n'))}</pre>
<p>Then call the API with the <code>access_token</code> from the answer:</p>
<pre>${esc(apiCall)}</pre>`,
  });
}
