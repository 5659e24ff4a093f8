import { describe, expect, it } from 'vitest';
import {
  countryCode,
  customDataKey,
  decimalWithMinScale,
  money,
  toCurrency,
  toDecimalString,
  toLanguage3,
} from '../src/plugboard/format.js';
import { picturesFor, pricesFor, productFor, remoteIdForItem, shopStateOf, type ShopSettings } from '../src/plugboard/product-mapping.js';
import { contentHashOf } from '../src/plugboard/export-item.js';
import { orderOf } from '../src/plugboard/order-mapping.js';
import { isValidUserAgent } from '../src/plugboard/user-agent.js';
import type { SonletItem } from '../src/sonlet/types.js';

const CID = '000772bee96aae826403d0ed08590008';

function item(overrides: Partial<SonletItem> = {}): SonletItem {
  return {
    pk: 4711,
    style: 'Amelia',
    size: 'M',
    itemchoice_id: 12,
    size_id: 3,
    quantity: 2,
    price: '45.00',
    wholesale_price: '20.50',
    data: { attributes: { Color: 'Navy', 'Fabric|Blend': 'Cotton 95%' } },
    image: null,
    image_thumbnail: null,
    created: '2024-05-01T10:00:00Z',
    ...overrides,
  };
}

const shop: ShopSettings = { connectionId: CID, defaultLanguage: 'swe', languages: [], vatRatePercent: '25', currency: 'SEK', brand: null };

