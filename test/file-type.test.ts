import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, sniffPhotoType } from '../src/inventory/file-type.js';

const bytes = (...parts: Array<string | number[] | Buffer>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
/** An ISO base media `ftyp` box: size, "ftyp", major brand, minor version, compatible brands. */
const ftyp = (major: string, ...compatible: string[]) => {
  const size = 16 + 4 * compatible.length;
  return bytes([0, 0, 0, size], 'ftyp', major, [0, 0, 0, 0], ...compatible);
};

describe('photo sniffing', () => {
  it.each([
    ['JPEG', bytes([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg', 'jpg'],
    ['PNG', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a]), 'image/png', 'png'],
    ['WebP', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '), 'image/webp', 'webp'],
    ['GIF87a', bytes('GIF87a'), 'image/gif', 'gif'],
    ['GIF89a', bytes('GIF89a'), 'image/gif', 'gif'],
    ['HEIC (major brand)', ftyp('heic', 'mif1'), 'image/heic', 'heic'],
    ['HEIF (major brand mif1)', ftyp('mif1', 'miaf'), 'image/heif', 'heif'],
    ['HEIC (only a compatible brand)', ftyp('isom', 'mp41', 'heix'), 'image/heic', 'heic'],
  ])('recognises %s from its first bytes', (_name, head, contentType, extension) => {
    expect(sniffPhotoType(head)).toEqual({ contentType, extension });
  });

  it.each([
    ['plain text', bytes('this is not a picture at all')],
    ['HTML pretending to be a photo', bytes('<html><script>alert(1)</script>')],
    ['an MP4 video (ftyp without an image brand)', ftyp('isom', 'mp41', 'avc1')],
    ['a PNG signature cut short', bytes([0x89], 'PNG')],
    ['a RIFF that is not WebP (WAV)', bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt ')],
    ['nothing at all', bytes()],
  ])('refuses %s', (_name, head) => {
    expect(sniffPhotoType(head)).toBeNull();
  });

  it('never looks past the ftyp box for a brand (a brand later in the file does not count)', () => {
    const box = ftyp('isom', 'mp41');
    const later = bytes(box, 'heic');
    expect(later.length).toBeLessThanOrEqual(SNIFF_BYTES);
    expect(sniffPhotoType(later)).toBeNull();
  });
});
