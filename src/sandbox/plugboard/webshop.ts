/**
 * The tenant's web shop, as far as the sandbox needs one: what it offers, and placing an order the
 * way a shopper would (the order's source is the shop's connection, and stock goes down).
 */
import type { PlugboardContext } from './context.js';
import { type StoredOrder, newOrder } from './orders.js';
import type { StoredProduct } from './products.js';
import { type Tenant, newLocalId, nextModified } from './tenants.js';
import { totalsOf } from './totals.js';

export class ShopRefusal extends Error {}

/** A product a shop can sell: visible, purchasable, priced, not deleted. */
export function isOnSale(p: StoredProduct): boolean {
  return p.state === 'visible' && p.purchasable && !p.isDeleted && p.prices.length > 0;
}

export function inStock(p: StoredProduct): number | null {
  return p.stockType === 'always-in-stock' ? null : (p.stock ?? 0);
}

export function titleOf(p: StoredProduct, t: Tenant): string {
  return p.title[t.defaultLanguage] ?? Object.values(p.title)[0] ?? p.sku ?? p.localId;
}

/** Places a shopper's order for `quantity` of a product, refusing what a shop would refuse. */
export function placeShopOrder(ctx: PlugboardContext, t: Tenant, productLocalId: string, quantity: number): StoredOrder {
  const p = t.products.get(productLocalId);
  if (!p || p.isDeleted) throw new ShopRefusal('That product is not in the shop.');
  if (p.state !== 'visible') throw new ShopRefusal(`“${titleOf(p, t)}” is hidden in the shop: it cannot be ordered.`);
  if (!p.purchasable) throw new ShopRefusal(`“${titleOf(p, t)}” is not purchasable in the shop.`);
  const price = p.prices[0];
  if (!price) throw new ShopRefusal(`“${titleOf(p, t)}” has no price in the shop.`);
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > 999) throw new ShopRefusal('The quantity must be a whole number from 1 to 999.');
  const available = inStock(p);
  if (available !== null && available < quantity) {
    throw new ShopRefusal(available === 0 ? `“${titleOf(p, t)}” is sold out.` : `Only ${available} of “${titleOf(p, t)}” in stock.`);
  }

  const now = ctx.clock.now();
  const source = { connectionType: 'webshop', connectionId: t.webshop.connectionId, code: null, connectionName: t.webshop.connectionName };
  const order = newOrder(newLocalId(t), source, now);
  order.customerType = 'private';
  order.currency = price.currency;
  order.orderRows = [
    { rowNo: 1, productLocalId: p.localId, sku: p.sku, title: titleOf(p, t), quantity, unitPrice: { ...price }, vatRatePercent: p.vatRatePercent },
  ];
  Object.assign(order, totalsOf(order.orderRows, price.currency));
  t.orders.set(order.localId, order);
  if (available !== null) {
    t.products.set(p.localId, { ...p, stock: available - quantity, lastModified: nextModified(now, p.lastModified) });
  }
  ctx.changed();
  return order;
}
