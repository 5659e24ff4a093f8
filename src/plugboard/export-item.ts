/**
 * What an export sends: given the seller's client and settings and a Sonlet item, upsert the product
 * with its picture. The picture is the item's full image fetched from Sonlet and uploaded through
 * Plugboard's file endpoints once per image; while the item keeps the same image, the uploaded file
 * is reused. Every send is an upsert by remoteId, so a send whose answer was lost is simply sent again.
 */
import { createHash } from 'node:crypto';
import type { SonletItem } from '../sonlet/types.js';
import type { PlugboardClient } from './client.js';
import { PlugboardError } from './errors.js';
import { hiddenProduct, productFor, remoteIdForItem, shopStateOf, type ShopSettings, type ShopState } from './product-mapping.js';

/** The full image's bytes as Sonlet serves them. */
export interface PictureBytes {
  bytes: Buffer;
  contentType: string;
}

export type ReadPicture = (url: string) => Promise<PictureBytes>;

/** What earlier sends left behind, for reuse. */
export interface PreviousPicture {
  /** The picture of the last successful send. */
  pictureSource: string | null;
  pictureFileId: string | null;
  /** A file record made by an earlier send that may still lack its bytes (its answer to them was lost). */
  pendingFileId: string | null;
  pendingFileSource: string | null;
}

/** Records a new file record before its bytes are sent, so a retry fills that record instead of making another. */
export type RememberPendingFile = (fileLocalId: string, pictureSource: string) => Promise<void>;

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

interface PictureUpload {
  readPicture: ReadPicture;
  previous: PreviousPicture;
  rememberPendingFile: RememberPendingFile;
}

/**
 * Sends the item's image as a Plugboard file. The record is remembered before its bytes go out: when
 * the answer to the bytes is lost, the next try sends them into the same record (a PUT replaces its
 * data) rather than leaving an unused file behind on every retry. Plugboard lists no files, so a lost
 * answer to the record's creation itself cannot be matched up; it leaves that one record unused.
 */
async function uploadPicture(client: PlugboardClient, item: SonletItem, source: string, opts: PictureUpload): Promise<string> {
  const picture = await opts.readPicture(item.image!.image_full);
  const contentType = picture.contentType.split(';')[0]!.trim().toLowerCase();
  const name = `${remoteIdForItem(item.pk)}.${EXTENSIONS[contentType] ?? 'bin'}`;
  const { pendingFileId, pendingFileSource } = opts.previous;
  if (pendingFileId && pendingFileSource === source) {
    try {
      await client.uploadFileData(pendingFileId, picture.bytes, contentType);
      return pendingFileId;
    } catch (err) {
      // A record Plugboard no longer has (or of another type) is replaced; anything else is the send's failure.
      if (!(err instanceof PlugboardError && (err.status === 404 || err.status === 415))) throw err;
    }
  }
  const file = await client.createFile({ name, mimeType: contentType, publicAccess: true });
  await opts.rememberPendingFile(file.localId, source);
  await client.uploadFileData(file.localId, picture.bytes, contentType);
  return file.localId;
}

/** Upserts the item's product (uploading its picture first when the image is new). */
export async function exportItem(
  client: PlugboardClient,
  settings: ShopSettings,
  item: SonletItem,
  opts: { listed: boolean } & PictureUpload,
): Promise<ExportOutcome> {
  const pictureSource = pictureSourceOf(item);
  let pictureFileId: string | null = null;
  if (pictureSource) {
    const reusable = opts.previous.pictureSource === pictureSource && opts.previous.pictureFileId;
    pictureFileId = reusable ? opts.previous.pictureFileId : await uploadPicture(client, item, pictureSource, opts);
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
