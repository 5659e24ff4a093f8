import { describe, expect, it } from 'vitest';
import { InvalidUploadError, parseSettings, UploadForm, type UploadFormValues } from '../src/inventory/upload-form.js';
import type { Catalog } from '../src/inventory/catalog-cache.js';

const catalog: Catalog = {
  styles: [
    { pk: 10, name: 'Amelia', min_advertised_price: '39.00', wholesale_price: '20.00' },
    { pk: 11, name: 'Carly', min_advertised_price: '49.00', wholesale_price: '25.00' },
  ],
  sizes: [
    { pk: 3, name: 'M' },
    { pk: 4, name: 'L' },
  ],
  fetchedAt: new Date(0),
};

const values = (v: Partial<UploadFormValues> = {}): UploadFormValues => ({ style: '10', size: '3', quantity: '', price: '', attributes: [], ...v });

function refusal(v: Partial<UploadFormValues>): { field: string | null; message: string } {
  try {
    parseSettings(values(v), catalog);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidUploadError);
    return { field: (err as InvalidUploadError).field, message: (err as Error).message };
  }
  throw new Error('accepted');
}

describe('parsing the upload form’s settings', () => {
  it('defaults: quantity 1, the style’s price, no attributes', () => {
    expect(parseSettings(values(), catalog)).toEqual({ itemchoiceId: 10, sizeId: 3, quantity: 1, price: null, attributes: {} });
  });

  it('normalises prices to two decimals and keeps named attributes (blank rows ignored)', () => {
    const settings = parseSettings(
      values({ quantity: '0', price: '042.5', attributes: [{ name: 'Color', value: 'Red' }, { name: '', value: '' }, { name: 'Collection', value: '' }] }),
      catalog,
    );
    expect(settings).toEqual({ itemchoiceId: 10, sizeId: 3, quantity: 0, price: '42.50', attributes: { Color: 'Red', Collection: '' } });
    expect(parseSettings(values({ price: '39' }), catalog).price).toBe('39.00');
  });

  it.each([
    [{ style: '' }, 'style', /Choose a style/],
    [{ style: '99' }, 'style', /not in your Sonlet catalog/],
    [{ style: '1e1' }, 'style', /not in your Sonlet catalog/],
    [{ size: '' }, 'size', /Choose a size/],
    [{ size: '77' }, 'size', /not in your Sonlet catalog/],
    [{ quantity: '-1' }, 'quantity', /whole number from 0 to 10000/],
    [{ quantity: '10001' }, 'quantity', /whole number/],
    [{ quantity: '2.5' }, 'quantity', /whole number/],
    [{ price: '12,50' }, 'price', /style’s price of 39.00/],
    [{ price: '1.234' }, 'price', /at most two decimals/],
    [{ price: '$12' }, 'price', /no currency sign/],
    [{ attributes: [{ name: '', value: 'Red' }] }, 'attributes', /Give the attribute “Red” a name/],
    [{ attributes: Array.from({ length: 11 }, (_, i) => ({ name: `a${i}`, value: 'x' })) }, 'attributes', /At most 10 attributes/],
    [{ attributes: [{ name: 'x'.repeat(51), value: 'y' }] }, 'attributes', /at most 50 characters/],
  ])('refuses %j, naming the field', (v, field, message) => {
    const refused = refusal(v as Partial<UploadFormValues>);
    expect(refused.field).toBe(field);
    expect(refused.message).toMatch(message);
  });
});

describe('the form as it streams in', () => {
  it('keeps the last value of a field, trimmed and cut to length; a batch id only when it is a UUID', () => {
    const form = new UploadForm();
    form.add('style', ' 10 ');
    form.add('style', '11');
    form.add('size', '3');
    form.add('price', '1'.repeat(100));
    expect(form.values()).toMatchObject({ style: '11', size: '3', price: '1'.repeat(30) });
    expect(form.hasSettings()).toBe(true);
    form.add('batch', 'not-a-uuid');
    expect(form.batchId()).toBeNull();
    form.add('batch', 'A1B2C3D4-0000-4000-8000-000000000001');
    expect(form.batchId()).toBe('a1b2c3d4-0000-4000-8000-000000000001');
  });

  it('gives each photo the key sent before it, and numbered keys to further photos after one key', () => {
    const form = new UploadForm();
    expect(form.nextPhotoKey()).toBeNull();
    form.add('photoKey', '6F1C2D3E-1111-4222-8333-444455556666');
    expect([form.nextPhotoKey(), form.nextPhotoKey(), form.nextPhotoKey()]).toEqual([
      '6f1c2d3e-1111-4222-8333-444455556666',
      '6f1c2d3e-1111-4222-8333-444455556666.2',
      '6f1c2d3e-1111-4222-8333-444455556666.3',
    ]);
    form.add('photoKey', '00000000-1111-4222-8333-444455556666');
    expect(form.nextPhotoKey()).toBe('00000000-1111-4222-8333-444455556666');
  });

  it('refuses a photo key that is not one the page makes', () => {
    const form = new UploadForm();
    expect(() => form.add('photoKey', 'x'.repeat(40))).toThrow(InvalidUploadError);
    expect(() => form.add('photoKey', '6f1c2d3e-1111-4222-8333-444455556666.2')).toThrow(/Reload the page/);
  });
});
