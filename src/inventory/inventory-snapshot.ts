/**
 * The seller's whole inventory as one walk of Sonlet found it, one row per item (InventoryItem), so
 * search, sort and filters are a Postgres query instead of another walk. Rows of a walk are written page
 * by page as the walk reads them (nothing sized by Sonlet's `count` is held in memory) and become the
 * current snapshot only when the walk ends: the inventory summary names the walk that is current.
 */
import { randomUUID } from 'node:crypto';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { SonletItem } from '../sonlet/types.js';
import { isId } from '../sonlet/parse.js';

export interface SnapshotWalk {
  walkId: string;
  startedAt: Date;
}

/** Walks are ordered by when they started, ties broken by id, so two processes agree on which is newer. */
export function startedAfter(a: { walkId: string; startedAt: Date }, b: SnapshotWalk): boolean {
  return a.startedAt > b.startedAt || (a.startedAt.getTime() === b.startedAt.getTime() && a.walkId > b.walkId);
}

/** What a search matches: style, size, attribute names and values, and the item's number. */
export function searchTextOf(item: SonletItem): string {
  const attributes = Object.entries(item.data?.attributes ?? {}).flat();
  return [item.style, item.size, ...attributes, String(item.pk)].join(' ').toLowerCase();
}

/** Sonlet's decimal string as a number of cents' precision, or null when it is not one. */
export function priceOf(raw: string): string | null {
  const text = String(raw ?? '').trim();
  return /^\d{1,10}(\.\d{1,2})?$/.test(text) ? text : null;
}

/** Years Postgres and every page can show; a date outside them (year -10000, 275760) is no date. */
const EARLIEST = Date.UTC(1, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

function createdOf(raw: string): Date | null {
  const at = new Date(raw).getTime();
  return Number.isNaN(at) || at < EARLIEST || at > LATEST ? null : new Date(at);
}

/** A style or size id for an integer column: one the parser found no id for (NaN) is stored as 0, "none". */
const idOf = (n: number): number => (isId(n) ? n : 0);

export class InventorySnapshots {
  constructor(private readonly prisma: PrismaClient) {}

  begin(): SnapshotWalk {
    return { walkId: randomUUID(), startedAt: new Date() };
  }

  /** Writes one page of a walk. */
  async add(userId: string, walk: SnapshotWalk, items: SonletItem[]): Promise<void> {
    if (items.length === 0) return;
    // A hostile or confused Sonlet may list an item twice; the first one counts.
    const seen = new Set<number>();
    await this.prisma.inventoryItem.createMany({
      data: items
        .filter((item) => !seen.has(item.pk) && seen.add(item.pk))
        .map((item) => ({
          userId,
          walkId: walk.walkId,
          pk: item.pk,
          itemchoiceId: idOf(item.itemchoice_id),
          sizeId: idOf(item.size_id),
          price: priceOf(item.price),
          quantity: Number.isFinite(item.quantity) ? Math.max(-2147483648, Math.min(2147483647, Math.trunc(item.quantity))) : 0,
          created: createdOf(item.created),
          searchText: searchTextOf(item).slice(0, 10_000),
          item: item as unknown as Prisma.InputJsonValue,
          walkedAt: walk.startedAt,
        })),
      skipDuplicates: true,
    });
  }

  /** A walk that did not finish leaves nothing behind. */
  async discard(userId: string, walk: SnapshotWalk): Promise<void> {
    await this.prisma.inventoryItem.deleteMany({ where: { userId, walkId: walk.walkId } });
  }

  /**
   * Makes a finished walk current, unless a walk that started later already is (two processes walked
   * at once): `publish` runs inside the same transaction, under a per-seller lock, and answers false to
   * keep the newer one. Rows of walks that started earlier go; a walk still running that started later
   * keeps its rows.
   */
  async finish(userId: string, walk: SnapshotWalk, publish: (tx: Prisma.TransactionClient) => Promise<boolean>): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`inventory:${userId}`}, 0))`;
      if (!(await publish(tx))) {
        await tx.inventoryItem.deleteMany({ where: { userId, walkId: walk.walkId } });
        return false;
      }
      const older = [{ walkedAt: { lt: walk.startedAt } }, { walkedAt: walk.startedAt, walkId: { lt: walk.walkId } }];
      await tx.inventoryItem.deleteMany({ where: { userId, walkId: { not: walk.walkId }, OR: older } });
      return true;
    });
  }
}
