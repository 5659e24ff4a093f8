/**
 * What publishing one Sonlet item sends: the product built from the item, created at Plugboard or
 * recovered by its stable remoteId, so a retry after a lost answer never makes a second product.
 * The publish task (src/plugboard/publish-task.ts) calls this one function.
 */
import type { SonletItem } from '../sonlet/types.js';
import type { PlugboardClient } from './client.js';
import type { PlugboardSettingsView } from './connection-store.js';
import { itemToProduct } from './product-mapping.js';

export interface ExportItemInput {
  client: PlugboardClient;
  settings: PlugboardSettingsView;
  item: SonletItem;
  /** ISO 639-2 language of the texts. */
  language3: string;
  /** An earlier attempt may have created the product although its answer never came: look it up first. */
  lookFirst: boolean;
}

export interface ExportedItem {
  localId: string;
  title: string | null;
}

export async function exportItem({ client, settings, item, language3, lookFirst }: ExportItemInput): Promise<ExportedItem> {
  const input = itemToProduct(item, { connectionId: settings.connectionId, language3, vatRatePercent: settings.vatRatePercent, currency: settings.currency });
  const existing = lookFirst && input.remoteId ? await client.findProductByRemoteId(input.remoteId) : null;
  const localId = existing ? existing.localId : (await client.createOrRecoverProduct(input)).product.localId;
  return { localId, title: input.title ?? null };
}
