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
import { itemToProduct, remoteIdForItem } from '../src/plugboard/product-mapping.js';
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

const opts = { connectionId: CID, language3: 'swe', vatRatePercent: '25', currency: 'SEK' };

describe('itemToProduct', () => {
  it('derives a stable remoteId from the pk', () => {
    expect(itemToProduct(item(), opts).remoteId).toBe('sonlet-item-4711');
    expect(itemToProduct(item({ style: 'Other', price: '1.00' }), opts).remoteId).toBe('sonlet-item-4711');
    expect(remoteIdForItem(1)).toBe('sonlet-item-1');
    expect(() => remoteIdForItem(0)).toThrow();
    expect(() => remoteIdForItem(1.5)).toThrow();
  });

  it('builds title, title_lang and vatRatePercent as a decimal string', () => {
    const p = itemToProduct(item(), { ...opts, language3: 'sv', vatRatePercent: '12.5' });
    expect(p.title).toBe('Amelia – M');
    expect(p.title_lang).toEqual({ swe: 'Amelia – M' });
    expect(p.vatRatePercent).toBe('12.5');
    expect(typeof p.vatRatePercent).toBe('string');
  });

  it('writes customData under the x- module with money as strings and pipe-free keys', () => {
    const p = itemToProduct(item(), opts);
    const cd = p.customData!;
    for (const [k, v] of Object.entries(cd)) {
      expect(v).not.toBeNull();
      expect(k).toBe(`${v!.connectionId}|${v!.moduleId}|${v!.key}`);
      expect(k.split('|')).toHaveLength(3);
      expect(v!.moduleId).toBe('x-sonlet-console');
    }
    expect(cd[`${CID}|x-sonlet-console|sonletPk`]!.value).toBe('4711');
    expect(cd[`${CID}|x-sonlet-console|style`]!.value).toBe('Amelia');
    expect(cd[`${CID}|x-sonlet-console|size`]!.value).toBe('M');
    expect(cd[`${CID}|x-sonlet-console|quantity`]!.value).toBe('2');
    expect(cd[`${CID}|x-sonlet-console|price`]).toEqual({
      connectionId: CID,
      moduleId: 'x-sonlet-console',
      key: 'price',
      type: 'money',
      value: { currency: 'sek', amount: '45.00' },
    });
    const attrs = cd[`${CID}|x-sonlet-console|attributes`]!;
    expect(typeof attrs.value).toBe('string');
    expect(JSON.parse(attrs.value as string)).toEqual({ Color: 'Navy', 'Fabric|Blend': 'Cotton 95%' });
    // the JSON text never contains a float: every value is a string
    expect(JSON.stringify(p)).not.toMatch(/:\s*\d/);
  });

  it('is pure and deterministic', () => {
    const i = item();
    const before = structuredClone(i);
    expect(itemToProduct(i, opts)).toEqual(itemToProduct(i, opts));
    expect(i).toEqual(before);
  });

  it('rejects pipes and non-x- custom module ids', () => {
    expect(() => itemToProduct(item(), { ...opts, moduleId: 'x-a|b' })).toThrow(/\|/);
    expect(() => itemToProduct(item(), { ...opts, moduleId: 'sonlet' })).toThrow(/x-/);
    expect(() => itemToProduct(item(), { ...opts, language3: 'xx' })).toThrow(/language/);
    expect(() => itemToProduct(item({ price: '45,00' }), opts)).toThrow(/decimal/);
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