describe('productFor', () => {
  it('derives a stable remoteId and sku from the pk', () => {
    expect(productFor(item(), shop, []).remoteId).toBe('sonlet-item-4711');
    expect(productFor(item({ style: 'Other', price: '1.00' }), shop, []).sku).toBe('sonlet-item-4711');
    expect(remoteIdForItem(1)).toBe('sonlet-item-1');
    expect(() => remoteIdForItem(0)).toThrow();
    expect(() => remoteIdForItem(1.5)).toThrow();
  });

  it('is sellable while Sonlet has pieces: visible, purchasable, stock = quantity, price and picture in decision 004’s shapes', () => {
    const p = productFor(item(), { ...shop, brand: 'Studio Ida' }, ['f1']);
    expect(p).toMatchObject({ state: 'visible', purchasable: true, stock: 2, brand: 'Studio Ida', vatRatePercent: '25' });
    expect(p.prices).toEqual([{ currency: 'sek', amount: '45.00' }]);
    expect(p.pictures).toEqual([{ fileLocalId: 'f1', sortOrder: 0 }]);
    expect(pricesFor(item({ price: '0.10' }), 'EUR')).toEqual([{ currency: 'eur', amount: '0.10' }]);
    expect(picturesFor(['a', 'b'])).toEqual([{ fileLocalId: 'a', sortOrder: 0 }, { fileLocalId: 'b', sortOrder: 1 }]);
  });

  it('is hidden and not purchasable at quantity 0, or when unlisted', () => {
    expect(productFor(item({ quantity: 0 }), shop, [])).toMatchObject({ state: 'hidden', purchasable: false, stock: 0 });
    expect(shopStateOf(item({ quantity: 0 }), true)).toBe('sold-out');
    expect(productFor(item(), shop, [], false)).toMatchObject({ state: 'hidden', purchasable: false });
    expect(shopStateOf(item(), false)).toBe('hidden');
  });

  it('puts the default language’s text in the plain fields and every language in _lang (a chosen language never overwrites the plain field)', () => {
    const p = productFor(item(), { ...shop, defaultLanguage: 'swe', languages: ['en', 'deu'] }, []);
    expect(p.title).toBe('Amelia – M');
    expect(p.title_lang).toEqual({ swe: 'Amelia – M', eng: 'Amelia – M', deu: 'Amelia – M' });
    expect(p.description).toBe('Amelia i storlek M. Color: Navy. Fabric|Blend: Cotton 95%.');
    expect(p.description_lang).toEqual({
      swe: 'Amelia i storlek M. Color: Navy. Fabric|Blend: Cotton 95%.',
      eng: 'Amelia in size M. Color: Navy. Fabric|Blend: Cotton 95%.',
      deu: 'Amelia in Größe M. Color: Navy. Fabric|Blend: Cotton 95%.',
    });
    const english = productFor(item(), { ...shop, defaultLanguage: 'eng', languages: ['swe'] }, []);
    expect(english.description).toMatch(/^Amelia in size M\./);
  });

  it('takes a default language Plugboard names that is not in the console’s table (Lule Sami) as it is sent', () => {
    const p = productFor(item(), { ...shop, defaultLanguage: 'smj', languages: ['swe'] }, []);
    expect(Object.keys(p.title_lang!).sort()).toEqual(['smj', 'swe']);
    expect(p.title).toBe(p.title_lang!.smj);
    // Nothing usable named at all: English, rather than a publish that can never succeed.
    expect(Object.keys(productFor(item(), { ...shop, defaultLanguage: 'not a code', languages: [] }, []).title_lang!)).toEqual(['eng']);
  });

  it('writes customData under the x- module with money as strings and pipe-free keys', () => {
    const p = productFor(item(), shop, []);
    const cd = p.customData!;
    for (const [k, v] of Object.entries(cd)) {
      expect(v).not.toBeNull();
      expect(k).toBe(`${v!.connectionId}|${v!.moduleId}|${v!.key}`);
      expect(k.split('|')).toHaveLength(3);
      expect(v!.moduleId).toBe('x-sonlet-console');
    }
    expect(cd[`${CID}|x-sonlet-console|sonletPk`]!.value).toBe('4711');
    expect(cd[`${CID}|x-sonlet-console|quantity`]!.value).toBe('2');
    expect(cd[`${CID}|x-sonlet-console|price`]!.value).toEqual({ currency: 'sek', amount: '45.00' });
    expect(JSON.parse(cd[`${CID}|x-sonlet-console|attributes`]!.value as string)).toEqual({ Color: 'Navy', 'Fabric|Blend': 'Cotton 95%' });
    // The JSON text never carries a float: decimals are strings; the only numbers are stock and sortOrder.
    expect(JSON.stringify({ ...p, stock: undefined })).not.toMatch(/:\s*\d/);
  });

  it('the content hash moves with price, quantity, attributes, photo and settings, and nothing else', () => {
    const base = contentHashOf(item(), shop, true);
    expect(contentHashOf(item(), shop, true)).toBe(base);
    expect(contentHashOf(item({ price: '46.00' }), shop, true)).not.toBe(base);
    expect(contentHashOf(item({ quantity: 0 }), shop, true)).not.toBe(base);
    expect(contentHashOf(item({ data: { attributes: { Color: 'Red' } } }), shop, true)).not.toBe(base);
    expect(contentHashOf(item({ image: { pk: 9, image_full: 'https://m/9.jpg', image_thumbnail: 'https://m/9t.jpg' } }), shop, true)).not.toBe(base);
    expect(contentHashOf(item(), { ...shop, brand: 'New' }, true)).not.toBe(base);
    expect(contentHashOf(item({ created: '2030-01-01T00:00:00Z', wholesale_price: '1.00' }), shop, true)).toBe(base);
  });

  it('is pure and refuses what cannot be sent', () => {
    const i = item();
    const before = structuredClone(i);
    expect(productFor(i, shop, [])).toEqual(productFor(i, shop, []));
    expect(i).toEqual(before);
    expect(() => productFor(item(), { ...shop, moduleId: 'x-a|b' }, [])).toThrow(/\|/);
    expect(() => productFor(item(), { ...shop, moduleId: 'sonlet' }, [])).toThrow(/x-/);
    expect(() => productFor(item(), { ...shop, languages: ['xx'] }, [])).toThrow(/language/);
    expect(() => productFor(item({ price: '45,00' }), shop, [])).toThrow(/decimal/);
  });
});

describe('orderOf', () => {
  it('keeps money as decimal strings, links nothing itself, and drops amounts sent as numbers', () => {
    const o = orderOf(
      {
        localId: 'o1', created: '2025-03-01T10:00:00Z', lastModified: '2025-03-01T10:05:00Z', customerType: 'private', currency: 'SEK',
        totalSumExclVat: { currency: 'sek', amount: '31.2' }, totalVat: { currency: 'sek', amount: 7.8 as unknown as string },
        orderRows: [{ rowNo: 1, productLocalId: 'p1', sku: 'sonlet-item-5', title: 'Amelia – M', quantity: 1, unitPrice: { currency: 'sek', amount: '39' }, vatRatePercent: '25' }],
        orderStatus: 'new', source: { connectionType: 'webshop', connectionId: 'x', code: null, connectionName: 'Shop' },
      } as never,
      new Date(),
    );
    expect(o).toMatchObject({ localId: 'o1', customerType: 'private', currency: 'sek', totalSumExclVat: '31.20', totalVat: null, orderStatus: 'new', sourceName: 'Shop' });
    expect(o.placedAt.toISOString()).toBe('2025-03-01T10:00:00.000Z');
    expect(o.rows).toEqual([{ rowNo: 1, productLocalId: 'p1', sku: 'sonlet-item-5', title: 'Amelia – M', quantity: 1, unitPrice: '39.00', currency: 'sek' }]);
  });
});

