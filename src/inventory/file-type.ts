/**
 * What a photo really is, from its first bytes: the browser's Content-Type and the file name are
 * the seller's (or an attacker's) word, the magic numbers are not.
 */
export interface PhotoType {
  contentType: string;
  extension: string;
}

/** Bytes needed to recognise every type below (the ftyp box of HEIC/HEIF needs the most). */
export const SNIFF_BYTES = 32;

const HEIF_BRANDS: Record<string, PhotoType> = {
  heic: { contentType: 'image/heic', extension: 'heic' },
  heix: { contentType: 'image/heic', extension: 'heic' },
  hevc: { contentType: 'image/heic', extension: 'heic' },
  hevx: { contentType: 'image/heic', extension: 'heic' },
  heim: { contentType: 'image/heic', extension: 'heic' },
  heis: { contentType: 'image/heic', extension: 'heic' },
  mif1: { contentType: 'image/heif', extension: 'heif' },
  msf1: { contentType: 'image/heif', extension: 'heif' },
};

const ascii = (bytes: Uint8Array, start: number, end: number) => String.fromCharCode(...bytes.subarray(start, end));

/** JPEG, PNG, WebP, GIF or HEIC/HEIF; null for anything else (or too few bytes to tell). */
export function sniffPhotoType(head: Uint8Array): PhotoType | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { contentType: 'image/jpeg', extension: 'jpg' };
  if (head.length >= 8 && head[0] === 0x89 && ascii(head, 1, 4) === 'PNG' && head[4] === 0x0d && head[5] === 0x0a && head[6] === 0x1a && head[7] === 0x0a) {
    return { contentType: 'image/png', extension: 'png' };
  }
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return { contentType: 'image/webp', extension: 'webp' };
  if (head.length >= 6 && (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a')) return { contentType: 'image/gif', extension: 'gif' };
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') {
    // ISO base media: major brand at 8, compatible brands after the minor version, within the box.
    const boxSize = (head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3];
    const major = HEIF_BRANDS[ascii(head, 8, 12)];
    if (major) return major;
    const end = Math.min(head.length, boxSize > 0 ? boxSize : head.length);
    for (let at = 16; at + 4 <= end; at += 4) {
      const brand = HEIF_BRANDS[ascii(head, at, at + 4)];
      if (brand) return brand;
    }
  }
  return null;
}
