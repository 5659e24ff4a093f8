/**
 * Sonlet item → Plugboard product. Pure. Each wire shape is built by one function here, so a change
 * to one of decision 004's assumptions (`prices`, `pictures`) is made in one place.
 */
import type { SonletItem } from '../sonlet/types.js';
import { customDataEntry, money, plugboardLanguage, toDecimalString, toLanguage3 } from './format.js';
import { describeItem } from './phrasebook.js';
import type { CustomDataPatch, LangPatch, ProductInput, ProductPicture, ProductPrice } from './types.js';

export const DEFAULT_MODULE_ID = 'x-sonlet-console';

/** What a seller's settings contribute to every product. */
export interface ShopSettings {
  connectionId: string;
  /** The API root's `defaultLanguage`: the language of the plain text fields. */
  defaultLanguage: string;
  /** Further languages the seller sells in; they go only into the `_lang` objects. */
  languages: string[];
  vatRatePercent: string;
  currency: string;
  brand: string | null;
  /** customData module; must start with "x-". */
  moduleId?: string;
}

/** What the shop shows for an export: derived from the seller's wish and the Sonlet quantity. */
export type ShopState = 'visible' | 'sold-out' | 'hidden' | 'gone';

/** Stable per Sonlet item: re-publishing the same item targets the same Plugboard product. */
export function remoteIdForItem(pk: number): string {
  if (!Number.isSafeInteger(pk) || pk <= 0) throw new TypeError(`Invalid Sonlet item pk: ${String(pk)}`);
  return `sonlet-item-${pk}`;
}

export function itemTitle(item: Pick<SonletItem, 'style' | 'size'>): string {
  const style = (item.style ?? '').trim();
  const size = (item.size ?? '').trim();
  if (!style && !size) throw new TypeError('Sonlet item has neither style nor size');
  return style && size ? `${style} – ${size}` : style || size;
}

/** A listed item with pieces left is for sale; at 0 it is hidden until Sonlet has pieces again. */
export function shopStateOf(item: Pick<SonletItem, 'quantity'>, listed: boolean): ShopState {
  if (!listed) return 'hidden';
  return item.quantity > 0 ? 'visible' : 'sold-out';
}

/** Decision 004: one money object per currency, the amount a customer pays (VAT included). */
export function pricesFor(item: Pick<SonletItem, 'price'>, currency: string): ProductPrice[] {
  return [money(currency, item.price)];
}

/** Decision 004: references to uploaded files, in display order. */
export function picturesFor(fileLocalIds: string[]): ProductPicture[] {
  return fileLocalIds.map((fileLocalId, sortOrder) => ({ fileLocalId, sortOrder }));
}

/**
 * A text in the seller's languages, as Plugboard wants it: the plain field carries the default
 * language's text, every language (the default included) its own entry in `_lang`.
 */
export function languageTexts(write: (language3: string) => string, settings: Pick<ShopSettings, 'defaultLanguage' | 'languages'>): { plain: string; lang: LangPatch } {
  const fallback = plugboardLanguage(settings.defaultLanguage) ?? 'eng';
  const lang: LangPatch = {};
  for (const code of [fallback, ...settings.languages.map(toLanguage3)]) lang[code] ??= write(code);
  return { plain: lang[fallback]!, lang };
}

function sortedAttributes(item: SonletItem): Record<string, string> {
  const attrs = item.data?.attributes ?? {};
  return Object.fromEntries(
    Object.keys(attrs)
      .sort()
      .map((k) => [k, String(attrs[k])]),
  );
}

/**
 * customData written (module `moduleId`, all keys pipe-free):
 *   sonletPk, style, size, itemChoiceId, sizeId, quantity  type "string"
 *   price                                                type "money" ({currency, amount})
 *   attributes                                           type "json", value = JSON text of the attributes
 *                                                         with sorted keys (names may contain anything, "|" too)
 */
export function customDataFor(item: SonletItem, settings: ShopSettings): CustomDataPatch {
  const moduleId = settings.moduleId ?? DEFAULT_MODULE_ID;
  const cid = settings.connectionId;
  return Object.fromEntries([
    customDataEntry(cid, moduleId, 'sonletPk', 'string', String(item.pk)),
    customDataEntry(cid, moduleId, 'style', 'string', item.style),
    customDataEntry(cid, moduleId, 'size', 'string', item.size),
    customDataEntry(cid, moduleId, 'itemChoiceId', 'string', String(item.itemchoice_id)),
    customDataEntry(cid, moduleId, 'sizeId', 'string', String(item.size_id)),
    customDataEntry(cid, moduleId, 'quantity', 'string', String(item.quantity)),
    customDataEntry(cid, moduleId, 'price', 'money', money(settings.currency, item.price)),
    customDataEntry(cid, moduleId, 'attributes', 'json', JSON.stringify(sortedAttributes(item))),
  ]);
}

/**
 * The whole product as an upsert sends it: sellable (visible, purchasable, stock) while the item is
 * listed and has pieces, hidden and not purchasable otherwise.
 */
export function productFor(item: SonletItem, settings: ShopSettings, pictureFileIds: string[], listed = true): ProductInput & { remoteId: string } {
  const remoteId = remoteIdForItem(item.pk);
  const state = shopStateOf(item, listed);
  const title = languageTexts(() => itemTitle(item), settings);
  const description = languageTexts((language3) => describeItem(item, sortedAttributes(item), language3), settings);
  return {
    remoteId,
    sku: remoteId,
    title: title.plain,
    title_lang: title.lang,
    description: description.plain,
    description_lang: description.lang,
    brand: settings.brand,
    state: state === 'visible' ? 'visible' : 'hidden',
    purchasable: state === 'visible',
    stock: Math.max(0, item.quantity),
    prices: pricesFor(item, settings.currency),
    pictures: picturesFor(pictureFileIds),
    vatRatePercent: toDecimalString(settings.vatRatePercent),
    customData: customDataFor(item, settings),
  };
}

/** What unpublishing (or an item gone from Sonlet) sends: out of the shop, never deleted. */
export function hiddenProduct(): ProductInput {
  return { state: 'hidden', purchasable: false };
}
