import { describe, expect, it } from 'vitest';
import { parseItem, parseImage, parsePage } from '../src/sonlet/parse.js';

describe('parsing Sonlet answers at the client boundary', () => {
  it('keeps http(s) media URLs and drops any other scheme, so nothing else reaches a page', () => {
    const image = parseImage({ pk: 1, image_full: 'javascript:alert(1)', image_thumbnail: 'https://cdn.example/t.jpg', created: '2025-01-01T00:00:00Z' });
    expect(image.image_full).toBe('');
    expect(image.image_thumbnail).toBe('https://cdn.example/t.jpg');
    const item = parseItem({
      pk: 2,
      style: 'Amelia',
      size: 'M',
      image: { pk: 1, image_full: 'data:text/html,<script>x</script>', image_thumbnail: 'http://cdn.example/t.jpg' },
      image_thumbnail: 'vbscript:x',
    });
    expect(item.image?.image_full).toBe('');
    expect(item.image_thumbnail).toBe('http://cdn.example/t.jpg');
    // Addresses are judged once and remembered: the second page with the same ones is judged alike.
    for (let page = 0; page < 2; page++) {
      const again = parseImage({ pk: 1, image_full: 'javascript:alert(1)', image_thumbnail: 'https://cdn.example/t.jpg', created: '' });
      expect([again.image_full, again.image_thumbnail]).toEqual(['', 'https://cdn.example/t.jpg']);
      expect(parseImage({ pk: 1, image_full: 'http://[bad', image_thumbnail: ' https://cdn.example/t.jpg', created: '' }).image_full).toBe('');
    }
  });

  it('fills safe defaults, reads `data` given as a JSON string, and refuses an answer without a pk', () => {
    const item = parseItem({ pk: '7', data: '{"attributes":{"Color":"Red"}}', quantity: 3 });
    expect(item).toMatchObject({ pk: 7, quantity: 3, price: '0.00', data: { attributes: { Color: 'Red' } }, image: null });
    expect(() => parseItem({ style: 'x' })).toThrow(/without a pk/);
    expect(() => parsePage({ count: 1 }, parseItem)).toThrow(/without results/);
  });

  it('reads related objects given flat, as plain pks or nested', () => {
    const common = { pk: 1, quantity: 2, price: '39.00' };
    const flat = parseItem({ ...common, style: 'Amelia', itemchoice_id: 101, size: '10', size_id: 205, image: { pk: 7, image_full: 'https://m.example/f.jpg', image_thumbnail: 'https://m.example/t.jpg' } });
    expect(flat).toMatchObject({ style: 'Amelia', itemchoice_id: 101, size: '10', size_id: 205, image: { pk: 7 }, image_thumbnail: 'https://m.example/t.jpg' });
    const plain = parseItem({ ...common, itemchoice: 101, size: 205, image: 7, image_thumbnail: 'https://m.example/t.jpg' });
    expect(plain).toMatchObject({ style: '', itemchoice_id: 101, size: '', size_id: 205, image: { pk: 7, image_full: '' }, image_thumbnail: 'https://m.example/t.jpg' });
    const asText = parseItem({ ...common, itemchoice: '101', size: '205', image: '7' });
    expect(asText).toMatchObject({ itemchoice_id: 101, size_id: 205, image: { pk: 7 } });
    const nested = parseItem({ ...common, itemchoice: { pk: 101, name: 'Amelia' }, size: { pk: 205, name: 'M' }, image: { pk: 7, image_thumbnail: 'https://m.example/t.jpg' } });
    expect(nested).toMatchObject({ style: 'Amelia', itemchoice_id: 101, size: 'M', size_id: 205, image: { pk: 7 }, image_thumbnail: 'https://m.example/t.jpg' });
    const mixed = parseItem({ ...common, style: 'Amelia', itemchoice: 101, size: 'M', size_id: { pk: 205 } });
    expect(mixed).toMatchObject({ style: 'Amelia', itemchoice_id: 101, size: 'M', size_id: 205, image: null });
  });

  it('keeps next and previous links as sent, relative ones included, and never trusts a nonsense count', () => {
    const page = parsePage({ count: 'lots', next: '?page=3', previous: '/api/v2/items/', results: [{ pk: 1 }] }, parseItem);
    expect(page).toMatchObject({ count: 1, next: '?page=3', previous: '/api/v2/items/' });
    expect(parsePage({ count: 5_000_000, next: 42, results: [] }, parseItem)).toMatchObject({ count: 5_000_000, next: null });
    expect(parsePage({ count: -3, next: 'x'.repeat(3000), results: [] }, parseItem)).toMatchObject({ count: 0, next: null });
  });

  it('leaves out entries without a usable pk, counts them, and keeps attributes that need no cleaning as sent', () => {
    const page = parsePage({ results: [{ pk: 1, data: { attributes: { Color: 'Red' } } }, { pk: 2 ** 31 }, { name: 'no pk' }, 'text', { pk: 2, data: { attributes: { 'Col\u0000or': 7 } } }] }, parseItem);
    expect(page.results.map((i) => i.pk)).toEqual([1, 2]);
    expect(page.skipped).toBe(3);
    expect(page.results[0]!.data.attributes).toEqual({ Color: 'Red' });
    expect(page.results[1]!.data.attributes).toEqual({ Color: '7' });
    expect(parsePage({ results: [{ pk: 1 }] }, parseItem).skipped).toBe(0);
  });
});
