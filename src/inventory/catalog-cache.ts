import type { PrismaClient } from '../generated/prisma/client.js';
import type { SonletApi } from '../sonlet/api-client.js';
import type { SonletItemChoice, SonletSize } from '../sonlet/types.js';

export interface Catalog {
  styles: SonletItemChoice[];
  sizes: SonletSize[];
  fetchedAt: Date;
}

/**
 * Styles and sizes change rarely, so they are fetched once per TTL per seller and kept in
 * Postgres (shared by every console process), not fetched with every page.
 */
export class CatalogCache {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ttlSeconds: number,
  ) {}

  async get(userId: string, api: SonletApi, opts: { refresh?: boolean } = {}): Promise<Catalog> {
    if (!opts.refresh) {
      const row = await this.prisma.catalogCache.findUnique({ where: { userId_kind: { userId, kind: 'catalog' } } });
      if (row && Date.now() - row.fetchedAt.getTime() < this.ttlSeconds * 1000) {
        const data = row.data as unknown as Pick<Catalog, 'styles' | 'sizes'>;
        return { ...data, fetchedAt: row.fetchedAt };
      }
    }
    const [styles, sizes] = await Promise.all([api.listAllItemChoices(), api.listAllSizes()]);
    styles.sort((a, b) => a.name.localeCompare(b.name));
    const fetchedAt = new Date();
    const data = { styles, sizes } as object;
    await this.prisma.catalogCache.upsert({
      where: { userId_kind: { userId, kind: 'catalog' } },
      create: { userId, kind: 'catalog', data, fetchedAt },
      update: { data, fetchedAt },
    });
    return { styles, sizes, fetchedAt };
  }

  async forget(userId: string): Promise<void> {
    await this.prisma.catalogCache.deleteMany({ where: { userId } });
  }
}
