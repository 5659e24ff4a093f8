import { describe, expect, it } from 'vitest';
import { minutesAgo, summarise } from '../src/inventory/summary.js';
import type { SonletItem } from '../src/sonlet/types.js';

const item = (pk: number, style: string, size: string, quantity: number, imagePk: number | null = null): SonletItem => ({
  pk,
  style,
  size,
  itemchoice_id: 1,
  size_id: 1,
  quantity,
  price: '10.00',
  wholesale_price: '5.00',
  data: { attributes: {} },
  image: imagePk === null ? null : { pk: imagePk, image_full: '', image_thumbnail: '' },
  image_thumbnail: null,
  created: '2026-01-01T00:00:00Z',
});

describe('summarising an inventory', () => {
  it('counts items and pieces by style and size, most pieces first, ties by name', () => {
    const summary = summarise([item(1, 'Amelia', 'M', 3), item(2, 'Amelia', 'S', 1), item(3, 'Carly', 'M', 4), item(4, 'Ana', 'L', 1)]);
    expect(summary.totalItems).toBe(4);
    expect(summary.totalPieces).toBe(9);
    expect(summary.byStyle).toEqual([
      { label: 'Amelia', items: 2, pieces: 4 },
      { label: 'Carly', items: 1, pieces: 4 },
      { label: 'Ana', items: 1, pieces: 1 },
    ]);
    expect(summary.bySize).toEqual([
      { label: 'M', items: 2, pieces: 7 },
      { label: 'L', items: 1, pieces: 1 },
      { label: 'S', items: 1, pieces: 1 },
    ]);
  });

  it('a negative quantity counts as no pieces (the item still counts)', () => {
    const summary = summarise([item(1, 'Amelia', 'M', -2), item(2, 'Amelia', 'M', 2)]);
    expect(summary.totalItems).toBe(2);
    expect(summary.totalPieces).toBe(2);
    expect(summary.byStyle).toEqual([{ label: 'Amelia', items: 2, pieces: 2 }]);
  });

  it('lists the items on each image, for the images gallery', () => {
    const summary = summarise([item(1, 'Amelia', 'M', 1, 70), item(2, 'Carly', 'S', 1, 70), item(3, 'Ana', 'L', 1)]);
    expect(summary.itemsByImage).toEqual({ 70: [{ pk: 1, style: 'Amelia', size: 'M' }, { pk: 2, style: 'Carly', size: 'S' }] });
  });

  it('an empty inventory', () => {
    expect(summarise([])).toMatchObject({ totalItems: 0, totalPieces: 0, byStyle: [], bySize: [], itemsByImage: {} });
  });

  it('says how long ago, in words', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    const ago = (ms: number) => minutesAgo(new Date(now - ms), now);
    expect(ago(30_000)).toBe('just now');
    expect(ago(60_000)).toBe('1 minute ago');
    expect(ago(119 * 60_000)).toBe('119 minutes ago');
    expect(ago(5 * 3600_000)).toBe('5 hours ago');
  });
});
