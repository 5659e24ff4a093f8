/**
 * Brings one export's product in line with what the seller wants: a listed item is upserted with its
 * current Sonlet content (visible and purchasable while it has pieces), an unlisted one, or one gone
 * from Sonlet, is hidden. The outcome is recorded on the export row. This is the one call the publish
 * task makes ({@link ShopExports.send}); the keep-in-step task calls {@link ShopExports.sendItem} with
 * items it already walked.
 */
import type { PrismaClient, PlugboardExport } from '../generated/prisma/client.js';
import type { SonletApi } from '../sonlet/api-client.js';
import type { SonletItem } from '../sonlet/types.js';
import { DomainError, NotFoundError } from '../errors.js';
import type { PlugboardClient } from './client.js';
import type { PlugboardConnectionStore } from './connection-store.js';
import { contentHashOf, exportItem, hideProduct, type ExportOutcome, type ReadPicture } from './export-item.js';
import { refusalOf } from './errors.js';
import { itemTitle, type ShopSettings, type ShopState } from './product-mapping.js';
import { storableText } from '../storable-text.js';

export interface ShopExportsDeps {
  prisma: PrismaClient;
  connections: PlugboardConnectionStore;
  sonletApiFor: (userId: string) => SonletApi;
  /** Reads an item's full image from Sonlet on the seller's behalf. */
  readPictureFor: (userId: string) => ReadPicture;
}

/** The export was queued for a connection the seller has since replaced. */
export class ConnectionChangedError extends DomainError {
  constructor() {
    super('gone', 'The Plugboard connection was changed after this item was queued. Publish it again to send it to the new connection.');
  }
}

/** The item to publish is no longer in Sonlet and never reached the shop. */
export class ItemGoneError extends NotFoundError {
  constructor() {
    super('That item');
  }
}

export class ShopExports {
  constructor(private readonly deps: ShopExportsDeps) {}

  /** Sends this export (fetching its item from Sonlet) and records the outcome; throws what went wrong. */
  async send(row: PlugboardExport): Promise<void> {
    const { client, shop } = await this.deps.connections.connectionFor(row.userId);
    if (shop.connectionId !== row.connectionId) throw new ConnectionChangedError();
    if (!row.listed) return this.hide(client, row, 'hidden');
    let item: SonletItem;
    try {
      item = await this.deps.sonletApiFor(row.userId).getItem(row.sonletItemId);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      if (!row.localId) throw new ItemGoneError();
      return this.hide(client, row, 'gone');
    }
    await this.sendItem(client, shop, row, item);
  }

  /** Upserts the product for an item already read from Sonlet and records the outcome. */
  async sendItem(client: PlugboardClient, shop: ShopSettings, row: PlugboardExport, item: SonletItem): Promise<ExportOutcome> {
    const { prisma } = this.deps;
    await this.remember(row.id, item);
    let outcome: ExportOutcome;
    try {
      outcome = await exportItem(client, shop, item, {
        listed: row.listed,
        previous: { pictureSource: row.pictureSource, pictureFileId: row.pictureFileId, pendingFileId: row.pendingFileId, pendingFileSource: row.pendingFileSource },
        readPicture: this.deps.readPictureFor(row.userId),
        rememberPendingFile: async (pendingFileId, pendingFileSource) => {
          await prisma.plugboardExport.update({ where: { id: row.id }, data: { pendingFileId, pendingFileSource } });
        },
      });
    } catch (err) {
      const refusal = refusalOf(err);
      // Refused for good: the background sync leaves this content alone until it changes (keep-in-step.ts).
      if (refusal) await prisma.plugboardExport.update({ where: { id: row.id }, data: { refusedHash: contentHashOf(item, shop, row.listed), syncError: storableText(refusal, 1000) } });
      throw err;
    }
    await prisma.plugboardExport.update({
      where: { id: row.id },
      data: { ...outcome, syncError: null, refusedHash: null, pendingFileId: null, pendingFileSource: null, sentAt: new Date() },
    });
    return outcome;
  }

  /** Takes the product out of the shop (never deleting it) and records why. */
  async hide(client: PlugboardClient, row: PlugboardExport, why: Extract<ShopState, 'hidden' | 'gone'>): Promise<void> {
    if (row.localId) await hideProduct(client, row.localId);
    await this.deps.prisma.plugboardExport.update({
      where: { id: row.id },
      data: { shopState: why, contentHash: null, syncError: null, sentAt: new Date() },
    });
  }

  /** What result pages show of the item, kept so they need no Sonlet call. */
  private async remember(exportId: string, item: SonletItem): Promise<void> {
    await this.deps.prisma.plugboardExport.update({
      where: { id: exportId },
      data: { title: itemTitle(item), style: item.style, size: item.size, thumbnailUrl: item.image_thumbnail },
    });
  }
}
