/** Sonlet item → Plugboard product input. Pure. */
import type { SonletItem } from '../sonlet/types.js';
import { customDataEntry, money, toDecimalString, toLanguage3 } from './format.js';
import type { CustomDataPatch, ProductInput } from './types.js';

export const DEFAULT_MODULE_ID = 'x-sonlet-console';

export interface ItemToProductOptions {
  connectionId: string;
  /** Language of the Sonlet texts; ISO 639-1 or 639-2 accepted, sent as 639-2. */
  language3: string;
  vatRatePercent: string;
  currency: string;
  /** customData module; must start with "x-". */
  moduleId?: string;
}

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

/**
 * customData written (module `moduleId`, all keys pipe-free):
 *   sonletPk, style, size, itemChoiceId, sizeId, quantity  type "string"
 *   price                                                type "money" ({currency, amount})
 *   attributes                                           type "json", value = JSON string of the
 *                                                         attributes with sorted keys (lossless:
 *                                                         attribute names may contain anything,
 *                                                         including "|", without touching the key)
 */
export function itemToProduct(item: SonletItem, opts: ItemToProductOptions): ProductInput {
  const moduleId = opts.moduleId ?? DEFAULT_MODULE_ID;
  const language3 = toLanguage3(opts.language3);
  const title = itemTitle(item);
  const attrs = item.data?.attributes ?? {};
  const sortedAttrs = Object.fromEntries(
    Object.keys(attrs)
      .sort()
      .map((k) => [k, String(attrs[k])]),
  );
  const entries = [
    customDataEntry(opts.connectionId, moduleId, 'sonletPk', 'string', String(item.pk)),
    customDataEntry(opts.connectionId, moduleId, 'style', 'string', item.style),
    customDataEntry(opts.connectionId, moduleId, 'size', 'string', item.size),
    customDataEntry(opts.connectionId, moduleId, 'itemChoiceId', 'string', String(item.itemchoice_id)),
    customDataEntry(opts.connectionId, moduleId, 'sizeId', 'string', String(item.size_id)),
    customDataEntry(opts.connectionId, moduleId, 'quantity', 'string', String(item.quantity)),
    customDataEntry(opts.connectionId, moduleId, 'price', 'money', money(opts.currency, item.price)),
    customDataEntry(opts.connectionId, moduleId, 'attributes', 'json', JSON.stringify(sortedAttrs)),
  ];
  const customData: CustomDataPatch = Object.fromEntries(entries);
  return {
    remoteId: remoteIdForItem(item.pk),
    title,
    title_lang: { [language3]: title },
    vatRatePercent: toDecimalString(opts.vatRatePercent),
    customData,
  };
}
