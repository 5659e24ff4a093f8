/**
 * The items grid's web-shop filter: which of the seller's items are published (in the shop, for sale or
 * sold out), not published, or out of sync (the shop does not show what the seller wants right now).
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SonletItem } from '../sonlet/types.js';
import type { PlugboardConnectionStore } from './connection-store.js';
import { sendStates, syncStateOf } from './keep-in-step.js';

export const SHOP_FILTERS = ['published', 'unpublished', 'out-of-sync'] as const;
export type ShopFilter = (typeof SHOP_FILTERS)[number];

export async function filterByShop(deps: { prisma: PrismaClient; connections: PlugboardConnectionStore }, userId: string, items: SonletItem[], filter: ShopFilter): Promise<SonletItem[]> {
  const settings = await deps.connections.forDisplay(userId);
  if (!settings) return filter === 'unpublished' ? items : [];
  const { shop } = await deps.connections.connectionFor(userId);
  const rows = await deps.prisma.plugboardExport.findMany({ where: { userId, connectionId: settings.connectionId } });
  const byPk = new Map(rows.map((r) => [r.sonletItemId, r]));
  const sending = filter === 'out-of-sync' ? await sendStates(deps.prisma, rows, Date.now()) : new Map();
  const published = (pk: number) => {
    const row = byPk.get(pk);
    return Boolean(row && row.listed && row.localId && (row.shopState === 'visible' || row.shopState === 'sold-out'));
  };
  if (filter === 'published') return items.filter((i) => published(i.pk));
  if (filter === 'unpublished') return items.filter((i) => !published(i.pk));
  return items.filter((i) => {
    const row = byPk.get(i.pk);
    // An item that does not map is shown as out of sync rather than failing the whole page.
    return row !== undefined && syncStateOf(row, sending.get(row.id) ?? null, i, shop).outOfSync;
  });
}
