/**
 * What an export sends: given the seller's client and settings and a Sonlet item, upsert the product
 * with its picture. The picture is the item's full image fetched from Sonlet and uploaded through
 * Plugboard's file endpoints once per image; while the item keeps the same image, the uploaded file
 * is reused. Every send is an upsert by remoteId, so a send whose answer was lost is simply sent again.
 */
import { createHash } from 'node:crypto';
import type { SonletItem } from '../sonlet/types.js';
import type { PlugboardClient } from './client.js';
import { hiddenProduct, productFor, remoteIdForItem, shopStateOf, type ShopSettings, type ShopState } from './product-mapping.js';

/** The full image's bytes as Sonlet serves them. */
export interface PictureBytes {
  bytes: Buffer;
  contentType: string;
}

export type ReadPicture = (url: string) => Promise<PictureBytes>;

/** What the previous successful send left behind, for reuse. */
export interface PreviousPicture {
  pictureSource: string | null;
  pictureFileId: string | null;
}

export interface ExportOutcome {
  localId: string;
  shopState: ShopState;
  contentHash: string;
  pictureSource: string | null;
  pictureFileId: string | null;
}

/** The Sonlet image a picture comes from: a new image, or the same one at a new address, means a new upload. */
export function pictureSourceOf(item: Pick<SonletItem, 'image'>): string | null {
  return item.image ? `${item.image.pk}|${item.image.image_full}` : null;
}

/**
 * Everything a send carries, hashed: a change of price, quantity, attributes, photo or the seller's
 * shop settings changes it, so the keep-in-step task re-sends exactly what changed.
 */
export function contentHashOf(item: SonletItem, settings: ShopSettings, listed: boolean): string {
  const product = productFor(item, settings, [pictureSourceOf(item) ?? ''], listed);
  return createHash('sha256').update(JSON.stringify(product)).digest('hex');
}

const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif', 'image/heic': 'heic' };

async function uploadPicture(client: PlugboardClient, item: SonletItem, readPicture: ReadPicture): Promise<string> {
  const picture = await readPicture(item.image!.image_full);
  const contentType = picture.contentType.split(';')[0]!.trim().toLowerCase();
  const name = `${remoteIdForItem(item.pk)}.${EXTENSIONS[contentType] ?? 'bin'}`;
  const file = await client.createFile({ name, mimeType: contentType, publicAccess: true });
  await client.uploadFileData(file.localId, picture.bytes, contentType);
  return file.localId;
}

/** Upserts the item's product (uploading its picture first when the image is new). */
export async function exportItem(
  client: PlugboardClient,
  settings: ShopSettings,
  item: SonletItem,
  opts: { listed: boolean; previous: PreviousPicture; readPicture: ReadPicture },
): Promise<ExportOutcome> {
  const pictureSource = pictureSourceOf(item);
  let pictureFileId: string | null = null;
  if (pictureSource) {
    const reusable = opts.previous.pictureSource === pictureSource && opts.previous.pictureFileId;
    pictureFileId = reusable ? opts.previous.pictureFileId : await uploadPicture(client, item, opts.readPicture);
  }
  const product = await client.upsertProduct(productFor(item, settings, pictureFileId ? [pictureFileId] : [], opts.listed));
  return {
    localId: product.localId,
    shopState: shopStateOf(item, opts.listed),
    contentHash: contentHashOf(item, settings, opts.listed),
    pictureSource,
    pictureFileId,
  };
}

/** Takes a product out of the shop (unpublished, or its item is gone from Sonlet): hidden, never deleted. */
export async function hideProduct(client: PlugboardClient, localId: string): Promise<void> {
  await client.updateProduct(localId, hiddenProduct());
}
