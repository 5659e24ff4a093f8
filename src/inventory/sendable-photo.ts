/** Photos as Sonlet takes them: what arrived as HEIC is stored as its JPEG instead (heic-to-jpeg.ts). */
import { Readable } from 'node:stream';
import { HeicDecodeError, heicToJpeg } from './heic-to-jpeg.js';
import { PhotoRefusal, type PhotoStore, type SavedPhoto } from './upload-store.js';

export class HeicNotConvertedError extends PhotoRefusal {
  constructor(name: string) {
    super(
      'unsupported-media',
      `“${name}” is an HEIC photo (the iPhone’s own format), which Sonlet does not take, and it could not be turned into a JPEG. Nothing was uploaded; on the iPhone choose Settings › Camera › Formats › Most Compatible, or export the photo as JPEG, and try again.`,
      { field: 'photos' },
    );
  }
}

const HEIF_TYPES = new Set(['image/heic', 'image/heif']);

export async function sendablePhoto(photos: PhotoStore, userId: string, saved: SavedPhoto, name: string): Promise<{ saved: SavedPhoto; name: string }> {
  if (!HEIF_TYPES.has(saved.contentType)) return { saved, name };
  try {
    const jpeg = await heicToJpeg(await photos.readAll(saved.id));
    const jpegName = `${name.replace(/\.(heic|heif)$/i, '') || 'photo'}.jpg`;
    return { saved: await photos.save(userId, Readable.from([jpeg]), jpegName), name: jpegName };
  } catch (err) {
    if (err instanceof HeicDecodeError) throw new HeicNotConvertedError(name);
    throw err;
  } finally {
    await photos.remove(saved.id);
  }
}