describe('format helpers', () => {
  it('toDecimalString validates without floats', () => {
    expect(toDecimalString('25')).toBe('25');
    expect(toDecimalString(' 1.0 ')).toBe('1.0');
    expect(toDecimalString('+007.50')).toBe('7.50');
    expect(toDecimalString('.5')).toBe('0.5');
    expect(toDecimalString('-0.00')).toBe('0.00');
    expect(toDecimalString('12345678901234567890.123456789')).toBe('12345678901234567890.123456789');
    for (const bad of ['', '.', 'abc', '1e3', '1,5', '1.2.3', 'NaN', 'Infinity']) {
      expect(() => toDecimalString(bad), bad).toThrow();
    }
    expect(() => toDecimalString(4.2 as unknown as string)).toThrow(/string/);
    expect(decimalWithMinScale('1.0', 2)).toBe('1.00');
    expect(decimalWithMinScale('3', 2)).toBe('3.00');
    expect(decimalWithMinScale('1.005', 2)).toBe('1.005');
  });

  it('money lower-cases the currency and keeps the amount a string', () => {
    expect(money('SEK', '42.23')).toEqual({ currency: 'sek', amount: '42.23' });
    expect(money('eur', '0')).toEqual({ currency: 'eur', amount: '0' });
    expect(toCurrency('752')).toBe('sek');
    expect(() => money('kronor', '1')).toThrow();
    expect(() => money('SEK', 1 as unknown as string)).toThrow();
  });

  it('toLanguage3 converts ISO 639-1 and 639-2/B codes', () => {
    const table: Record<string, string> = {
      sv: 'swe', en: 'eng', no: 'nor', nb: 'nob', nn: 'nno', da: 'dan', fi: 'fin', is: 'isl', de: 'deu', fr: 'fra',
      es: 'spa', it: 'ita', pt: 'por', nl: 'nld', pl: 'pol', cs: 'ces', sk: 'slk', hu: 'hun', ro: 'ron', bg: 'bul',
      el: 'ell', ru: 'rus', uk: 'ukr', et: 'est', lv: 'lav', lt: 'lit', sl: 'slv', hr: 'hrv', tr: 'tur', ar: 'ara',
      zh: 'zho', ja: 'jpn', ko: 'kor', se: 'sme',
    };
    for (const [two, three] of Object.entries(table)) {
      expect(toLanguage3(two)).toBe(three);
      expect(toLanguage3(three)).toBe(three);
      expect(toLanguage3(two.toUpperCase())).toBe(three);
    }
    expect(toLanguage3('ger')).toBe('deu');
    expect(toLanguage3('fre')).toBe('fra');
    for (const bad of ['xx', 'qqq', 'english', '', 'sv-SE']) expect(() => toLanguage3(bad), bad).toThrow();
  });

  it('countryCode upper-cases ISO 3166-1 alpha-2', () => {
    expect(countryCode('se')).toBe('SE');
    expect(countryCode(' Fi ')).toBe('FI');
    expect(() => countryCode('SWE')).toThrow();
    expect(() => countryCode('1A')).toThrow();
  });

  it('customDataKey joins with pipes and rejects pipes and non-x- modules', () => {
    expect(customDataKey(CID, 'x-mod', 'key')).toBe(`${CID}|x-mod|key`);
    expect(() => customDataKey(CID, 'x-mo|d', 'key')).toThrow(/\|/);
    expect(() => customDataKey(CID, 'x-mod', 'k|ey')).toThrow(/\|/);
    expect(() => customDataKey(CID, 'test', 'key')).toThrow(/x-/);
    expect(() => customDataKey(CID, 'x-mod', '')).toThrow();
  });

  it('isValidUserAgent follows RFC 2616 product/comment syntax', () => {
    for (const ok of ['my-app/1.0 (test@example.com)', 'sonlet-seller-console/0.1.0', 'a b/2 (c (nested) \\) d)', 'curl/8.5.0']) {
      expect(isValidUserAgent(ok), ok).toBe(true);
    }
    for (const bad of ['', 'my-app/1.0 test@example.com', 'my app/', '/1.0', 'app/1.0 (unclosed', 'app/1.0 (x))', 'åpp/1.0', 'a/1\r\nX: y']) {
      expect(isValidUserAgent(bad), bad).toBe(false);
    }
  });
});
