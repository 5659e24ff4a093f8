/** What a seller chose for themselves (SellerSettings); no row means every default. */
import type { PrismaClient } from '../generated/prisma/client.js';

export interface SellerPreferences {
  /** Photos larger than 2,048 px on the long edge are shrunk in the browser before they are sent. */
  downscalePhotos: boolean;
}

export const DEFAULT_PREFERENCES: SellerPreferences = { downscalePhotos: true };

export class SellerSettings {
  constructor(private readonly prisma: PrismaClient) {}

  async get(userId: string): Promise<SellerPreferences> {
    const row = await this.prisma.sellerSettings.findUnique({ where: { userId } });
    return row ? { downscalePhotos: row.downscalePhotos } : { ...DEFAULT_PREFERENCES };
  }

  async save(userId: string, preferences: SellerPreferences): Promise<void> {
    await this.prisma.sellerSettings.upsert({ where: { userId }, create: { userId, ...preferences }, update: preferences });
  }
}
