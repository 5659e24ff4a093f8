import type { PrismaClient } from '../generated/prisma/client.js';
import type { CacheInvalidation } from '../db/cache-invalidation.js';
import type { SonletApi } from '../sonlet/api-client.js';
import type { SonletItemChoice, SonletSize } from '../sonlet/types.js';
import { systemClock, type Clock } from '../clock.js';

const CACHE = 'catalog';

export interface Catalog {
  styles: SonletItemChoice[];
  sizes: SonletSize[];
  fetchedAt: Date;
}

/**
 * Styles and sizes change rarely, so they are fetched once per TTL per seller and kept in
 * Postgres (shared by every console process), not fetched with every page. A process keeps a copy in
 * memory in front of the row; a refresh or forget in any process drops the copies in all of them.
 */
export class CatalogCache {
  /** In front of the Postgres row: an items page then costs no catalog query at all. */
  private readonly memory = new Map<string, Catalog>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly ttlSeconds: number,
    private readonly invalidation: CacheInvalidation | null = null,
    private readonly clock: Clock = systemClock,
  ) {
    invalidation?.register(CACHE, (userId) => (userId ? this.memory.delete(userId) : this.memory.clear()));
  }

  async get(userId: string, api: SonletApi, opts: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<Catalog> {
    if (!opts.refresh) {
      const remembered = this.memory.get(userId);
      if (remembered && this.fresh(remembered.fetchedAt)) return remembered;
      const row = await this.prisma.catalogCache.findUnique({ where: { userId_kind: { userId, kind: 'catalog' } } });
      if (row && this.fresh(row.fetchedAt)) {
        const data = row.data as unknown as Pick<Catalog, 'styles' | 'sizes'>;
        return this.remember(userId, { ...data, fetchedAt: row.fetchedAt });
      }
    }
    const [styles, sizes] = await Promise.all([api.listAllItemChoices({ signal: opts.signal }), api.listAllSizes({ signal: opts.signal })]);
    styles.sort((a, b) => a.name.localeCompare(b.name));
    const fetchedAt = new Date(this.clock.now());
    const data = { styles, sizes } as object;
    await this.prisma.catalogCache.upsert({
      where: { userId_kind: { userId, kind: 'catalog' } },
      create: { userId, kind: 'catalog', data, fetchedAt },
      update: { data, fetchedAt },
    });
    await this.invalidation?.announce(CACHE, userId);
    return this.remember(userId, { styles, sizes, fetchedAt });
  }

  private fresh(fetchedAt: Date): boolean {
    return this.clock.now() - fetchedAt.getTime() < this.ttlSeconds * 1000;
  }

  private remember(userId: string, catalog: Catalog): Catalog {
    if (this.memory.size > 10_000) this.memory.clear();
    this.memory.set(userId, catalog);
    return catalog;
  }

  async forget(userId: string): Promise<void> {
    this.memory.delete(userId);
    await this.prisma.catalogCache.deleteMany({ where: { userId } });
    await this.invalidation?.announce(CACHE, userId);
  }
}
