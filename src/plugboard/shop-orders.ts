/**
 * The web shop's orders, polled from Plugboard (`GET /api/order?modifiedAtOrAfter=…`) and stored in
 * Postgres, so the Orders page is fast and still there while Plugboard is away. Rows that are the
 * seller's published items are linked to their Sonlet items.
 */
import type { FastifyBaseLogger } from 'fastify';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { NotFoundError } from '../errors.js';
import type { PlugboardConnectionStore } from './connection-store.js';
import { PlugboardError, sellerErrorOf } from './errors.js';
import { orderOf, type OrderRecord } from './order-mapping.js';
import type { PlugboardOrder } from './types.js';
import { systemClock, type Clock } from '../clock.js';
import type { SoldItems } from './sold-items.js';
import { storableText } from '../storable-text.js';

export interface OrderView extends Omit<OrderRecord, 'rows'> {
  id: string;
  rows: Array<OrderRecord['rows'][number] & { sonletItemId: number | null }>;
}

/** The first poll asks for everything since this. */
const BEGINNING = new Date(0);
const PAGE = 50;

export class ShopOrders {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly connections: PlugboardConnectionStore,
    private readonly sold: SoldItems,
    private readonly clock: Clock = systemClock,
    private readonly log: Pick<FastifyBaseLogger, 'warn'> | null = null,
  ) {}

  /**
   * Asks Plugboard for the orders changed since the last poll and stores them. The cursor only moves
   * after they are stored, to the newest `lastModified` Plugboard reported, so nothing is skipped
   * when a poll fails or the clocks differ.
   */
  async poll(userId: string): Promise<number> {
    const { client, settings } = await this.connections.connectionFor(userId);
    const row = await this.prisma.plugboardConnection.findUnique({ where: { userId }, select: { ordersCursor: true } });
    let orders: PlugboardOrder[];
    try {
      orders = await client.listOrders(row?.ordersCursor ?? BEGINNING);
    } catch (err) {
      if (err instanceof PlugboardError) {
        await this.note(userId, sellerErrorOf(err).message);
        throw sellerErrorOf(err);
      }
      throw err;
    }
    let cursor = row?.ordersCursor ?? null;
    const now = new Date(this.clock.now());
    const refused: string[] = [];
    try {
      for (const order of orders) {
        const record = orderOf(order, now);
        try {
          await this.store(userId, settings.connectionId, record);
        } catch (err) {
          // One order the database refuses for what it says (a value no column holds) must not stop every
          // later poll at the same place: it is reported and passed over. Anything else (a connection
          // lost, a timeout) fails the poll, and the cursor stays where it was.
          if (!isRefusedData(err)) throw err;
          this.log?.warn({ err, localId: record.localId.slice(0, 100) }, 'a web-shop order could not be stored');
          refused.push(record.localId.slice(0, 40));
        }
        // Never past our own clock: a cursor in the future would skip the orders placed until then.
        const seen = record.modifiedAt > now ? now : record.modifiedAt;
        if (!cursor || seen > cursor) cursor = seen;
      }
    } finally {
      // Even when a later order failed to store, the earlier ones are there to show.
      if (orders.length) await this.sold.forget(userId);
    }
    const named = refused.slice(0, 5).join(', ') + (refused.length > 5 ? ', …' : '');
    const lastOrdersError = refused.length ? `Plugboard sent ${refused.length === 1 ? 'an order' : `${refused.length} orders`} the console could not store (${named}); look at ${refused.length === 1 ? 'it' : 'them'} in Plugboard.` : null;
    await this.prisma.plugboardConnection.update({ where: { userId }, data: { ordersCursor: cursor, lastOrdersError: lastOrdersError && storableText(lastOrdersError, 500) } });
    return orders.length;
  }

  /** Marks the order as being processed at Plugboard and stores what Plugboard answers. */
  async markProcessing(userId: string, orderId: string): Promise<void> {
    const stored = await this.prisma.shopOrder.findFirst({ where: { id: orderId, userId } });
    if (!stored) throw new NotFoundError('That order');
    const { client } = await this.connections.connectionFor(userId);
    let answer: PlugboardOrder;
    try {
      answer = await client.updateOrder(stored.localId, { orderStatus: 'processing' });
    } catch (err) {
      throw err instanceof PlugboardError ? sellerErrorOf(err) : err;
    }
    await this.store(userId, stored.connectionId, orderOf(answer, new Date(this.clock.now())));
    await this.sold.forget(userId);
  }

  /** The seller's orders for their current connection, newest first. */
  async list(userId: string, page = 1): Promise<{ orders: OrderView[]; total: number; polledAt: Date | null; lastError: string | null }> {
    const connection = await this.prisma.plugboardConnection.findUnique({ where: { userId } });
    if (!connection) return { orders: [], total: 0, polledAt: null, lastError: null };
    const where = { userId, connectionId: connection.connectionId };
    const [orders, total] = await Promise.all([
      this.prisma.shopOrder.findMany({ where, orderBy: { placedAt: 'desc' }, skip: (page - 1) * PAGE, take: PAGE, include: { rows: { orderBy: { rowNo: 'asc' } } } }),
      this.prisma.shopOrder.count({ where }),
    ]);
    return { orders: orders.map(({ rows, ...o }) => ({ ...o, rows })), total, polledAt: connection.ordersPolledAt, lastError: connection.lastOrdersError };
  }

  /** For each of these items that a web-shop order contains: when it was last sold. */
  soldOn(userId: string, pks: number[]): Promise<Record<number, Date>> {
    return this.sold.soldOn(userId, pks);
  }

  private async note(userId: string, message: string): Promise<void> {
    await this.prisma.plugboardConnection.updateMany({ where: { userId }, data: { lastOrdersError: storableText(message, 500) } });
  }

  private async store(userId: string, connectionId: string, record: OrderRecord): Promise<void> {
    const items = await this.itemsOf(userId, connectionId, record);
    const { rows, ...order } = record;
    await this.prisma.$transaction(async (tx) => {
      const saved = await tx.shopOrder.upsert({
        where: { userId_connectionId_localId: { userId, connectionId, localId: record.localId } },
        create: { userId, connectionId, ...order },
        update: order,
      });
      await tx.shopOrderRow.deleteMany({ where: { orderId: saved.id } });
      await tx.shopOrderRow.createMany({ data: rows.map((r) => ({ ...r, orderId: saved.id, userId, sonletItemId: items.get(r.rowNo) ?? null })) });
    });
  }

  /**
   * Which rows are this seller's items: by the product's localId, or by the sku the console gave it, and in
   * both cases only a product this seller published through this connection. A shop's order can hold anyone's
   * products, and an sku is only text: it names an item, it does not make it this seller's.
   */
  private async itemsOf(userId: string, connectionId: string, record: OrderRecord): Promise<Map<number, number>> {
    const localIds = record.rows.map((r) => r.productLocalId).filter((id): id is string => id !== null);
    const skuPks = record.rows.map((r) => skuItem(r.sku)).filter((pk): pk is number => pk !== null);
    const exports = await this.prisma.plugboardExport.findMany({
      where: { userId, connectionId, OR: [{ localId: { in: localIds } }, { sonletItemId: { in: skuPks } }] },
      select: { localId: true, sonletItemId: true },
    });
    const byLocalId = new Map(exports.filter((e) => e.localId !== null).map((e) => [e.localId!, e.sonletItemId]));
    const published = new Set(exports.map((e) => e.sonletItemId));
    const items = new Map<number, number>();
    for (const row of record.rows) {
      const byProduct = row.productLocalId ? byLocalId.get(row.productLocalId) : undefined;
      const bySku = skuItem(row.sku);
      const pk = byProduct ?? (bySku !== null && published.has(bySku) ? bySku : undefined);
      if (pk !== undefined) items.set(row.rowNo, pk);
    }
    return items;
  }
}

/** The Sonlet item an sku the console wrote names (`sonlet-item-<pk>`), or null. */
function skuItem(sku: string | null): number | null {
  const pk = Number(/^sonlet-item-(\d{1,9})$/.exec(sku ?? '')?.[1] ?? NaN);
  return Number.isSafeInteger(pk) && pk > 0 ? pk : null;
}

/** Prisma's codes for a value the database will not hold (too long, out of range, malformed): sending it again cannot help. */
const DATA_REFUSALS = new Set(['P2000', 'P2006', 'P2007', 'P2019', 'P2020', 'P2023']);

function isRefusedData(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientValidationError || (err instanceof Prisma.PrismaClientKnownRequestError && DATA_REFUSALS.has(err.code));
}
