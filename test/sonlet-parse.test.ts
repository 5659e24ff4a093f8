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
  });

  it('fills safe defaults, reads `data` given as a JSON string, and refuses an answer without a pk', () => {
    const item = parseItem({ pk: '7', data: '{"attributes":{"Color":"Red"}}', quantity: 3 });
    expect(item).toMatchObject({ pk: 7, quantity: 3, price: '0.00', data: { attributes: { Color: 'Red' } }, image: null });
    expect(() => parseItem({ style: 'x' })).toThrow(/without a pk/);
    expect(() => parsePage({ count: 1 }, parseItem)).toThrow(/without results/);
  });
});
