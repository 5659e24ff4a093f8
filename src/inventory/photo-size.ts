/**
 * How many pixels a photo claims to have, read from its header before anything decodes it. A file of a
 * few kilobytes can claim 400 megapixels (a decompression bomb): every later step that decodes the photo
 * (a thumbnail, a HEIC conversion, Sonlet's own processing) would pay for all of them.
 */

/** Far beyond what a phone saves by default (12 to 50 MP); the HEIC decoder holds the same line. */
export const MAX_PHOTO_PIXELS = 100_000_000;

/** Bytes of the photo kept to find its size: enough for a JPEG's EXIF block and embedded preview. */
export const SIZE_HEAD_BYTES = 256 * 1024;

export interface PixelSize {
  width: number;
  height: number;
}

/**
 * Width and height from the first bytes of a JPEG, PNG, GIF or WebP; null when the header is not within
 * `head` or the type keeps its size elsewhere (HEIC: its decoder checks the size itself).
 */
export function pixelSizeOf(head: Buffer, contentType: string): PixelSize | null {
  switch (contentType) {
    case 'image/png':
      // The IHDR chunk comes first: width and height as 32-bit big-endian numbers.
      return head.length >= 24 && head.toString('latin1', 12, 16) === 'IHDR' ? { width: head.readUInt32BE(16), height: head.readUInt32BE(20) } : null;
    case 'image/gif':
      return head.length >= 10 ? { width: head.readUInt16LE(6), height: head.readUInt16LE(8) } : null;
    case 'image/webp':
      return webpSize(head);
    case 'image/jpeg':
      return jpegSize(head);
    default:
      return null;
  }
}

function jpegSize(head: Buffer): PixelSize | null {
  let at = 2;
  while (at + 4 <= head.length) {
    if (head[at] !== 0xff) return null;
    const marker = head[at + 1]!;
    // Fill bytes, and markers that carry no length.
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) {
      at += 2;
      continue;
    }
    const length = head.readUInt16BE(at + 2);
    // Start of frame (baseline, progressive, lossless, arithmetic); C4, C8 and CC are other tables.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return at + 9 <= head.length ? { height: head.readUInt16BE(at + 5), width: head.readUInt16BE(at + 7) } : null;
    }
    if (length < 2) return null;
    at += 2 + length;
  }
  return null;
}

function webpSize(head: Buffer): PixelSize | null {
  if (head.length < 30) return null;
  const chunk = head.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { width: 1 + head.readUIntLE(24, 3), height: 1 + head.readUIntLE(27, 3) };
  if (chunk === 'VP8L') {
    const bits = head.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  if (chunk === 'VP8 ') return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
  return null;
}
